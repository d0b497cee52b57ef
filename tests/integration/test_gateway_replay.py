"""Replaying every topic rebuilds the same read model: any order, any batching, twice over.

The projection is applied straight to real Postgres databases (no Kafka needed to prove
order-independence); test_gateway_dashboard.py covers the path through the broker.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest

from bridgework.common.postgres import Pool
from tests.gateway_factories import organisation
from tests.gateway_read_models import READ_MODEL_TABLES, apply_in_batches, dump, empty_read_models
from tests.infra import Infrastructure

pytestmark = pytest.mark.integration


@pytest.fixture
async def pools(infra: Infrastructure) -> AsyncIterator[list[Pool]]:
    """Three empty read models."""
    async with empty_read_models(infra, 3) as made:
        yield made


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
