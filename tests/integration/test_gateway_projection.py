"""The projection's batched shortcuts change nothing: a busy stream of every kind of fact
builds the same read model in any order and batching, and its rollups hold exactly the sum
of every repair's and incident's contributions, computed afresh from the folded facts.

(The fast path skips lookups a batch cannot need, starts unseen repairs empty, writes only
the rows that differ and spreads only the counts that change; test_gateway_replay.py
covers the hand-made organisation, this the busier stream.)
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from typing import Any
from uuid import UUID

import pytest

from bridgework.common.contracts import Contract, FollowupEvent, IncidentFacts, RepairEvent
from bridgework.common.events import Event
from bridgework.common.postgres import Pool
from bridgework.graphql_gateway.projection.domain.contributions import (
    IncidentSummary,
    incident_contributions,
    incident_pair_contributions,
    repair_contributions,
    week_start,
)
from bridgework.graphql_gateway.projection.domain.folding import fold_incident, fold_repair
from bridgework.graphql_gateway.projection.domain.state import IncidentState, RepairState
from tests.gateway_factories import busy_organisation
from tests.gateway_read_models import READ_MODEL_TABLES, apply_in_batches, dump, empty_read_models
from tests.infra import Infrastructure

pytestmark = pytest.mark.integration


@pytest.fixture
async def pools(infra: Infrastructure) -> AsyncIterator[list[Pool]]:
    """Three empty read models."""
    async with empty_read_models(infra, 3) as made:
        yield made


def rollups_from_scratch(
    events: Sequence[Event[Contract]],
) -> tuple[Counter[tuple[Any, ...]], Counter[tuple[Any, ...]]]:
    """Every count the rollups should hold, folded and summed in memory from all events."""
    incidents: dict[UUID, IncidentState] = {}
    repairs: dict[UUID, RepairState] = {}
    for event in events:
        fact = event.data
        if isinstance(fact, IncidentFacts):
            incidents[fact.incident_id] = fold_incident(incidents.get(fact.incident_id), fact)
        elif isinstance(fact, RepairEvent | FollowupEvent):
            state = repairs.setdefault(fact.repair_id, RepairState(repair_id=fact.repair_id))
            fold_repair(state, fact)
    summaries = {
        i: IncidentSummary(
            reported_at=s.facts.reported_at,
            named_people=frozenset(
                p.person_id for p in [*s.facts.responsible, *s.facts.affected_people]
            ),
        )
        for i, s in incidents.items()
    }
    opened = {r: s.opened_at for r, s in repairs.items() if s.opened_at is not None}
    departments: Counter[tuple[Any, ...]] = Counter()
    pairs: Counter[tuple[Any, ...]] = Counter()
    for state in repairs.values():
        repair_departments, repair_pairs = repair_contributions(state, summaries, opened)
        departments.update(repair_departments)
        pairs.update(repair_pairs)
    for incident in incidents.values():
        departments.update(incident_contributions(incident))
        pairs.update(incident_pair_contributions(incident))
    by_grain: Counter[tuple[Any, ...]] = Counter()
    for (metric, department, day, key), value in departments.items():
        by_grain[(metric, department, "d", day, key)] += value
        by_grain[(metric, department, "m", day.replace(day=1), key)] += value
    pair_grain: Counter[tuple[Any, ...]] = Counter()
    for (a, b, day, key), value in pairs.items():
        for grain, bucket in (("d", day), ("w", week_start(day)), ("m", day.replace(day=1))):
            pair_grain[(grain, bucket, a, b, key)] += value
    return (
        Counter({k: v for k, v in by_grain.items() if v}),
        Counter({k: v for k, v in pair_grain.items() if v}),
    )


async def stored_rollups(
    pool: Pool,
) -> tuple[Counter[tuple[Any, ...]], Counter[tuple[Any, ...]]]:
    async with pool.acquire() as connection:
        departments = await connection.fetch(
            "SELECT metric, department, grain, day, key, value FROM dashboard_counts"
        )
        pairs = await connection.fetch(
            "SELECT grain, day, department_a, department_b, key, value FROM relationship_counts"
        )
    return (
        Counter({tuple(row.values())[:-1]: row["value"] for row in departments}),
        Counter({tuple(row.values())[:-1]: row["value"] for row in pairs}),
    )


async def test_a_busy_stream_builds_one_read_model_in_any_order_and_batching(
    pools: list[Pool],
) -> None:
    events = busy_organisation()
    shuffled = list(events)
    random.Random(3).shuffle(shuffled)

    await apply_in_batches(pools[0], events, size=500)
    await apply_in_batches(pools[1], shuffled, size=7)
    await apply_in_batches(pools[2], list(reversed(events)), size=60)

    first, second, third = [await dump(pool) for pool in pools]
    assert len(first["repair_recurrences"]) > 100, "recurrences were written"
    for table in READ_MODEL_TABLES:
        assert second[table] == first[table], table
        assert third[table] == first[table], table
    assert await stored_rollups(pools[1]) == rollups_from_scratch(events)

    await apply_in_batches(pools[0], events, size=250)  # everything again: no change
    assert await dump(pools[0]) == first
