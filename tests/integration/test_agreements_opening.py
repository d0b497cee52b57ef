"""Opening repairs for a batch of incidents, straight against Postgres (the consumer's apply,
without the broker): every row the batch writes, and the RepairOpened events in the outbox."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bridgework.agreements.settings import AgreementsSettings
from bridgework.agreements.use_cases.incidents import open_repairs_for_incidents
from bridgework.common.clock import ManualClock
from bridgework.common.contracts import (
    IncidentCategory,
    IncidentFacts,
    IncidentUpdatedV1,
    PersonRef,
    RelationshipPair,
    RepairOpenedV1,
)
from bridgework.common.postgres import Connection, Pool, create_pool, migrate
from tests.agreements_factories import NOW
from tests.factories import incident_reported

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(database_url: str) -> AgreementsSettings:
    return AgreementsSettings(database_url=database_url, recurrence_max_links=2)


@pytest.fixture
async def pool(settings: AgreementsSettings) -> AsyncIterator[Pool]:
    pool = await create_pool(settings.database_url, schema=settings.db_schema, max_size=2)
    await migrate(pool, schema=settings.db_schema, package="bridgework.agreements")
    yield pool
    await pool.close()


async def apply(
    pool: Pool, settings: AgreementsSettings, clock: ManualClock, *facts: IncidentFacts
) -> int:
    async with pool.acquire() as connection, connection.transaction():
        return await open_repairs_for_incidents(
            connection=connection, facts=facts, clock=clock, settings=settings
        )


async def rows(connection: Connection, sql: str) -> list[dict[str, Any]]:
    return [dict(row) for row in await connection.fetch(sql)]


async def announced(connection: Connection) -> list[RepairOpenedV1]:
    """The outbox's RepairOpened events, in the order the relay will publish them."""
    stored = await connection.fetch("SELECT key, value, headers FROM outbox ORDER BY id")
    events = [RepairOpenedV1.model_validate_json(row["value"]) for row in stored]
    for row, event in zip(stored, events, strict=True):
        assert row["key"] == str(event.repair_id).encode()
        assert row["headers"]["ce_type"] == RepairOpenedV1.event_type
        assert row["headers"]["ce_subject"] == str(event.repair_id)
    return events


def pair(a: str, b: str) -> RelationshipPair:
    return RelationshipPair(department_a=a, department_b=b)


async def test_a_batch_writes_its_incidents_repairs_and_their_announcements(
    pool: Pool, settings: AgreementsSettings
) -> None:
    clock = ManualClock(NOW)
    first = incident_reported()
    wide = incident_reported(
        category=IncidentCategory.OUTAGE,
        responsible=[
            PersonRef(person_id="p-it-1", department="it"),
            PersonRef(person_id="p-hr-1", department="hr"),
        ],
        affected_departments=["finance", "hr"],
        affected_people=[],
    )
    within_it = incident_reported(affected_departments=["it"], affected_people=[])
    heard_through_update = IncidentUpdatedV1(
        **incident_reported().model_dump(), revision=3, updated_at=NOW, changed_fields=["summary"]
    )
    again = incident_reported()  # the same matter as `first` (and the update), in the batch

    opened = await apply(
        pool, settings, clock, first, wide, first, within_it, heard_through_update, again
    )

    assert opened == 5
    async with pool.acquire() as connection:
        events = await announced(connection)
        repairs = {
            r["repair_id"]: r
            for r in await rows(
                connection,
                "SELECT repair_id, status, opened_at, departments, category, agreement_due_by,"
                " recurrence_of, response_mode, closed_at, merged_into, workflow FROM repairs",
            )
        }
        incidents = await rows(connection, "SELECT * FROM incidents ORDER BY reported_at")
        links = await rows(connection, "SELECT * FROM repair_incidents")
        relationships = await rows(
            connection,
            "SELECT * FROM repair_relationships ORDER BY repair_id, department_a, department_b",
        )
    # One announcement per new incident, in the order the incidents came.
    assert [e.incident_ids for e in events] == [
        [i.incident_id] for i in (first, wide, within_it, heard_through_update, again)
    ]
    by_incident = {e.incident_ids[0]: e for e in events}
    assert by_incident[wide.incident_id].departments == ["finance", "hr", "it"]
    assert by_incident[wide.incident_id].relationships == [
        pair("finance", "hr"),
        pair("finance", "it"),
        pair("hr", "it"),
    ]
    assert by_incident[within_it.incident_id].relationships == []
    assert by_incident[within_it.incident_id].departments == ["it"]
    # The same matter again within the batch: newest first, the later of the same instant first.
    repair_of = {i: e.repair_id for i, e in by_incident.items()}
    assert by_incident[first.incident_id].recurrence_of == []
    assert by_incident[heard_through_update.incident_id].recurrence_of == [
        repair_of[first.incident_id]
    ]
    assert by_incident[again.incident_id].recurrence_of == [
        repair_of[heard_through_update.incident_id],
        repair_of[first.incident_id],
    ]
    # The rows say what the announcements say.
    assert set(repairs) == {e.repair_id for e in events}
    for event in events:
        row = repairs[event.repair_id]
        assert row["status"] == "open"
        assert row["opened_at"] == NOW == event.opened_at
        assert row["agreement_due_by"] == NOW + timedelta(days=14) == event.agreement_due_by
        assert row["departments"] == event.departments
        assert row["category"] == event.category.value
        assert row["recurrence_of"] == event.recurrence_of
        assert row["response_mode"] is row["closed_at"] is row["merged_into"] is None
        assert row["workflow"] == {}
    assert sorted((r["repair_id"], r["incident_id"]) for r in links) == sorted(
        (e.repair_id, e.incident_ids[0]) for e in events
    )
    assert relationships == sorted(
        (
            {
                "repair_id": e.repair_id,
                "department_a": p.department_a,
                "department_b": p.department_b,
                "category": e.category.value,
                "opened_at": NOW,
            }
            for e in events
            for p in e.relationships
        ),
        key=lambda r: (r["repair_id"], r["department_a"], r["department_b"]),
    )
    # Each incident is kept as it came, its facts also in columns.
    facts = {i.incident_id: i for i in (first, wide, within_it, heard_through_update, again)}
    assert len(incidents) == len(facts)
    for stored in incidents:
        fact = facts[stored["incident_id"]]
        assert stored["body"] == json.loads(fact.model_dump_json())
        assert stored["department"] == fact.department
        assert stored["category"] == fact.category.value
        assert stored["severity"] == fact.severity.value
        assert stored["occurred_at"] == fact.occurred_at
        assert stored["reported_at"] == fact.reported_at
        assert stored["revision"] == (3 if fact is heard_through_update else 1)


