"""Sealing and unsealing one confidential text with a data key (AES-256-GCM)."""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bridgework.common.contracts.sealed import Sealed
from bridgework.common.privacy.keys import NONCE_BYTES, DataKey


class UnreadableSealedError(Exception):
    """The text cannot be read: its key is gone (erased, expired) or does not match."""


def seal(key: DataKey, plaintext: str) -> Sealed:
    nonce = os.urandom(NONCE_BYTES)
    # The key id is bound in: a ciphertext moved under another key id does not open.
    body = AESGCM(key.secret).encrypt(nonce, plaintext.encode("utf-8"), key.key_id.bytes)
    text = base64.urlsafe_b64encode(nonce + body).rstrip(b"=").decode("ascii")
    return Sealed(key_id=key.key_id, ciphertext=text)


def unseal(key: DataKey, sealed: Sealed) -> str:
    if key.key_id != sealed.key_id:
        raise UnreadableSealedError(f"sealed with key {sealed.key_id}, not {key.key_id}")
    padded = sealed.ciphertext + "=" * (-len(sealed.ciphertext) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded)
        plain = AESGCM(key.secret).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], key.key_id.bytes)
        return plain.decode("utf-8")
    except (binascii.Error, InvalidTag, ValueError, UnicodeDecodeError):
        raise UnreadableSealedError(f"ciphertext under key {sealed.key_id} does not open") from None
