"""Keyed pseudonyms for tool users no mapping names: stable, short, and no way back.

A tool's own user id (a GitHub numeric id, a Jira accountId, a ServiceNow sys_id) is public
inside the organisation and re-identifies a person at a glance. Intake replaces it with
HMAC-SHA256 under the organisation's secret (BRIDGEWORK_PSEUDONYM_KEY) of the tool and the
raw id: the same user gets the same pseudonym in every delivery, and without the key nobody
can compute a pseudonym from an id, nor try the organisation's ids one by one. Pure: no I/O.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field

# Bumping it gives every tool user a new pseudonym (a new person to Bridgework): never casually.
_DOMAIN = b"bridgework.pseudonym.v1"
# 15 bytes (120 bits) is 24 base32 characters with no padding; collisions need ~2^60 users.
_DIGEST_BYTES = 15
PREFIX = "u-"


@dataclass(frozen=True)
class PseudonymKey:
    """The organisation's pseudonym secret; `repr` never shows it."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not self.secret:
            raise ValueError("a pseudonym key cannot be empty")

    def person_id(self, tool: str, user_id: str) -> str:
        """`u-<tool>-<24 base32 characters>`: the pseudonymous person id of `tool`'s `user_id`."""
        # NUL-separated: neither a tool name nor a stored id holds U+0000, so no two
        # (tool, id) pairs hash the same message.
        message = b"\x00".join((_DOMAIN, tool.encode(), user_id.encode()))
        digest = hmac.new(self.secret, message, hashlib.sha256).digest()[:_DIGEST_BYTES]
        return f"{PREFIX}{tool}-{base64.b32encode(digest).decode().lower()}"
