"""The inbox: which events a consumer has applied, recorded in the effect's own transaction.

An id only has to be remembered while its event can still be delivered again; past
`inbox_retention_days` (beyond Kafka's own retention) `forget_applied` removes it, so the
table, and the index every claim writes to, stays the size of that window.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from uuid import UUID

from bridgework.common.postgres import Connection, Pool

logger = logging.getLogger(__name__)

FORGET_CHUNK = 10_000


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


async def forget_applied(pool: Pool, *, older_than: timedelta, chunk: int = FORGET_CHUNK) -> int:
    """Delete inbox rows applied more than `older_than` ago, `chunk` rows per transaction (so
    no claim waits long on them); return how many went. Postgres's own clock decides, as it
    stamped `applied_at`."""
    forgotten = 0
    while True:
        async with pool.acquire() as connection:
            status = await connection.execute(
                "DELETE FROM inbox WHERE ctid = ANY(ARRAY("
                " SELECT ctid FROM inbox WHERE applied_at < now() - $1::interval LIMIT $2))",
                older_than,
                chunk,
            )
        deleted = int(status.rsplit(" ", 1)[-1])
        forgotten += deleted
        if deleted < chunk:
            return forgotten


async def keep_forgetting(
    pool: Pool,
    *,
    older_than: timedelta,
    every_seconds: float,
    beat: Callable[[], None] = lambda: None,
) -> None:
    """Background loop: `forget_applied` now and then, for as long as the service runs;
    `beat` tells the runtime's liveness (heartbeats.py) that it goes round."""
    while True:
        beat()
        try:
            if forgotten := await forget_applied(pool, older_than=older_than):
                logger.info("forgot %d inbox entries older than %s", forgotten, older_than)
        except Exception:
            logger.exception("pruning the inbox failed; trying again later")
        await asyncio.sleep(every_seconds)
