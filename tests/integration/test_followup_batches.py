"""The repairs consumer's batch path against the real database: one read of what is known,
one statement per table, and the same rows as applying the events one by one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from bridgework.common.clock import ManualClock
from bridgework.common.contracts import ParticipantRole, PersonRef, RepairEvent
from bridgework.common.postgres import Pool, create_pool, migrate
from bridgework.followup.domain.nudge_policy import overrides_to_json
from bridgework.followup.repository import commitments, policies, repairs, timers
from bridgework.followup.use_cases.tracking import apply_repair_events
from tests.factories import repair_opened
from tests.followup_factories import (
    AFFECTED,
    FACILITATOR,
    MONDAY,
    OWNER,
    agreement_reached,
    closed,
    joined,
    kept,
    policy,
    released,
    renegotiated,
    terms,
)
from tests.infra import Infrastructure, create_database, drop_database

SUPPORTER = PersonRef(person_id="p-fin-015", department="finance")


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[Pool]:
    pool = await create_pool(database_url, schema="followup", max_size=2)
    await migrate(pool, schema="followup", package="bridgework.followup")
    yield pool
    await pool.close()


async def apply(pool: Pool, events: Sequence[RepairEvent], clock: ManualClock) -> None:
    async with pool.acquire() as connection, connection.transaction():
        await apply_repair_events(
            connection=connection, events=events, clock=clock, defaults=policy()
        )


def stories() -> list[list[RepairEvent]]:
    """Three repairs: settled and checked in, renegotiated and open, closed."""
    told: list[list[RepairEvent]] = []
    for ending in ("kept", "renegotiated", "closed"):
        opened = repair_opened(opened_at=MONDAY)
        rid = opened.repair_id
        first = terms(owed_to=[AFFECTED, SUPPORTER])
        second = terms(due_at=MONDAY + timedelta(days=10), owed_to=[AFFECTED])
        agreed = agreement_reached(rid, [first, second])
        events: list[RepairEvent] = [
            opened,
            joined(rid, OWNER, ParticipantRole.RESPONSIBLE),
            joined(rid, AFFECTED, ParticipantRole.AFFECTED),
            joined(rid, FACILITATOR, ParticipantRole.FACILITATOR),
            agreed,
        ]
        if ending == "kept":
            events += [
                kept(rid, agreed.agreement_id, first, MONDAY + timedelta(days=1)),
                released(rid, agreed.agreement_id, second),
            ]
        elif ending == "renegotiated":
            moved, _ = renegotiated(
                rid, agreed.agreement_id, first, due_at=MONDAY + timedelta(days=14)
            )
            events += [moved, kept(rid, agreed.agreement_id, second, MONDAY)]
        else:
            events += [closed(rid, MONDAY + timedelta(days=1))]
        told.append(events)
    return told


async def table_rows(pool: Pool) -> dict[str, list[Any]]:
    async with pool.acquire() as connection:
        return {
            "tracked": [
                tuple(r)
                for r in await connection.fetch(
                    "SELECT repair_id, opened_at, departments, closed_at, check_ins_due_from"
                    " FROM tracked_repairs ORDER BY repair_id"
                )
            ],
            "participants": [
                tuple(r)
                for r in await connection.fetch("SELECT * FROM participants ORDER BY 1, 2, 4")
            ],
            "commitments": [
                tuple(r)
                for r in await connection.fetch(
                    "SELECT commitment_id, repair_id, agreement_id, terms_version, owner_id,"
                    " owner_department, owed_to, action, due_at, status, lapse_count"
                    " FROM commitments ORDER BY commitment_id"
                )
            ],
            # Timers planned and cancelled within one batch are never written, so compare
            # what stands: the pending ones.
            "pending timers": [
                tuple(r)
                for r in await connection.fetch(
                    "SELECT key, kind, repair_id, commitment_id, terms_version, recipient_id,"
                    " recipient_department, sequence, fire_at FROM timers"
                    " WHERE status = 'pending' ORDER BY key"
                )
            ],
        }


async def test_one_batch_writes_the_rows_that_event_by_event_batches_write(
    infra: Infrastructure, database_url: str
) -> None:
    told = stories()
    everything = [event for story in told for event in story]
    results = []
    single_event_dsn = await create_database(infra)
    try:
        for dsn, batch_size in ((database_url, len(everything)), (single_event_dsn, 1)):
            pool = await create_pool(dsn, schema="followup", max_size=2)
            try:
                await migrate(pool, schema="followup", package="bridgework.followup")
                clock = ManualClock(MONDAY)
                for start in range(0, len(everything), batch_size):
                    await apply(pool, everything[start : start + batch_size], clock)
                results.append(await table_rows(pool))
            finally:
                await pool.close()
    finally:
        await drop_database(infra, single_event_dsn)
    batched, one_by_one = results
    assert batched == one_by_one
    assert len(batched["tracked"]) == 3
    assert len(batched["commitments"]) == 6
    assert batched["pending timers"]


async def test_the_one_read_knows_what_the_three_reads_know(pool: Pool) -> None:
    told = stories()
    stray = uuid4()  # a repair follow-up has only heard a participant of
    clock = ManualClock(MONDAY)
    await apply(pool, [e for story in told for e in story], clock)
    await apply(pool, [joined(stray, SUPPORTER, ParticipantRole.SUPPORTER)], clock)
    ids = [story[0].repair_id for story in told] + [stray, uuid4()]

    async with pool.acquire() as connection:
        states = await repairs.repair_states(connection, ids)
        tracked = await repairs.tracked_repairs(connection, ids)
        people = await repairs.participants(connection, ids)
        promised = await commitments.commitments_of_repairs(connection, ids)

    assert set(states) == set(ids[:-1])  # the unknown repair is absent
    assert states[stray].tracked is None
    first = states[told[0][0].repair_id].tracked
    assert first is not None
    assert first.departments == ("finance", "it")
    # Closed before follow-up heard it open: tracked with no departments.
    gone = uuid4()
    await apply(pool, [closed(gone, MONDAY)], clock)
    async with pool.acquire() as connection:
        late = (await repairs.repair_states(connection, [gone]))[gone].tracked
    assert late is not None
    assert late.departments == ()
    assert late.closed_at == MONDAY
    for repair_id, state in states.items():
        assert state.tracked == tracked.get(repair_id)
        assert state.participants == people.get(repair_id, [])
        assert state.commitments == promised.get(repair_id, [])
    assert any(len(c.owed_to) == 2 for s in states.values() for c in s.commitments)


async def test_a_batch_of_keeps_alone_still_reads_the_departments_policy(pool: Pool) -> None:
    """The batch holds no agreement, yet settling the last commitment asks the affected at
    check-in: after *their department's* delay, so the policies must be read."""
    clock = ManualClock(MONDAY)
    opened = repair_opened(opened_at=MONDAY)
    rid = opened.repair_id
    promise = terms()
    agreed = agreement_reached(rid, [promise])
    async with pool.acquire() as connection:
        await policies.put_policy_overrides(
            connection,
            AFFECTED.department,
            overrides_to_json({"check_in_delay": timedelta(days=3)}),
            now=MONDAY,
        )
    await apply(pool, [opened, joined(rid, AFFECTED, ParticipantRole.AFFECTED), agreed], clock)

    clock.advance(timedelta(hours=2))
    await apply(pool, [kept(rid, agreed.agreement_id, promise, clock.now())], clock)

    async with pool.acquire() as connection:
        schedule = await timers.timers_of_repair(connection, rid)
    check_ins = [t.timer for t in schedule if t.timer.kind == "check_in" and t.status == "pending"]
    assert [(t.recipient.person_id, t.fire_at) for t in check_ins] == [
        (AFFECTED.person_id, clock.now() + timedelta(days=3))
    ]


async def test_a_batch_of_repairs_just_opened_reads_no_policy(
    pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing in such a batch times a nudge, so the policies table is not read at all."""
    clock = ManualClock(MONDAY)
    calls = 0
    original = policies.policy_overrides

    async def counting(*args: Any, **kwargs: Any) -> dict[str, dict[str, Any]]:
        nonlocal calls
        calls += 1
        return await original(*args, **kwargs)

    monkeypatch.setattr(policies, "policy_overrides", counting)
    await apply(pool, [repair_opened(opened_at=MONDAY) for _ in range(3)], clock)
    assert calls == 0
    opened = repair_opened(opened_at=MONDAY)
    await apply(pool, [opened, agreement_reached(opened.repair_id, [terms()])], clock)
    assert calls == 1
    async with pool.acquire() as connection:
        assert len(await repairs.tracked_repairs(connection, [opened.repair_id])) == 1
