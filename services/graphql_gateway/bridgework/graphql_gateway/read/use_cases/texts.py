"""The data keys that open confidential texts, for a viewer a resolver has let see them: one
query for every key a level of the answer needs. Aggregates never come here: no figure
needs a text."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from bridgework.common.postgres import Pool
from bridgework.common.privacy import DataKey, KeyStore


async def data_keys(*, pool: Pool, keys: KeyStore, key_ids: Sequence[UUID]) -> list[DataKey | None]:
    """Each key in `key_ids` order; None for one destroyed (erased, expired)."""
    async with pool.acquire() as connection:
        held = await keys.keys(connection, key_ids)
    return [held.get(key_id) for key_id in key_ids]
