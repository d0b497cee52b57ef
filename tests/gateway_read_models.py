"""Throwaway gateway read models for projection tests: fold events into them, dump them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from bridgework.common.contracts import Contract
from bridgework.common.events import Event
from bridgework.common.postgres import Pool, create_pool, migrate
from bridgework.graphql_gateway.projection.use_cases.fold_changes import fold_changes
from bridgework.graphql_gateway.projection.use_cases.privacy import fold_with_erasures
from tests.infra import Infrastructure, create_database, drop_database

READ_MODEL_TABLES = (
    "incidents", "repairs", "repair_incidents", "repair_relationships", "repair_recurrences",
    "participants", "conversations", "agreements", "proposals", "consents", "commitments",
    "nudges", "check_ins", "departments", "dashboard_counts", "relationship_counts",
    "facilitation_offers", "repair_figures",
    "planned_changes", "planned_change_go_lives", "planned_change_engagements",
    "planned_change_proposals", "planned_change_modes", "change_incidents",
    "planned_change_check_ins", "change_participants",
)  # fmt: skip


@asynccontextmanager
async def empty_read_models(infra: Infrastructure, count: int) -> AsyncIterator[list[Pool]]:
    """`count` empty read models, each in a database of its own, dropped afterwards."""
    urls = [await create_database(infra) for _ in range(count)]
    made: list[Pool] = []
    try:
        for url in urls:
            pool = await create_pool(url, schema="gateway")
            made.append(pool)
            await migrate(pool, schema="gateway", package="bridgework.graphql_gateway")
        yield made
    finally:
        for pool in made:
            await pool.close()
        for url in urls:
            await drop_database(infra, url)


async def apply_in_batches(pool: Pool, events: Sequence[Event[Contract]], size: int) -> None:
    """Fold `events` as the consumer would, `size` per transaction."""
    for start in range(0, len(events), size):
        async with pool.acquire() as connection, connection.transaction():
            batch = events[start : start + size]
            await fold_with_erasures(connection=connection, events=batch)
            await fold_changes(connection=connection, events=batch)


async def dump(pool: Pool) -> dict[str, list[tuple[Any, ...]]]:
    """Every read-model table's rows, sorted, for comparing two read models."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    async with pool.acquire() as connection:
        for table in READ_MODEL_TABLES:
            rows = await connection.fetch(f"SELECT * FROM {table}")
            tables[table] = sorted(tuple(map(repr, row.values())) for row in rows)
    return tables
