"""Put a story's events straight into a gateway database's read model, in one transaction,
as the projection would fold them (for tests that read, not for tests of the projection)."""

from __future__ import annotations

from collections.abc import Sequence

from bridgework.common.contracts import Contract
from bridgework.common.events import Event
from bridgework.common.postgres import create_pool
from bridgework.graphql_gateway.projection.use_cases.fold_events import fold_events


async def fold_into(database_url: str, events: Sequence[Event[Contract]]) -> None:
    pool = await create_pool(database_url, schema="gateway")
    try:
        async with pool.acquire() as connection, connection.transaction():
            await fold_events(connection=connection, events=events)
    finally:
        await pool.close()
