"""Who is asking: people's JWT bearer tokens (OIDC-style claims) verified into a Viewer.

Claims: `sub` (the person's pseudonymous id), `department` (their department slug),
`roles` (a list, or a space-separated string, of change_team, department_lead,
facilitator, participant; unknown roles are ignored). `exp` is required. Tokens are
HS256 with the shared secret and/or RS256 with the identity provider's public key,
whichever the settings hold; `iss` and `aud` are checked when configured.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import jwt

from bridgework.graphql_gateway.settings import GatewaySettings

_PSEUDONYMOUS_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
_DEPARTMENT = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


class Role(StrEnum):
    CHANGE_TEAM = "change_team"
    DEPARTMENT_LEAD = "department_lead"
    FACILITATOR = "facilitator"
    PARTICIPANT = "participant"


@dataclass(frozen=True)
class Viewer:
    """The authenticated person behind a request."""

    subject: str
    department: str | None
    roles: frozenset[Role]
    token: str


class AuthenticationError(Exception):
    """The request carries no usable token; `reason` says why (never the token itself)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header."""
    if not authorization:
        raise AuthenticationError("a bearer token is required")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("the Authorization header must be `Bearer <token>`")
    return token.strip()


def verify(token: str, settings: GatewaySettings) -> Viewer:
    """Check the token's signature, expiry, issuer and audience, and read its claims."""
    keys: list[tuple[str, Any]] = []
    if settings.jwt_hs256_secret is not None:
        keys.append(("HS256", settings.jwt_hs256_secret.get_secret_value()))
    if settings.jwt_rs256_public_key:
        keys.append(("RS256", settings.jwt_rs256_public_key))
    if not keys:
        raise AuthenticationError("this gateway has no key to verify tokens with")
    try:
        algorithm = jwt.get_unverified_header(token).get("alg")
    except jwt.InvalidTokenError as error:
        raise AuthenticationError("the token is not a JWT") from error
    key = next((k for alg, k in keys if alg == algorithm), None)
    if key is None:
        raise AuthenticationError(f"tokens signed with {algorithm!r} are not accepted")
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[str(algorithm)],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            leeway=settings.jwt_leeway_seconds,
            options={
                "require": ["exp", "sub"],
                "verify_aud": settings.jwt_audience is not None,
            },
        )
    except jwt.ExpiredSignatureError as error:
        raise AuthenticationError("the token has expired") from error
    except jwt.InvalidTokenError as error:
        raise AuthenticationError(f"the token is not valid: {error}") from error
    return viewer_from_claims(claims, token)


def viewer_from_claims(claims: dict[str, Any], token: str) -> Viewer:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not _PSEUDONYMOUS_ID.match(subject):
        raise AuthenticationError("`sub` must be a pseudonymous person id")
    department = claims.get("department")
    if department is not None and (
        not isinstance(department, str) or not _DEPARTMENT.match(department)
    ):
        raise AuthenticationError("`department` must be a department slug")
    raw_roles = claims.get("roles", [])
    if isinstance(raw_roles, str):
        raw_roles = raw_roles.split()
    if not isinstance(raw_roles, list):
        raise AuthenticationError("`roles` must be a list of role names")
    known = {role.value for role in Role}
    roles = frozenset(Role(r) for r in raw_roles if isinstance(r, str) and r in known)
    if Role.DEPARTMENT_LEAD in roles and department is None:
        raise AuthenticationError("a department_lead token needs a `department` claim")
    return Viewer(subject=subject, department=department, roles=roles, token=token)
