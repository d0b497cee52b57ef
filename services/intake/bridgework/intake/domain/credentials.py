"""Department credentials: API tokens, who they speak for, webhook signatures. Pure, no I/O.

API tokens are 256 random bits with a recognisable prefix. Intake stores only their
SHA-256: a slow password hash (bcrypt, argon2) protects guessable secrets, but a
token this random cannot be guessed, and a fast, deterministic hash lets the
database find the token by an indexed equality lookup on every request.
The prefix lets intake (and secret scanners) recognise a token wherever it
leaks, so it can be redacted from anything intake keeps.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from bridgework.common.errors import DomainError, ErrorKind

TOKEN_PREFIX = "bwi_"  # noqa: S105 - the public prefix, not a secret
TOKEN_PATTERN = re.compile(r"bwi_[A-Za-z0-9_-]{43}")
REDACTED = "[redacted]"


@dataclass(frozen=True)
class Principal:
    """Who a token speaks for."""

    token_id: UUID
    department: str


@dataclass(frozen=True)
class TokenInfo:
    """A department API token as it is listed: never its value."""

    token_id: UUID
    department: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class SecretInfo:
    """A webhook signing secret as it is listed: never its value."""

    secret_id: UUID
    department: str
    tool: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


def token_hash(token: str) -> bytes:
    """What intake stores and looks tokens up by."""
    return hashlib.sha256(token.encode()).digest()


def unauthenticated(detail: str) -> DomainError:
    """No credential, or one that proves nothing (a 401 over HTTP)."""
    return DomainError("unauthenticated", detail, kind=ErrorKind.UNAUTHENTICATED)


def ensure_department(principal: Principal, department: str, *, where: str = "department") -> None:
    """Refuse (forbidden) unless the token reports for `department`."""
    if principal.department != department:
        raise DomainError(
            "forbidden",
            f"this token reports for department {principal.department!r} only, "
            f"and {where} names {department!r}",
            kind=ErrorKind.FORBIDDEN,
        )


def raw_event_refusal(
    token: str | None, principal: Principal | None, department: str
) -> DomainError | None:
    """Why a raw-topic event may not report for `department` with its token, or None if it may."""
    if token is None:
        return unauthenticated("no `bridgeworktoken` extension attribute")
    if principal is None:
        return unauthenticated("unknown or revoked token")
    if principal.department != department:
        return DomainError(
            "forbidden",
            f"the token reports for {principal.department!r}, data.department is {department!r}",
            kind=ErrorKind.FORBIDDEN,
        )
    return None


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if that is what it is."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of `body` with `secret`, as tools sign."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_hub_signature(header: str | None, body: bytes, secrets_: Iterable[str]) -> bool:
    """GitHub's X-Hub-Signature-256 and Jira's X-Hub-Signature: `sha256=<hex HMAC of the body>`.

    Any of the department's active secrets may match (secrets are rotated by adding
    the new one before revoking the old).
    """
    if not header:
        return False
    method, _, given = header.strip().partition("=")
    if method.lower() != "sha256" or not given:
        return False
    return any(_same(hmac_sha256_hex(secret, body), given.lower()) for secret in secrets_)


def verify_pagerduty_signature(header: str | None, body: bytes, secrets_: Iterable[str]) -> bool:
    """PagerDuty v3's X-PagerDuty-Signature: `v1=<hex>[,v1=<hex>…]`, one per active secret
    on PagerDuty's side; one match with one of ours is enough."""
    if not header:
        return False
    given = [
        value.strip().lower()
        for version, _, value in (part.strip().partition("=") for part in header.split(","))
        if version == "v1" and value.strip()
    ]
    expected = [hmac_sha256_hex(secret, body) for secret in secrets_]
    return any(_same(e, g) for e in expected for g in given)


def _same(expected: str, given: str) -> bool:
    # Constant-time, and on bytes: compare_digest refuses str with non-ASCII characters,
    # and a header may carry anything.
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def redact_text(text: str) -> str:
    """`text` with every API token in it replaced by a marker."""
    return TOKEN_PATTERN.sub(REDACTED, text)
