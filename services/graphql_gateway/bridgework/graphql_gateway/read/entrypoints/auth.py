"""People's JWT bearer tokens (OIDC-style) verified into a Viewer.

`exp` is required. Tokens are HS256 with the shared secret and/or RS256 with the identity
provider's public key, whichever the settings hold; `iss` and `aud` are checked when
configured. Every refusal is a DomainError of kind UNAUTHENTICATED.
"""

from __future__ import annotations

from typing import Any

import jwt

from bridgework.graphql_gateway.read.domain.viewer import (
    Viewer,
    unauthenticated,
    viewer_from_claims,
)
from bridgework.graphql_gateway.settings import GatewaySettings


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header."""
    if not authorization:
        raise unauthenticated("a bearer token is required")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthenticated("the Authorization header must be `Bearer <token>`")
    return token.strip()


def verify(token: str, settings: GatewaySettings) -> Viewer:
    """Check the token's signature, expiry, issuer and audience, and read its claims."""
    keys: list[tuple[str, Any]] = []
    if settings.jwt_hs256_secret is not None:
        keys.append(("HS256", settings.jwt_hs256_secret.get_secret_value()))
    if settings.jwt_rs256_public_key:
        keys.append(("RS256", settings.jwt_rs256_public_key))
    if not keys:
        raise unauthenticated("this gateway has no key to verify tokens with")
    try:
        algorithm = jwt.get_unverified_header(token).get("alg")
    except jwt.InvalidTokenError as error:
        raise unauthenticated("the token is not a JWT") from error
    key = next((k for alg, k in keys if alg == algorithm), None)
    if key is None:
        raise unauthenticated(f"tokens signed with {algorithm!r} are not accepted")
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
        raise unauthenticated("the token has expired") from error
    except jwt.InvalidTokenError as error:
        raise unauthenticated(f"the token is not valid: {error}") from error
    return viewer_from_claims(claims, token)
