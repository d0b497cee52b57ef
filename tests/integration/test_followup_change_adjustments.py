"""Reminders of adjustments due before a change's go-live, on the real broker and database
with follow-up's clock moved: the owner side's leads are reminded once, a lead time before
the due date; an adjustment kept or superseded by a later agreed version is not reminded (one
due after go-live: tests/unit/test_followup_change_adjustments.py; docs/followup.md, "Changes")."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest

from bridgework.common.clock import ManualClock
from bridgework.common.contracts import (
    ChangeKind,
    ChangeRecordedV1,
    Contract,
    PersonRef,
    SourceRef,
)
from bridgework.common.contracts.engagements import (
    Adjustment,
    AdjustmentKind,
    AdjustmentsAgreedV1,
    ChangeCommitmentKeptV1,
    DepartmentConsentedV1,
)
from bridgework.common.events import Event
from bridgework.followup.app import create_app
from bridgework.followup.settings import FollowupSettings
from tests.factories import sealed
from tests.followup_factories import MONDAY, Inbox, followup_settings
from tests.infra import Infrastructure, eventually, produce, running

pytestmark = pytest.mark.integration

IT_OWNER = PersonRef(person_id="p-it-7", department="it")
FIN_REP = PersonRef(person_id="p-fin-3", department="finance")


@pytest.fixture
async def inbox() -> AsyncIterator[Inbox]:
    async with Inbox() as server:
        yield server


@pytest.fixture
def settings(
    infra: Infrastructure, database_url: str, namespace: str, inbox: Inbox
) -> FollowupSettings:
    return followup_settings(
        infra, database_url, namespace, smtp_host="127.0.0.1", smtp_port=inbox.port,
        smtp_security="none",
    )  # fmt: skip


def adjustment(kind: AdjustmentKind, owner: PersonRef, due_in: timedelta) -> Adjustment:
    return Adjustment(
        commitment_id=uuid4(), terms_version=1, kind=kind, owner=owner,
        owed_to_departments=["finance"], action=sealed("Tell finance a week ahead."),
        due_at=MONDAY + due_in,
    )  # fmt: skip


async def lead(client: httpx.AsyncClient, person_id: str, department: str) -> None:
    body: dict[str, Any] = {"display_name": person_id, "email": f"{person_id}@example.org",
                            "department": department, "roles": ["department_lead"]}  # fmt: skip
    response = await client.put(f"/v1/contacts/{person_id}", json=body)
    assert response.status_code == 200, response.text


async def stored(database_url: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        count: int = await connection.fetchval(
            "SELECT (SELECT count(*) FROM followup.change_adjustments)"
            " + (SELECT count(*) FROM followup.change_adjustments_kept)"
        )
    finally:
        await connection.close()
    return count


async def test_the_owner_side_is_reminded_once_of_an_adjustment_due_before_go_live(
    settings: FollowupSettings, database_url: str, inbox: Inbox
) -> None:
    change = ChangeRecordedV1(
        change_id=uuid4(), department="it", title="MFA for payroll", kind=ChangeKind.CONTROL,
        owner=IT_OWNER, affected_departments=["finance"], planned_go_live=MONDAY + timedelta(days=20),
        recorded_at=MONDAY, source=SourceRef(tool="native", reference=str(uuid4())),
    )  # fmt: skip
    notice = adjustment(AdjustmentKind.NOTICE, IT_OWNER, timedelta(days=9))  # Wed 11 Nov
    testers = adjustment(AdjustmentKind.TESTERS, FIN_REP, timedelta(days=9))  # kept early
    after = adjustment(AdjustmentKind.DATA_MOVED, IT_OWNER, timedelta(days=25))  # after go-live
    dropped = adjustment(AdjustmentKind.ALTERNATIVE, IT_OWNER, timedelta(days=9))  # version 1 only
    first = AdjustmentsAgreedV1(
        change_id=change.change_id, version=1, adjustments=[notice, dropped],
        consented_by=["finance"], agreed_at=MONDAY,
    )  # fmt: skip
    second = AdjustmentsAgreedV1(
        change_id=change.change_id, version=2, adjustments=[notice, testers, after],
        consented_by=["finance"], agreed_at=MONDAY,
    )  # fmt: skip
    kept = ChangeCommitmentKeptV1(
        change_id=change.change_id, commitment_id=testers.commitment_id, terms_version=1,
        owner=FIN_REP, due_at=testers.due_at, kept_at=MONDAY, on_time=True,
    )  # fmt: skip
    # Finance consented (so it is engaged: no engagement nudge goes to its lead).
    consented = DepartmentConsentedV1(
        change_id=change.change_id, department="finance", version=2, representative=FIN_REP,
        consented_at=MONDAY,
    )  # fmt: skip
    clock = ManualClock(MONDAY)  # Monday 2 November 09:30 UTC
    async with running(create_app(settings, clock)) as followup:
        await lead(followup, "p-it-lead", "it")
        await lead(followup, "p-fin-lead", "finance")
        intake = [Event.new(change, source="/bridgework/intake", time=MONDAY)]
        await produce(settings.kafka_bootstrap_servers, settings.topics.changes, intake)
        facts: list[Contract] = [first, consented, second, kept]
        agreed = [Event.new(f, source="/bridgework/agreements", time=MONDAY) for f in facts]
        await produce(settings.kafka_bootstrap_servers, settings.topics.engagements, agreed)
        await eventually(lambda: _stored(database_url, 6))  # five adjustment rows, one kept
        await asyncio.sleep(1.5)
        early = list(inbox.messages)
        clock.advance(timedelta(days=7))  # Monday 9 November: two days before 11 November
        await eventually(lambda: asyncio.sleep(0, bool(inbox.to("p-it-lead@example.org"))))
        clock.advance(timedelta(days=1))  # the next poll reminds nobody twice
        await asyncio.sleep(1.5)

    assert early == []
    assert [str(m["Subject"]) for m in inbox.messages] == [
        "Due 11 November 2026, before go-live: MFA for payroll"
    ]
    assert inbox.to("p-fin-lead@example.org") == []  # finance's testers were kept
    part = inbox.to("p-it-lead@example.org")[0].get_body(preferencelist=("plain",))
    assert part is not None
    text = str(part.get_content())
    assert "(notice) with finance" in text
    assert "Tell finance" not in text  # the action stays sealed


async def _stored(database_url: str, expected: int) -> bool:
    return await stored(database_url) == expected
