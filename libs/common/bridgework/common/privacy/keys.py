"""Keys: the key-encryption key (KEK) from configuration, and the data keys it wraps.

A data key seals one person's confidential texts in one repair; it is stored only wrapped
by the KEK. `KeyEncryptionKey` is the seam a cloud KMS would fill (wrap and unwrap remotely).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass, field
from typing import Protocol
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEK_SETTING = "BRIDGEWORK_PRIVACY_KEK"
KEY_BYTES = 32
NONCE_BYTES = 12


class PrivacyConfigError(Exception):
    """The service cannot seal or read confidential texts: it must not start."""


class UnwrapError(Exception):
    """A wrapped key does not open with this KEK (another KEK, or tampered)."""


@dataclass(frozen=True)
class DataKey:
    """The key of one person in one repair; the secret never appears in a repr or a log."""

    key_id: UUID
    person_id: str
    repair_id: UUID
    secret: bytes = field(repr=False)


class KeyEncryptionKey(Protocol):
    """Wraps and unwraps data keys; `key_id` is bound in, so a wrapped key cannot be swapped."""

    @property
    def kek_id(self) -> str: ...

    def wrap(self, secret: bytes, *, key_id: UUID) -> bytes: ...

    def unwrap(self, wrapped: bytes, *, key_id: UUID) -> bytes: ...


class LocalKek:
    """A KEK held in the service's configuration (AES-256-GCM key wrapping)."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) != KEY_BYTES:
            raise PrivacyConfigError(f"{KEK_SETTING}: must decode to {KEY_BYTES} bytes")
        self._aead = AESGCM(secret)
        # Names the KEK in stored rows without revealing it: a wrong KEK is told apart from
        # a tampered row, and a rotation can find what an old KEK wrapped.
        self._kek_id = "local-" + hashlib.sha256(b"bridgework-kek-id" + secret).hexdigest()[:16]

    @classmethod
    def from_setting(cls, text: str | None) -> LocalKek:
        """The KEK from `BRIDGEWORK_PRIVACY_KEK` (base64 of 32 random bytes), or a clear refusal."""
        if text is None or not text.strip():
            raise PrivacyConfigError(
                f"{KEK_SETTING} is not set: confidential texts cannot be sealed or read "
                "(generate one with `python -m bridgework.common.privacy new-kek`)"
            )
        try:
            secret = base64.b64decode(text.strip(), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            raise PrivacyConfigError(f"{KEK_SETTING}: not base64") from None
        return cls(secret)

    @property
    def kek_id(self) -> str:
        return self._kek_id

    def wrap(self, secret: bytes, *, key_id: UUID) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, secret, key_id.bytes)

    def unwrap(self, wrapped: bytes, *, key_id: UUID) -> bytes:
        try:
            return self._aead.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], key_id.bytes)
        except (InvalidTag, ValueError):
            raise UnwrapError(str(key_id)) from None


def new_kek_text() -> str:
    """A fresh KEK as the setting takes it."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")
