"""Signed, expiring check-in links: the token an affected person answers through, no login.

A token is `<payload>.<signature>`, both base64url without padding; the payload is the
check-in id (random, drawn when the check-in is asked) and the expiry (Unix seconds), the
signature HMAC-SHA256 over the payload with the service's secret. It reveals no person. A
genuine token is necessary, not sufficient: the stored check-in decides expiry and single use.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from bridgework.common.errors import DomainError, ErrorKind


def invalid_link() -> DomainError:
    """Not a token this service signed (or it was tampered with)."""
    return DomainError(
        "invalid_link", "This is not a valid check-in link.", kind=ErrorKind.FORBIDDEN
    )


def expired_link() -> DomainError:
    """A genuine token whose time has passed."""
    return DomainError("link_expired", "This check-in link has expired.", kind=ErrorKind.GONE)


@dataclass(frozen=True)
class CheckInClaim:
    """What a link says: which check-in, and until when."""

    check_in_id: UUID
    expires_at: datetime


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())


def sign(claim: CheckInClaim, secret: bytes) -> str:
    """The token for `claim`."""
    body = {"c": str(claim.check_in_id), "e": int(claim.expires_at.timestamp())}
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    return f"{payload}.{_signature(secret, payload)}"


# Far longer than any token `sign` makes (about 150 characters); longer input is not read.
MAX_TOKEN_LENGTH = 512


def verify(token: str, secret: bytes, *, now: datetime) -> CheckInClaim:
    """The claim of a genuine, unexpired token; raise `invalid_link` or `link_expired`."""
    # compare_digest refuses non-ASCII str (TypeError): anything outside base64url is no token.
    if len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        raise invalid_link()
    payload, _, signature = token.partition(".")
    if not payload or not signature:
        raise invalid_link()
    if not hmac.compare_digest(_signature(secret, payload).encode(), signature.encode()):
        raise invalid_link()
    try:
        body = json.loads(_unb64(payload))
        claim = CheckInClaim(
            check_in_id=UUID(body["c"]), expires_at=datetime.fromtimestamp(int(body["e"]), UTC)
        )
    except (binascii.Error, ValueError, KeyError, TypeError, OverflowError, OSError) as error:
        raise invalid_link() from error
    if now >= claim.expires_at:
        raise expired_link()
    return claim
