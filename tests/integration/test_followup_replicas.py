"""Durable timers: two replicas send each nudge once; a restart across a due time fires once."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import pytest

from bridgework.common.clock import ManualClock
from bridgework.common.contracts import CommitmentLapsedV1, NudgeKind, NudgeSentV1
from bridgework.followup.app import create_app
from tests.factories import repair_opened
from tests.followup_factories import (
    MONDAY,
    OWNER,
    Inbox,
    agreement_reached,
    followup_events,
    followup_settings,
    of_type,
    publish,
    schedule_of,
    scheduled,
    terms,
)
from tests.infra import Infrastructure, eventually, running

pytestmark = pytest.mark.integration

DUE = MONDAY + timedelta(days=7)
FRIDAY_MORNING = datetime(2026, 11, 6, 9, 30, tzinfo=UTC)


@pytest.fixture
async def inbox() -> AsyncIterator[Inbox]:
    async with Inbox() as server:
        yield server


async def test_two_replicas_on_one_database_send_each_nudge_exactly_once(
    infra: Infrastructure, database_url: str, namespace: str, inbox: Inbox
) -> None:
    settings = followup_settings(
        infra,
        database_url,
        namespace,
        smtp_host="127.0.0.1",
        smtp_port=inbox.port,
        smtp_security="none",
        scheduler_batch_size=3,
        delivery_batch_size=4,
    )
    clock = ManualClock(MONDAY)
    repairs = [repair_opened(opened_at=MONDAY) for _ in range(6)]
    agreements = [agreement_reached(r.repair_id, [terms(), terms()]) for r in repairs]

    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(running(create_app(settings, clock)))
        second = await stack.enter_async_context(running(create_app(settings, clock)))
        contact = {"display_name": "Sam Okafor", "email": "p-it-001@example.org"}
        assert (await first.put(f"/v1/contacts/{OWNER.person_id}", json=contact)).is_success
        await publish(settings, *repairs, *agreements)

        async def all_scheduled() -> bool:
            for repair in repairs:
                if len(await schedule_of(first, repair.repair_id)) != 4:
                    return False
            return True

        await eventually(all_scheduled)
        clock.advance(FRIDAY_MORNING - MONDAY)  # every reminder falls due at once
        await eventually(lambda: _current(len(inbox.messages) >= 12))
        clock.advance(DUE - FRIDAY_MORNING)  # and every due date
        events = await followup_events(
            settings,
            until=lambda es: (
                len(of_type(es, NudgeSentV1)) >= 24 and len(of_type(es, CommitmentLapsedV1)) >= 12
            ),
            settle=1.5,
        )
        await eventually(lambda: _current(len(inbox.messages) >= 24))
        nudges_seen_by_second = [
            n
            for r in repairs
            for n in (await second.get(f"/v1/repairs/{r.repair_id}/nudges")).json()
        ]

    lapses = Counter(e.commitment_id for e in of_type(events, CommitmentLapsedV1))
    promised = {c.commitment_id for a in agreements for c in a.commitments}
    assert set(lapses) == promised
    assert set(lapses.values()) == {1}
    sent = of_type(events, NudgeSentV1)
    assert Counter(n.kind for n in sent) == {NudgeKind.REMINDER: 12, NudgeKind.LAPSE_OFFER: 12}
    assert len({n.nudge_id for n in sent}) == 24
    assert len(nudges_seen_by_second) == 24
    message_ids = Counter(m["Message-ID"] for m in inbox.messages)
    assert len(message_ids) == 24
    assert set(message_ids.values()) == {1}


async def test_a_due_time_passed_while_stopped_fires_once_after_the_restart(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    settings = followup_settings(infra, database_url, namespace)
    clock = ManualClock(MONDAY)
    opened = repair_opened(opened_at=MONDAY)
    reached = agreement_reached(opened.repair_id, [terms(due_at=DUE)])

    async with running(create_app(settings, clock)) as followup:
        await publish(settings, opened, reached)
        await eventually(lambda: scheduled(followup, opened.repair_id, "reminder", "lapse"))

    clock.advance(DUE + timedelta(hours=2) - MONDAY)  # the reminder and the due date pass unseen

    async with running(create_app(settings, clock)) as followup:
        events = await followup_events(
            settings,
            until=lambda es: bool(of_type(es, CommitmentLapsedV1) and of_type(es, NudgeSentV1)),
        )
    async with running(create_app(settings, clock)) as followup:
        # A second restart has nothing left to fire.
        events = await followup_events(settings, until=lambda es: len(es) >= 2, settle=1.5)
        schedule = await schedule_of(followup, opened.repair_id)

    [lapse] = of_type(events, CommitmentLapsedV1)
    assert (lapse.due_at, lapse.lapse_count) == (DUE, 1)
    assert [(n.kind, n.sent_at) for n in of_type(events, NudgeSentV1)] == [
        (NudgeKind.LAPSE_OFFER, DUE + timedelta(hours=2))
    ]
    assert len(events) == 2
    states = {(t["kind"], t["status"], t["outcome"]) for t in schedule}
    assert ("reminder", "skipped", "already_due") in states
    assert ("lapse", "fired", None) in states
    assert ("lapse_offer", "fired", None) in states


async def _current(value: object) -> object:
    """`eventually` awaits its check: this makes a plain look at a receiver one."""
    return value
