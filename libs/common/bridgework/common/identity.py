"""People's bearer tokens (OIDC-style JWTs), verified the same way by every service that acts
for a person: the gateway, agreements (and follow-up later).

Keys: the identity provider's public key (PEM, RSA → RS256, EC → ES256) or its JWKS URL; a
shared HS256 secret only in development mode. `exp`, `iat` and `sub` are required, a token may
live at most `jwt_max_lifetime_seconds`, and issuer and audience are checked (outside
development mode they must be configured). Every refusal is a DomainError UNAUTHENTICATED
that says why, never echoing the token.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from pydantic import Field, SecretStr

from bridgework.common.contracts.base import pseudonymous_id_problem
from bridgework.common.errors import DomainError, ErrorKind
from bridgework.common.settings import ServiceSettings

_DEPARTMENT = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_TWELVE_HOURS = 12 * 3600


class PersonTokenSettings(ServiceSettings):
    """The settings of a service that acts for people: how their tokens are verified."""

    jwt_hs256_secret: SecretStr | None = Field(
        default=None, description="A shared secret; accepted in development mode only."
    )
    jwt_rs256_public_key: str | None = Field(
        default=None, description="The identity provider's public key (PEM; RSA or EC)."
    )
    jwt_jwks_url: str | None = Field(
        default=None, description="The identity provider's JWKS URL (keys chosen by `kid`)."
    )
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_leeway_seconds: int = Field(default=30, ge=0)
    # 12 hours: a working day, and the dashboard token `make run` prints.
    jwt_max_lifetime_seconds: int = Field(default=_TWELVE_HOURS, ge=60)

    def required_settings(self) -> list[str]:
        """The provider's key (PEM or JWKS), issuer and audience; a shared secret is not enough."""
        missing = super().required_settings()
        if not self.jwt_rs256_public_key and not self.jwt_jwks_url:
            missing.append(
                "BRIDGEWORK_JWT_RS256_PUBLIC_KEY or BRIDGEWORK_JWT_JWKS_URL:"
                " the identity provider's public key"
            )
        if not self.jwt_issuer:
            missing.append("BRIDGEWORK_JWT_ISSUER: the identity provider's issuer")
        if not self.jwt_audience:
            missing.append("BRIDGEWORK_JWT_AUDIENCE: the audience tokens are issued for")
        return missing


@dataclass(frozen=True)
class VerifiedPerson:
    """The person a verified token names."""

    subject: str
    roles: frozenset[str]
    department: str | None
    expires_at: datetime
    token: str

    def seconds_left(self, now: float) -> float:
        """How long the token still holds at `now` (seconds since the epoch)."""
        return self.expires_at.timestamp() - now


def unauthenticated(reason: str) -> DomainError:
    """No usable token; `reason` says why (never the token itself)."""
    return DomainError("unauthenticated", reason, kind=ErrorKind.UNAUTHENTICATED)


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header."""
    if not authorization:
        raise unauthenticated("a bearer token is required")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthenticated("the Authorization header must be `Bearer <token>`")
    return token.strip()


def verify_person(token: str, settings: PersonTokenSettings) -> VerifiedPerson:
    """Check signature, issuer, audience, expiry and lifetime, and read the person's claims."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise unauthenticated("the token is not a JWT") from error
    algorithm, key = _key_for(token, header, settings)
    if not settings.development_mode and not (settings.jwt_issuer and settings.jwt_audience):
        raise unauthenticated("this service has no issuer and audience to check tokens against")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            leeway=settings.jwt_leeway_seconds,
            options={
                "require": ["exp", "iat", "sub"],
                "verify_aud": settings.jwt_audience is not None,
            },
        )
    except jwt.ExpiredSignatureError as error:
        raise unauthenticated("the token has expired") from error
    except jwt.InvalidIssuerError as error:
        raise unauthenticated("the token is from another issuer") from error
    except jwt.InvalidAudienceError as error:
        raise unauthenticated("the token is for another audience") from error
    except jwt.PyJWTError as error:
        raise unauthenticated(f"the token is not valid: {error}") from error
    return person_from_claims(claims, token, max_lifetime=settings.jwt_max_lifetime_seconds)


