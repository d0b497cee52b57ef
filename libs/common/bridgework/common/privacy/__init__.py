"""Confidential texts: envelope encryption per person and repair, and erasure by key.

See docs/privacy.md. `keys` holds the KEK seam and data keys, `sealing` one text,
`keystore` the wrapped keys in Postgres, `reading` many texts at once.
"""

from bridgework.common.contracts.sealed import Sealed
from bridgework.common.privacy.keys import (
    KEK_SETTING,
    DataKey,
    KeyEncryptionKey,
    LocalKek,
    PrivacyConfigError,
    new_kek_text,
)
from bridgework.common.privacy.keystore import KeyStore
from bridgework.common.privacy.reading import ERASED_TEXT, Unsealer
from bridgework.common.privacy.sealing import UnreadableSealedError, seal, unseal

__all__ = [
    "ERASED_TEXT",
    "KEK_SETTING",
    "DataKey",
    "KeyEncryptionKey",
    "KeyStore",
    "LocalKek",
    "PrivacyConfigError",
    "Sealed",
    "UnreadableSealedError",
    "Unsealer",
    "new_kek_text",
    "seal",
    "unseal",
]
