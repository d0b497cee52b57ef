"""Nudges before a planned change's go-live, on the real broker and database with follow-up's
clock moved: an affected department nobody from which is engaged is nudged once, through its
leads, its department's `engagement_lead_time` (14 days by default) before go-live; an
engaged department is left alone (docs/followup.md, "Changes")."""

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
    ChangeWentLiveV1,
    Contract,
    GoLiveReporter,
    PersonRef,
    SourceRef,
)
from bridgework.common.contracts.engagements import EngagementRole, RepresentativeJoinedV1
from bridgework.common.events import Event
from bridgework.followup.app import create_app
from bridgework.followup.settings import FollowupSettings
from tests.followup_factories import MONDAY, Inbox, WebhookReceiver, followup_settings
from tests.infra import Infrastructure, eventually, produce, running

pytestmark = pytest.mark.integration

GATEWAY = "https://bridgework.example.org"
OWNER = PersonRef(person_id="p-it-7", department="it")


@pytest.fixture
async def inbox() -> AsyncIterator[Inbox]:
    async with Inbox() as server:
        yield server


@pytest.fixture
async def hook() -> AsyncIterator[WebhookReceiver]:
    async with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def settings(
    infra: Infrastructure, database_url: str, namespace: str, inbox: Inbox
) -> FollowupSettings:
    return followup_settings(
        infra, database_url, namespace, smtp_host="127.0.0.1", smtp_port=inbox.port,
        smtp_security="none", webhook_allow_private_targets=True, gateway_public_url=GATEWAY,
    )  # fmt: skip


def change(title: str, go_live_in: timedelta, *affected: str) -> ChangeRecordedV1:
    return ChangeRecordedV1(
        change_id=uuid4(), department="it", title=title, kind=ChangeKind.ACCESS, owner=OWNER,
        affected_departments=sorted(affected), planned_go_live=MONDAY + go_live_in,
        recorded_at=MONDAY, source=SourceRef(tool="native", reference=str(uuid4())),
    )  # fmt: skip


async def put(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> None:
    response = await client.put(path, json=body)
    assert response.status_code == 200, response.text


async def tracked(database_url: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        count: int = await connection.fetchval(
            "SELECT count(*) FROM followup.tracked_changes t"
            " WHERE t.went_live_at IS NOT NULL OR EXISTS"
            " (SELECT 1 FROM followup.change_engagements e WHERE e.change_id = t.change_id)"
        )
    finally:
        await connection.close()
    return count


def subjects(inbox: Inbox, address: str) -> list[str]:
    return sorted(str(m["Subject"]) for m in inbox.to(address))


async def test_an_unengaged_department_is_nudged_once_before_go_live_through_its_leads(
    settings: FollowupSettings, database_url: str, inbox: Inbox, hook: WebhookReceiver
) -> None:
    mfa = change("MFA for payroll", timedelta(days=20), "finance", "hr")  # 22 Nov, a Sunday
    vpn = change("VPN retired", timedelta(days=30), "estates")  # 2 December
    # hr's lead would be told of this one on 9 November, but it went live first.
    gone = change("Old portal off", timedelta(days=16), "hr")
    hr_rep = PersonRef(person_id="p-hr-3", department="hr")
    clock = ManualClock(MONDAY)  # Monday 2 November 09:30 UTC, inside the sending window
    async with running(create_app(settings, clock)) as followup:
        await put(followup, "/v1/contacts/p-fin-lead",
                  {"display_name": "Fiona", "email": "fiona@example.org", "department": "finance",
                   "roles": ["department_lead"], "webhook_url": hook.url})  # fmt: skip
        await put(followup, "/v1/contacts/p-hr-lead",
                  {"display_name": "Hari", "email": "hari@example.org", "department": "hr",
                   "roles": ["department_lead"]})  # fmt: skip
        await put(followup, "/v1/contacts/p-est-lead",
                  {"display_name": "Esme", "email": "esme@example.org", "department": "estates",
                   "roles": ["department_lead"]})  # fmt: skip
        await put(followup, "/v1/contacts/p-fin-2",  # of finance, but no lead: never nudged
                  {"display_name": "Fred", "email": "fred@example.org", "department": "finance"})  # fmt: skip
        # Estates wants five weeks' notice of a change, so VPN (30 days out) is due at once.
        await put(followup, "/v1/departments/estates/policy", {"engagement_lead_time": "P35D"})
        facts: list[Contract] = [mfa, vpn, gone]
        facts.append(ChangeWentLiveV1(
            change_id=gone.change_id, department="it", went_live_at=MONDAY, reported_at=MONDAY,
            reported_by=GoLiveReporter.API, planned_go_live=gone.planned_go_live,
        ))  # fmt: skip
        events = [Event.new(f, source="/bridgework/intake", time=MONDAY) for f in facts]
        await produce(settings.kafka_bootstrap_servers, settings.topics.changes, events)
        joined = RepresentativeJoinedV1(
            change_id=mfa.change_id, participant=hr_rep, role=EngagementRole.REPRESENTATIVE,
            department="hr", joined_at=MONDAY,
        )  # fmt: skip
        await produce(
            settings.kafka_bootstrap_servers,
            settings.topics.engagements,
            [Event.new(joined, source="/bridgework/agreements", time=MONDAY)],
        )

        async def both_folded() -> bool:
            return await tracked(database_url) == 2  # the go-live and hr's engagement

        await eventually(both_folded)
        await eventually(lambda: asyncio.sleep(0, bool(inbox.to("esme@example.org"))))
        # 2 Nov: VPN is within estates' 35 days; MFA (20 days out) not within finance's 14.
        assert subjects(inbox, "esme@example.org") == ["Before 02 December 2026: VPN retired"]
        assert inbox.to("fiona@example.org") == []

        clock.advance(timedelta(days=7))  # Monday 9 November: MFA is 13 days out
        await eventually(lambda: asyncio.sleep(0, bool(inbox.to("fiona@example.org"))))
        clock.advance(timedelta(days=1))  # the next poll finds nothing new to say
        await asyncio.sleep(1.0)

    assert subjects(inbox, "fiona@example.org") == ["Before 22 November 2026: MFA for payroll"]
    assert subjects(inbox, "esme@example.org") == ["Before 02 December 2026: VPN retired"]
    body = inbox.to("fiona@example.org")[0].get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "Nobody from finance has been engaged yet" in text
    assert f"{GATEWAY}/dashboard" in text
    # hr took part in MFA: its lead hears nothing; Fred leads nothing; the live change is over.
    assert inbox.to("hari@example.org") == []
    assert inbox.to("fred@example.org") == []
    assert all("Old portal" not in str(m["Subject"]) for m in inbox.messages)
    # Fiona's own webhook got her nudge once too.
    assert len(hook.posts) == 1
    assert "MFA for payroll" in str(hook.posts[0])