async def verify_person_off_loop(token: str, settings: PersonTokenSettings) -> VerifiedPerson:
    """`verify_person` for async code: with a JWKS URL the provider's keys may be fetched
    (blocking I/O), so verification then runs in a worker thread."""
    if settings.jwt_jwks_url:
        return await asyncio.to_thread(verify_person, token, settings)
    return verify_person(token, settings)


def person_from_claims(claims: dict[str, Any], token: str, *, max_lifetime: int) -> VerifiedPerson:
    """The person verified claims name, or UNAUTHENTICATED."""
    issued, expires = claims["iat"], claims["exp"]
    if not isinstance(issued, int | float) or not isinstance(expires, int | float):
        raise unauthenticated("`iat` and `exp` must be numbers")
    if expires - issued > max_lifetime:
        raise unauthenticated(f"the token lives longer than the {max_lifetime} seconds allowed")
    subject = claims.get("sub")
    if not isinstance(subject, str) or pseudonymous_id_problem(subject) is not None:
        raise unauthenticated("`sub` must be a pseudonymous person id (not a name nor an address)")
    department = claims.get("department")
    if department is not None and (
        not isinstance(department, str) or not _DEPARTMENT.match(department)
    ):
        raise unauthenticated("`department` must be a department slug")
    raw_roles = claims.get("roles", [])
    if isinstance(raw_roles, str):
        raw_roles = raw_roles.split()
    if not isinstance(raw_roles, list):
        raise unauthenticated("`roles` must be a list of role names")
    return VerifiedPerson(
        subject=subject,
        roles=frozenset(r for r in raw_roles if isinstance(r, str)),
        department=department,
        expires_at=datetime.fromtimestamp(expires, UTC),
        token=token,
    )


def development_token(
    secret: str,
    *,
    sub: str,
    roles: list[str],
    department: str | None = None,
    lifetime_seconds: int = 3600,
    issuer: str | None = None,
    audience: str | None = None,
) -> str:
    """An HS256 token signed with the development secret, for local runs, demos and tests."""
    now = int(time.time())
    claims: dict[str, Any] = {"sub": sub, "roles": roles, "iat": now, "exp": now + lifetime_seconds}
    if department:
        claims["department"] = department
    if issuer:
        claims["iss"] = issuer
    if audience:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm="HS256")


def _key_for(token: str, header: dict[str, Any], settings: PersonTokenSettings) -> tuple[str, Any]:
    """The algorithm and key this token must verify with, as the settings allow."""
    algorithm = header.get("alg")
    if algorithm == "HS256":
        if settings.jwt_hs256_secret is None or not settings.development_mode:
            raise unauthenticated("tokens signed with 'HS256' are not accepted")
        return algorithm, settings.jwt_hs256_secret.get_secret_value()
    if algorithm in ("RS256", "ES256"):
        if settings.jwt_rs256_public_key:
            pem_algorithm, key = _pem_key(settings.jwt_rs256_public_key)
            if pem_algorithm == algorithm:
                return algorithm, key
        if settings.jwt_jwks_url:
            try:
                signing_key = _jwks_client(settings.jwt_jwks_url).get_signing_key_from_jwt(token)
            except jwt.PyJWTError as error:
                raise unauthenticated(
                    f"no identity provider key for this token: {error}"
                ) from error
            return algorithm, signing_key.key
    raise unauthenticated(f"tokens signed with {algorithm!r} are not accepted")


@lru_cache(maxsize=8)
def _pem_key(pem: str) -> tuple[str, Any]:
    """The algorithm a PEM public key verifies, and the key (parsed once)."""
    try:
        key = load_pem_public_key(pem.encode())
    except ValueError as error:
        raise unauthenticated("the configured public key is not a PEM public key") from error
    if isinstance(key, rsa.RSAPublicKey):
        return "RS256", key
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ES256", key
    raise unauthenticated("the configured public key is neither RSA nor EC")


@lru_cache(maxsize=8)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    """One client per URL: it caches the provider's keys between requests."""
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5)
