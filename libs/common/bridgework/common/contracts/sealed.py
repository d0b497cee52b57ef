"""A confidential text as it travels and is stored outside the key store: ciphertext only.

Only a holder of the data key (`bridgework.common.privacy`) reads it; once the key is
destroyed (erasure, retention) nobody does, wherever copies of the value went.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from bridgework.common.contracts.base import Contract

# base64url without padding: nonce (12 bytes) + AES-GCM ciphertext and tag (16 bytes),
# for texts of up to 8000 characters (4 bytes each in UTF-8 at most).
SEALED_PATTERN = r"^[A-Za-z0-9_-]+$"
SEALED_MIN_LENGTH = 38  # an empty text: nonce and tag alone
SEALED_MAX_LENGTH = 43_000

Ciphertext = Annotated[
    str,
    StringConstraints(
        pattern=SEALED_PATTERN, min_length=SEALED_MIN_LENGTH, max_length=SEALED_MAX_LENGTH
    ),
    Field(description="base64url (no padding) of a 12-byte nonce and the AES-256-GCM ciphertext."),
]


class Sealed(Contract):
    """A confidential text sealed with the data key `key_id` (of one person in one repair)."""

    key_id: UUID = Field(description="The data key that seals it; gone once erased or expired.")
    ciphertext: Ciphertext
