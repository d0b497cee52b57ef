"""Replaying every topic rebuilds the same read model: any order, any batching, twice over.

The projection is applied straight to real Postgres databases (no Kafka needed to prove
order-independence); test_gateway_dashboard.py covers the path through the broker.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest

from bridgework.common.contracts import Contract
from bridgework.common.events import Event
from bridgework.common.postgres import Pool, create_pool, migrate
from bridgework.graphql_gateway import service
from tests.gateway_factories import organisation
from tests.infra import Infrastructure, create_database, drop_database

pytestmark = pytest.mark.integration

READ_MODEL_TABLES = (
    "incidents", "repairs", "repair_incidents", "repair_relationships", "repair_recurrences",
    "participants",
    "conversations", "agreements", "proposals", "consents", "commitments", "nudges",
    "check_ins", "departments", "dashboard_counts", "relationship_counts",
)  # fmt: skip


@pytest.fixture
async def pools(infra: Infrastructure) -> AsyncIterator[list[Pool]]:
    """Three empty read models."""
    urls = [await create_database(infra) for _ in range(3)]
    made = []
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
    for start in range(0, len(events), size):
        async with pool.acquire() as connection, connection.transaction():
            await service.apply_events(connection, events[start : start + size])


async def dump(pool: Pool) -> dict[str, list[tuple[Any, ...]]]:
    tables: dict[str, list[tuple[Any, ...]]] = {}
    async with pool.acquire() as connection:
        for table in READ_MODEL_TABLES:
            rows = await connection.fetch(f"SELECT * FROM {table}")
            tables[table] = sorted(tuple(map(repr, row.values())) for row in rows)
    return tables


async def test_any_order_and_batching_rebuilds_the_same_read_model(pools: list[Pool]) -> None:
    events = organisation().events()
    shuffled = list(events)
    random.Random(6).shuffle(shuffled)
    backwards = list(reversed(events))

    await apply_in_batches(pools[0], events, size=len(events))
    await apply_in_batches(pools[1], shuffled, size=1)
    await apply_in_batches(pools[2], backwards, size=7)

    first, second, third = [await dump(pool) for pool in pools]
    assert first["dashboard_counts"], "the rollups were written"
    for table in READ_MODEL_TABLES:
        assert second[table] == first[table], table
        assert third[table] == first[table], table


async def test_applying_every_event_again_changes_nothing(pools: list[Pool]) -> None:
    # The inbox already stops redeliveries; the folds are idempotent on their own too,
    # so even a lost inbox row could not count anything twice.
    events = organisation().events()
    await apply_in_batches(pools[0], events, size=10)
    once = await dump(pools[0])

    await apply_in_batches(pools[0], events, size=3)

    assert await dump(pools[0]) == once
