"""Reading many sealed texts at once: one query for their keys, then each opened in memory."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from bridgework.common.contracts.sealed import Sealed
from bridgework.common.postgres import Connection
from bridgework.common.privacy.keys import DataKey
from bridgework.common.privacy.keystore import KeyStore
from bridgework.common.privacy.sealing import UnreadableSealedError, unseal

# What a reader shows for a text whose key is gone: APIs answer null, pages say "erased".
ERASED_TEXT = None


class Unsealer:
    """Opens the sealed texts it was loaded for; an erased or expired one reads as None."""

    def __init__(self, keys: dict[UUID, DataKey]) -> None:
        self._keys = keys

    @classmethod
    async def load(
        cls, conn: Connection, store: KeyStore, sealed: Iterable[Sealed | None]
    ) -> Unsealer:
        ids = {value.key_id for value in sealed if value is not None}
        return cls(await store.keys(conn, ids))

    def text(self, sealed: Sealed | None) -> str | None:
        if sealed is None:
            return None
        key = self._keys.get(sealed.key_id)
        if key is None:
            return ERASED_TEXT
        try:
            return unseal(key, sealed)
        except UnreadableSealedError:
            return ERASED_TEXT
