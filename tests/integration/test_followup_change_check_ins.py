"""The check-in after a change went live, on the real broker and database with follow-up's
clock moved: `change_check_in_delay` (14 days) after go-live each affected department's leads
are asked "is it working for you?" through a signed link of their own; the department answers
once (the first lead), published as ChangeCheckInRecorded with the comment sealed; an erasure
reaches the leads asked (docs/followup.md, "Changes")."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest

from bridgework.common.clock import ManualClock
from bridgework.common.contracts import (
    ChangeKind,
    ChangeRecordedV1,
    ChangeWentLiveV1,
    CheckInOutcome,
    GoLiveReporter,
    PersonErasedV1,
    PersonRef,
    SourceRef,
)
from bridgework.common.contracts.changes_followup import ChangeCheckInRecordedV1
from bridgework.common.contracts.privacy import person_digest
from bridgework.common.events import Event
from bridgework.common.postgres import create_pool
from bridgework.common.privacy import KEK_SETTING, KeyStore, LocalKek
from bridgework.followup.app import create_app
from bridgework.followup.settings import FollowupSettings
from bridgework.followup.use_cases.privacy import apply_erasures, export_person
from tests.followup_factories import (
    MONDAY,
    Inbox,
    followup_events,
    followup_settings,
    of_type,
)
from tests.infra import Infrastructure, eventually, opened_in, produce, running

pytestmark = pytest.mark.integration

OWNER = PersonRef(person_id="p-it-7", department="it")
FIONA = PersonRef(person_id="p-fin-lead", department="finance")
TOMBSTONE = "erased-00000000cafe"


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


async def lead(client: httpx.AsyncClient, person_id: str, name: str, department: str) -> None:
    body: dict[str, Any] = {"display_name": name, "email": f"{person_id}@example.org",
                            "department": department, "roles": ["department_lead"]}  # fmt: skip
    response = await client.put(f"/v1/contacts/{person_id}", json=body)
    assert response.status_code == 200, response.text


def link_path(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    line = next(x for x in str(part.get_content()).splitlines() if "/v1/check-ins/" in x)
    return "/v1/check-ins/" + line.rsplit("/v1/check-ins/", 1)[1].strip()


async def test_each_affected_department_is_asked_after_go_live_and_answers_once(
    settings: FollowupSettings, database_url: str, inbox: Inbox
) -> None:
    change = ChangeRecordedV1(
        change_id=uuid4(), department="it", title="MFA for payroll", kind=ChangeKind.CONTROL,
        owner=OWNER, affected_departments=["finance", "hr"], planned_go_live=MONDAY,
        recorded_at=MONDAY - timedelta(days=30),
        source=SourceRef(tool="native", reference=str(uuid4())),
    )  # fmt: skip
    live = ChangeWentLiveV1(
        change_id=change.change_id, department="it", went_live_at=MONDAY, reported_at=MONDAY,
        reported_by=GoLiveReporter.API, planned_go_live=MONDAY,
    )  # fmt: skip
    clock = ManualClock(MONDAY)  # Monday 2 November 09:30 UTC: the change goes live
    async with running(create_app(settings, clock)) as followup:
        await lead(followup, "p-fin-lead", "Fiona", "finance")
        await lead(followup, "p-fin-lead-2", "Felix", "finance")
        await lead(followup, "p-hr-lead", "Hari", "hr")
        events = [Event.new(f, source="/bridgework/intake", time=MONDAY) for f in (change, live)]
        await produce(settings.kafka_bootstrap_servers, settings.topics.changes, events)

        async def went_live() -> bool:
            connection = await asyncpg.connect(database_url)
            try:
                return bool(await connection.fetchval(
                    "SELECT went_live_at IS NOT NULL FROM followup.tracked_changes"
                    " WHERE change_id = $1", change.change_id,
                ))  # fmt: skip
            finally:
                await connection.close()

        await eventually(went_live)
        clock.advance(timedelta(days=13))  # a day short of the delay: nobody is asked yet
        await asyncio.sleep(1.5)
        early = list(inbox.messages)
        clock.advance(timedelta(days=1))  # Monday 16 November: 14 days live
        await eventually(lambda: asyncio.sleep(0, len(inbox.messages) >= 3))
        fiona, felix, hari = (inbox.to(f"{p}@example.org") for p in
                              ("p-fin-lead", "p-fin-lead-2", "p-hr-lead"))  # fmt: skip
        page = await followup.get(link_path(hari[0]))
        answered = await followup.post(
            link_path(fiona[0]),
            content="outcome=partly&comment=Works%2C+but+the+night+shift+was+locked+out.",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        second_lead = await followup.post(link_path(felix[0]), json={"outcome": "no"})
        again = await followup.post(link_path(fiona[0]), json={"outcome": "yes"})
        bad = await followup.post(link_path(hari[0]), json={"outcome": "maybe"})
        hr = await followup.post(link_path(hari[0]), json={"outcome": "yes"})
        recorded = await followup_events(
            settings,
            until=lambda es: len(of_type(es, ChangeCheckInRecordedV1)) >= 2,
            settle=0.5,
        )
        clock.advance(timedelta(days=1))  # the next poll asks nobody twice
        await asyncio.sleep(1.5)

    assert early == []
    assert len(inbox.messages) == 3
    assert str(fiona[0]["Subject"]) == "Is it working for you? MFA for payroll"
    assert page.status_code == 200
    assert "Is it working for you?" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert answered.status_code == 200
    assert "Thank you" in answered.text
    assert second_lead.status_code == 409
    assert second_lead.json()["detail"] == "Your department's answer was recorded already."
    assert again.status_code == 409
    assert again.json()["error"] == "already_answered"
    assert bad.status_code == 422
    assert hr.status_code == 201
    assert hr.json()["outcome"] == "yes"
    by_department = {e.department: e for e in of_type(recorded, ChangeCheckInRecordedV1)}
    assert sorted(by_department) == ["finance", "hr"]
    assert len(of_type(recorded, ChangeCheckInRecordedV1)) == 2
    finance = by_department["finance"]
    assert finance.change_id == change.change_id
    assert finance.participant == FIONA
    assert finance.outcome is CheckInOutcome.PARTLY
    # Sealed at the source with Fiona's key for the change; follow-up's store opens it.
    assert await opened_in(database_url, finance.comment) == (
        "Works, but the night shift was locked out."
    )
    assert by_department["hr"].comment is None

    # What follow-up holds about Fiona (GDPR Art. 15) includes the check-in she answered,
    # its comment opened, and names no other lead's.
    pool = await create_pool(database_url, schema="followup", max_size=2)
    try:
        keys = KeyStore(LocalKek.from_setting(os.environ.get(KEK_SETTING)))
        held = await export_person(pool=pool, keys=keys, person_id=FIONA.person_id)
    finally:
        await pool.close()
    assert [(c["change_id"], c["department"], c["outcome"], c["comment"])
            for c in held.change_check_ins] == [
        (change.change_id, "finance", "partly", "Works, but the night shift was locked out.")
    ]  # fmt: skip
    assert held.contact is not None
    assert held.contact["display_name"] == "Fiona"

    # Erasing Fiona reaches the check-ins she was asked.
    erasure = PersonErasedV1(erasure_id=uuid4(), person_digest=person_digest(FIONA.person_id),
                             tombstone=TOMBSTONE, erased_at=MONDAY)  # fmt: skip
    pool = await create_pool(database_url, schema="followup", max_size=2)
    try:
        async with pool.acquire() as connection, connection.transaction():
            await apply_erasures(
                connection=connection, erasures=[erasure], clock=ManualClock(MONDAY)
            )
            people = await connection.fetch(
                "SELECT person_id FROM change_check_ins ORDER BY person_id"
            )
    finally:
        await pool.close()
    assert [r["person_id"] for r in people] == ["erased-00000000cafe", "p-fin-lead-2", "p-hr-lead"]
