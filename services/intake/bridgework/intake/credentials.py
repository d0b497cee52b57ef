"""Department credentials: API tokens and webhook signatures. Pure functions, no I/O.

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
import secrets
from collections.abc import Iterable

TOKEN_PREFIX = "bwi_"  # noqa: S105 - the public prefix, not a secret
TOKEN_PATTERN = re.compile(r"bwi_[A-Za-z0-9_-]{43}")
_TOKEN_BYTES = 32
REDACTED = "[redacted]"


def new_token() -> str:
    """A fresh department API token, shown once to the admin who made it."""
    return TOKEN_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)


def token_hash(token: str) -> bytes:
    """What intake stores and looks tokens up by."""
    return hashlib.sha256(token.encode()).digest()


def new_webhook_secret() -> str:
    """A fresh shared secret for a tool that signs its webhooks (GitHub, Jira)."""
    return secrets.token_hex(32)


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
