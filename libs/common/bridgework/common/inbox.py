"""The inbox: which events a consumer has applied, recorded in the effect's own transaction."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from bridgework.common.postgres import Connection


async def claim(connection: Connection, *, consumer: str, event_ids: Sequence[UUID]) -> set[UUID]:
    """Record `event_ids` as applied by `consumer`; return the ones not applied before.

    Call inside the transaction that applies the effect: if it rolls back, so
    does the claim, and a redelivery applies the event then.
    """
    if not event_ids:
        return set()
    rows = await connection.fetch(
        "INSERT INTO inbox (consumer, event_id) SELECT $1, unnest($2::uuid[])"
        " ON CONFLICT DO NOTHING RETURNING event_id",
        consumer,
        list(event_ids),
    )
    return {row["event_id"] for row in rows}