async def test_later_batches_link_back_to_the_newest_stored_repairs_within_the_window(
    pool: Pool, settings: AgreementsSettings
) -> None:
    clock = ManualClock(NOW)
    await apply(pool, settings, clock, incident_reported())
    clock.advance(timedelta(days=100))
    await apply(pool, settings, clock, incident_reported(), incident_reported())
    clock.advance(timedelta(days=1))
    await apply(pool, settings, clock, incident_reported())
    clock.advance(timedelta(days=180))
    await apply(pool, settings, clock, incident_reported())

    async with pool.acquire() as connection:
        events = await announced(connection)
    ids = [e.repair_id for e in events]
    links = [e.recurrence_of for e in events]
    # Newest first; of two opened together, the later one first.
    assert links[:3] == [[], [ids[0]], [ids[1], ids[0]]]
    # At most two links (the setting): the newest two.
    assert set(links[3]) == {ids[1], ids[2]}
    # 180 days on, only the repair opened exactly 180 days ago is still within the window.
    assert links[4] == [ids[3]]


async def test_a_merged_repair_is_not_linked_back_to(
    pool: Pool, settings: AgreementsSettings
) -> None:
    clock = ManualClock(NOW)
    await apply(pool, settings, clock, incident_reported(), incident_reported())
    async with pool.acquire() as connection:
        kept, merged = [e.repair_id for e in await announced(connection)]
        await connection.execute(
            "UPDATE repairs SET merged_into = $1 WHERE repair_id = $2", kept, merged
        )
    clock.advance(timedelta(hours=1))

    await apply(pool, settings, clock, incident_reported())

    async with pool.acquire() as connection:
        assert (await announced(connection))[-1].recurrence_of == [kept]


async def test_incidents_heard_again_open_nothing_and_change_nothing(
    pool: Pool, settings: AgreementsSettings
) -> None:
    clock = ManualClock(NOW)
    incidents = [incident_reported() for _ in range(3)]
    await apply(pool, settings, clock, *incidents)
    async with pool.acquire() as connection:
        before = {
            table: await rows(connection, f"SELECT * FROM {table} ORDER BY 1, 2")
            for table in ("incidents", "repairs", "repair_incidents", "repair_relationships")
        }
    clock.advance(timedelta(minutes=5))

    assert await apply(pool, settings, clock, *incidents, incidents[0]) == 0

    async with pool.acquire() as connection:
        for table, earlier in before.items():
            assert await rows(connection, f"SELECT * FROM {table} ORDER BY 1, 2") == earlier
        assert len(await announced(connection)) == 3


async def test_every_stored_link_of_a_repair_has_its_repair_and_incident(
    pool: Pool, settings: AgreementsSettings
) -> None:
    clock = ManualClock(NOW)
    await apply(pool, settings, clock, *(incident_reported() for _ in range(20)))

    async with pool.acquire() as connection:
        orphans = await connection.fetchval(
            "SELECT (SELECT count(*) FROM repair_incidents ri"
            "        WHERE NOT EXISTS (SELECT FROM repairs r WHERE r.repair_id = ri.repair_id)"
            "           OR NOT EXISTS (SELECT FROM incidents i"
            "                          WHERE i.incident_id = ri.incident_id))"
            "     + (SELECT count(*) FROM repair_relationships rr"
            "        WHERE NOT EXISTS (SELECT FROM repairs r WHERE r.repair_id = rr.repair_id))"
        )
        assert orphans == 0
        assert await connection.fetchval("SELECT count(*) FROM repair_incidents") == 20
