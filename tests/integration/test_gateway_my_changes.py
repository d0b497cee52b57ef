"""The planned changes a person takes part in, on `myWork.changes`: the engagement's people
(every role, the owner's side too) folded from RepresentativeJoined through Kafka into the read
model, read back through GraphQL by that person and by nobody else; erased with the person,
exported for them, and the same whatever order a replay meets the join and the erasure in.

The changes are those of tests/gateway_change_factories.py: F (not live) engages the owner
p-it-1 and the representatives p-fin-2 (finance) and p-hr-3 (hr); here p-fin-2 also joins A
(live on 3 Nov) for finance, so their list holds a change not yet live and a live one.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest

from bridgework.common.clock import ManualClock
from bridgework.common.contracts import Contract, PersonErasedV1, PersonRef
from bridgework.common.contracts.engagements import EngagementRole, RepresentativeJoinedV1
from bridgework.common.contracts.privacy import person_digest
from bridgework.common.events import Event
from bridgework.common.key_store_start import key_store_from
from bridgework.common.postgres import Pool, create_pool
from bridgework.graphql_gateway.app import create_app
from bridgework.graphql_gateway.read.use_cases.privacy import export_person
from tests.gateway_change_factories import NOW, at, change_story, cid
from tests.gateway_factories import bearer, gateway_settings, token
from tests.gateway_read_models import apply_in_batches, dump, empty_read_models
from tests.infra import Infrastructure, eventually, produce, running

pytestmark = pytest.mark.integration

FINANCE_REP = PersonRef(person_id="p-fin-2", department="finance")
TOMBSTONE = "erased-00000000a4e3"
MY_CHANGES = """{ myWork { changes { change { id title wentLiveAt }
    yourRoles yourDepartments joinedAt } } }"""


def story_with_a_second_change() -> list[Event[Contract]]:
    """The change story, with p-fin-2 joining live change A too (and joining it twice: a
    second event for the same part, later, leaves the first time standing)."""
    story = change_story()
    joins = [
        RepresentativeJoinedV1(
            change_id=cid("A"),
            participant=FINANCE_REP,
            role=EngagementRole.REPRESENTATIVE,
            department="finance",
            joined_at=when,
        )
        for when in (at(10, 20), at(10, 21))
    ]
    return story.events() + [Event.new(j, source="/tests", time=j.joined_at) for j in joins]


def erasure_of(person_id: str) -> Event[Contract]:
    erased = PersonErasedV1(
        erasure_id=uuid4(),
        person_digest=person_digest(person_id),
        tombstone=TOMBSTONE,
        erased_at=datetime(2026, 12, 1, tzinfo=UTC),
    )
    return Event.new(erased, source="/tests", time=erased.erased_at)


async def fetch(database_url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(database_url)
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


async def mine(client: httpx.AsyncClient, person_id: str, *roles: str, department: str) -> Any:
    response = await client.post(
        "/graphql",
        json={"query": MY_CHANGES},
        headers=bearer(token(person_id, *roles, department=department)),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["myWork"]["changes"]


async def sees(client: httpx.AsyncClient, change: str, person_id: str, department: str) -> bool:
    """Whether `change(id:)` shows the change to a person with the participant role only."""
    response = await client.post(
        "/graphql",
        json={"query": "query($id: UUID!) { change(id: $id) { id } }", "variables": {"id": change}},
        headers=bearer(token(person_id, "participant", department=department)),
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["change"] is not None


async def test_a_representative_finds_the_changes_they_take_part_in_and_nobody_elses(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    events = story_with_a_second_change()
    settings = gateway_settings(
        kafka_bootstrap_servers=infra.kafka, database_url=database_url, topic_namespace=namespace
    )
    by_stream: dict[str, list[Event[Contract]]] = {}
    for event in events:
        by_stream.setdefault(event.data.stream, []).append(event)
    async with running(create_app(settings, clock=ManualClock(NOW))) as client:
        # Worst order first: the engagement before the changes it names; the last join twice
        # (a redelivery: the inbox and the fold each let it count once).
        engagements = by_stream["engagements"]
        await produce(infra.kafka, settings.topics.engagements, engagements + engagements[-1:])
        for stream in ("incidents", "changes"):
            await produce(infra.kafka, f"{namespace}.{stream}", by_stream[stream])

        async def all_applied() -> bool:
            rows = await fetch(database_url, "SELECT count(*) AS n FROM gateway.inbox")
            return bool(rows[0]["n"] == len(events))

        await eventually(all_applied, timeout=60)
        parts = await fetch(
            database_url,
            "SELECT change_id, person_id, department, role, joined_at"
            " FROM gateway.change_participants ORDER BY person_id, change_id",
        )
        assert [tuple(r.values()) for r in parts] == [
            (cid("A"), "p-fin-2", "finance", "representative", at(10, 20)),
            (cid("F"), "p-fin-2", "finance", "representative", at(11, 4)),
            (cid("F"), "p-hr-3", "hr", "representative", at(11, 4)),
            (cid("F"), "p-it-1", "it", "owner", at(11, 3)),
        ]

        # A representative who leads nothing: F (not live) first, then A (live).
        assert await mine(client, "p-fin-2", "participant", department="finance") == [
            {"change": {"id": str(cid("F")), "title": "Change F", "wentLiveAt": None},
             "yourRoles": ["representative"], "yourDepartments": ["finance"],
             "joinedAt": "2026-11-04T09:00:00+00:00"},
            {"change": {"id": str(cid("A")), "title": "Change A",
                        "wentLiveAt": "2026-11-03T09:00:00+00:00"},
             "yourRoles": ["representative"], "yourDepartments": ["finance"],
             "joinedAt": "2026-10-20T09:00:00+00:00"},
        ]  # fmt: skip
        owner = await mine(client, "p-it-1", "participant", department="it")
        assert [(c["change"]["title"], c["yourRoles"]) for c in owner] == [("Change F", ["owner"])]
        # Others see their own parts only: none, even the change team, even finance's lead.
        assert await mine(client, "p-fin-9", "department_lead", department="finance") == []
        assert await mine(client, "p-chg-001", "change_team", department="it") == []
        # Taking part opens the change itself (its standing and check-ins) to someone who
        # leads nothing; the same department's colleague who takes no part sees nothing.
        assert await sees(client, str(cid("F")), "p-hr-3", "hr")
        assert not await sees(client, str(cid("A")), "p-hr-3", "hr")
        assert not await sees(client, str(cid("F")), "p-hr-9", "hr")

        # The person's export lists their parts; their erasure tombstones them.
        pool = await create_pool(database_url, schema="gateway")
        try:
            exported = await export_person(
                pool=pool, keys=key_store_from(settings), person_id="p-fin-2"
            )
        finally:
            await pool.close()
        assert sorted(r["change_id"] for r in exported.tables["change_participants"]) == sorted(
            [cid("A"), cid("F")]
        )
        # HR's representative is named nowhere else in the read model: only their parts.
        await produce(infra.kafka, settings.topics.privacy, [erasure_of("p-hr-3")])

        async def erased() -> bool:
            rows = await fetch(
                database_url,
                "SELECT count(*) AS n FROM gateway.change_participants WHERE person_id = $1",
                TOMBSTONE,
            )
            return bool(rows[0]["n"] == 1)

        await eventually(erased, timeout=30)
        assert await fetch(
            database_url,
            "SELECT 1 FROM gateway.change_participants WHERE person_id = 'p-hr-3'",
        ) == []  # fmt: skip
        assert await mine(client, "p-hr-3", "participant", department="hr") == []
        assert not await sees(client, str(cid("F")), "p-hr-3", "hr")
        assert len(await mine(client, "p-fin-2", "participant", department="finance")) == 2


@pytest.fixture
async def pools(infra: Infrastructure) -> AsyncIterator[list[Pool]]:
    async with empty_read_models(infra, 3) as made:
        yield made


async def test_the_parts_end_the_same_whatever_order_a_replay_meets_the_erasure_in(
    pools: list[Pool],
) -> None:
    events = story_with_a_second_change()
    erasure = erasure_of("p-hr-3")  # named in change_participants only
    shuffled = [*events, erasure]
    random.Random(14).shuffle(shuffled)

    await apply_in_batches(pools[0], events, size=len(events))
    await apply_in_batches(pools[0], [erasure], size=1)  # the erasure rewrites what is folded
    await apply_in_batches(pools[1], [erasure, *events], size=5)  # the joins are mapped
    await apply_in_batches(pools[2], shuffled, size=1)

    first, second, third = [await dump(pool) for pool in pools]
    assert len(first["change_participants"]) == 4
    assert sum(TOMBSTONE in repr(row) for row in first["change_participants"]) == 1
    assert not any("p-hr-3" in repr(row) for table in first.values() for row in table)
    assert second["change_participants"] == first["change_participants"]
    assert third["change_participants"] == first["change_participants"]

    # Folding every event again (a redelivery past a lost inbox row) changes nothing.
    await apply_in_batches(pools[1], [erasure, *events], size=7)
    assert (await dump(pools[1]))["change_participants"] == first["change_participants"]
