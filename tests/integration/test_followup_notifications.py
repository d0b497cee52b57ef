"""Notifications against the real broker, database, SMTP server and webhook receivers: a
proposal tells each person whose consent it waits for (not those who answered), a new version
supersedes the old; a repair without a facilitator is announced to the leads of its
departments and the change team, with one reminder, until a facilitator joins. The chats get
Teams Adaptive Cards and Mattermost posts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from bridgework.common.clock import ManualClock
from bridgework.common.contracts import (
    AgreementProposedV1,
    CommitmentTerms,
    ConsentGivenV1,
    ParticipantRole,
    PersonRef,
)
from bridgework.followup.app import create_app
from bridgework.followup.settings import FollowupSettings
from tests.factories import repair_opened, sealed
from tests.followup_factories import (
    AFFECTED,
    FACILITATOR,
    MONDAY,
    OWNER,
    Inbox,
    WebhookReceiver,
    followup_settings,
    joined,
    publish,
)
from tests.infra import Infrastructure, eventually, running

pytestmark = pytest.mark.integration

GATEWAY = "https://bridgework.example.org"
SATURDAY = MONDAY - timedelta(days=2)  # outside the sending window: notices wait for Monday
THIRD = PersonRef(person_id="p-ops-007", department="ops")  # no contact details at all
ADAPTIVE = "application/vnd.microsoft.card.adaptive"


@pytest.fixture
async def inbox() -> AsyncIterator[Inbox]:
    async with Inbox() as server:
        yield server


@pytest.fixture
async def teams() -> AsyncIterator[WebhookReceiver]:
    async with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
async def mattermost() -> AsyncIterator[WebhookReceiver]:
    async with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def settings(
    infra: Infrastructure, database_url: str, namespace: str, inbox: Inbox
) -> FollowupSettings:
    return followup_settings(
        infra,
        database_url,
        namespace,
        smtp_host="127.0.0.1",
        smtp_port=inbox.port,
        smtp_security="none",
        webhook_allow_private_targets=True,  # the receivers listen on 127.0.0.1
        gateway_public_url=GATEWAY,
        facilitator_reminder_after=timedelta(days=1),
    )


async def put_contact(client: httpx.AsyncClient, person_id: str, **body: Any) -> None:
    response = await client.put(f"/v1/contacts/{person_id}", json=body)
    assert response.status_code == 200, response.text


def proposal(repair_id: UUID, version: int, *people: PersonRef) -> AgreementProposedV1:
    promise = CommitmentTerms(
        commitment_id=uuid4(),
        terms_version=1,
        owner=OWNER,
        owed_to=[AFFECTED],
        action=sealed("Restore USB access for finance."),
        due_at=MONDAY + timedelta(days=7),
    )
    return AgreementProposedV1(
        repair_id=repair_id,
        agreement_id=UUID(int=repair_id.int ^ 1),
        version=version,
        commitments=[promise],
        proposed_by=FACILITATOR,
        proposed_at=SATURDAY,
        consent_required_from=list(people),
    )


def consented(repair_id: UUID, person: PersonRef, version: int) -> ConsentGivenV1:
    return ConsentGivenV1(
        repair_id=repair_id,
        agreement_id=UUID(int=repair_id.int ^ 1),
        version=version,
        participant=person,
        role=ParticipantRole.RESPONSIBLE,
        given_at=SATURDAY,
    )


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


async def statuses(settings: FollowupSettings, repair_id: UUID) -> dict[tuple[int, str], str]:
    """The consent follow-up waits for, as stored: (version, person) -> status."""
    connection = await asyncpg.connect(settings.database_url)
    try:
        rows = await connection.fetch(
            f"SELECT version, person_id, status FROM {settings.db_schema}.consent_requests"
            " WHERE repair_id = $1",
            repair_id,
        )
    finally:
        await connection.close()
    return {(r["version"], r["person_id"]): r["status"] for r in rows}


async def nudges_of(client: httpx.AsyncClient, repair_id: UUID) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/repairs/{repair_id}/nudges")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def current(value: object) -> object:
    """`eventually` awaits its check: this makes a plain look at a receiver one."""
    return value


def card_of(post: dict[str, Any]) -> dict[str, Any]:
    """The Adaptive Card of a Teams Workflows post, checking the envelope on the way."""
    assert post["type"] == "message"
    (attachment,) = post["attachments"]
    assert attachment["contentType"] == ADAPTIVE
    card: dict[str, Any] = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    return card


async def test_a_proposal_tells_each_person_it_waits_for_and_nobody_who_answered(
    settings: FollowupSettings, inbox: Inbox, teams: WebhookReceiver
) -> None:
    clock = ManualClock(SATURDAY)
    opened = repair_opened(opened_at=SATURDAY)
    repair_id = opened.repair_id
    page = f"{GATEWAY}/repairs/{repair_id}"

    async with running(create_app(settings, clock)) as followup:
        await put_contact(
            followup, OWNER.person_id, display_name="Sam Okafor", email="sam@example.org"
        )
        await put_contact(
            followup,
            AFFECTED.person_id,
            display_name="Priya Shah",
            email="priya@example.org",
            webhook_url=teams.url,
            webhook_format="teams",
        )
        await publish(
            settings,
            opened,
            joined(repair_id, FACILITATOR, ParticipantRole.FACILITATOR),
            proposal(repair_id, 1, OWNER, AFFECTED, THIRD),
            consented(repair_id, OWNER, 1),
        )
        # Saturday: the notices wait for Monday's window, so the consent arrives before them.
        await eventually(
            lambda: _has(statuses(settings, repair_id), {(1, OWNER.person_id): "answered"})
        )
        clock.advance(MONDAY - SATURDAY)
        await eventually(lambda: current(inbox.to("priya@example.org") and teams.posts))
        sent = await eventually(lambda: _kinds(nudges_of(followup, repair_id), 2))

        assert sorted(
            (n["recipient"]["person_id"], n["kind"], n["terms_version"]) for n in sent
        ) == [
            (AFFECTED.person_id, "consent_needed", 1),
            (THIRD.person_id, "consent_needed", 1),
        ]
        assert inbox.to("sam@example.org") == []
        mail = inbox.to("priya@example.org")[0]
        assert mail["Subject"] == "Your answer is needed: a proposal to put things right"
        assert text_of(mail).startswith("Hi Priya Shah,\n")
        assert page in text_of(mail)
        assert "p-fin-014" not in text_of(mail)
        card = card_of(teams.posts[0])
        assert card["body"][0]["text"] == mail["Subject"]
        assert card["actions"] == [
            {"type": "Action.OpenUrl", "title": "Read the proposal", "url": page}
        ]

        # A new version: everyone it waits for is asked again, and the old one waits no more.
        await publish(settings, proposal(repair_id, 2, OWNER, AFFECTED))
        await eventually(lambda: current(inbox.to("sam@example.org")))
        await eventually(lambda: current(len(inbox.to("priya@example.org")) == 2))
        assert "It replaces the earlier version" in text_of(inbox.to("sam@example.org")[0])
        assert (await statuses(settings, repair_id))[(1, THIRD.person_id)] == "superseded"
        schedule = (await followup.get(f"/v1/repairs/{repair_id}")).json()["schedule"]
        owners_first = [
            t for t in schedule if t["recipient"] == OWNER.model_dump() and t["terms_version"] == 1
        ]
        # Dropped in the batch that brought the consent, or skipped when it fell due.
        assert all(t["status"] == "skipped" for t in owners_first), owners_first


async def test_a_repair_without_a_facilitator_is_announced_reminded_once_and_then_left_alone(
    settings: FollowupSettings, inbox: Inbox, teams: WebhookReceiver, mattermost: WebhookReceiver
) -> None:
    clock = ManualClock(MONDAY)
    waiting = repair_opened(opened_at=MONDAY, departments=["finance", "it"])
    helped = repair_opened(opened_at=MONDAY, departments=["finance", "it"])

    async with running(create_app(settings, clock)) as followup:
        lead = {
            "display_name": "Ines Ito",
            "email": "ines@example.org",
            "roles": ["department_lead"],
        }
        await put_contact(followup, "p-it-lead", department="it", **lead)
        await put_contact(
            followup, "p-hr-lead", **{**lead, "email": "hal@example.org", "department": "hr"}
        )
        await put_contact(
            followup,
            "p-chg-001",
            display_name="Cam Chen",
            department="change",
            roles=["change_team"],
            webhook_url=mattermost.url,
            webhook_format="mattermost",
        )
        hook = await followup.put(
            "/v1/departments/it/webhook",
            json={"url": teams.url, "kinds": ["facilitator_needed"], "format": "teams"},
        )
        assert hook.status_code == 200, hook.text
        assert hook.json()["format"] == "teams"
        await publish(settings, waiting, helped)

        await eventually(lambda: current(len(inbox.to("ines@example.org")) == 2))
        await eventually(lambda: current(len(mattermost.posts) == 2 and len(teams.posts) == 2))
        await publish(settings, joined(helped.repair_id, FACILITATOR, ParticipantRole.FACILITATOR))
        await eventually(lambda: _no_pending(followup, helped.repair_id))

        clock.advance(timedelta(days=1, minutes=1))  # the reminder's time, still in the window
        await eventually(lambda: current(len(inbox.to("ines@example.org")) == 3))
        await eventually(lambda: current(len(mattermost.posts) == 3 and len(teams.posts) == 3))
        clock.advance(timedelta(days=1))
        waited = await nudges_of(followup, waiting.repair_id)
        left_alone = await nudges_of(followup, helped.repair_id)

    assert inbox.to("hal@example.org") == []  # hr is not involved
    first, _, reminder = sorted(inbox.to("ines@example.org"), key=lambda m: str(m["Date"]))
    assert first["Subject"] == "A repair is looking for a facilitator"
    assert text_of(first).startswith("Hi Ines Ito,\n")
    assert "between finance and it" in text_of(first)
    assert reminder["Subject"] == "Still looking for a facilitator"
    assert f"{GATEWAY}/repairs/{waiting.repair_id}" in text_of(reminder)
    assert sorted(n["kind"] for n in waited) == [
        "facilitator_needed",
        "facilitator_needed",
        "facilitator_still_needed",
        "facilitator_still_needed",
    ]
    assert sorted(n["kind"] for n in left_alone) == ["facilitator_needed", "facilitator_needed"]

    post = mattermost.posts[-1]
    assert post["text"] == "**Still looking for a facilitator**"
    assert post["username"] == "Bridgework"
    (attachment,) = post["attachments"]
    assert attachment["title"] == attachment["fallback"] == "Still looking for a facilitator"
    assert attachment["title_link"] == f"{GATEWAY}/repairs/{waiting.repair_id}"
    assert attachment["text"].startswith("Hi Cam Chen,\n")
    card = card_of(teams.posts[-1])
    assert card["body"][0]["text"] == "Still looking for a facilitator"
    assert card["actions"][0]["url"] == f"{GATEWAY}/repairs/{waiting.repair_id}"


async def _has(found: Any, expected: dict[tuple[int, str], str]) -> bool:
    stored = await found
    return all(stored.get(key) == status for key, status in expected.items())


async def _kinds(found: Any, count: int) -> list[dict[str, Any]] | None:
    nudges: list[dict[str, Any]] = await found
    return nudges if len(nudges) >= count else None


async def _no_pending(client: httpx.AsyncClient, repair_id: UUID) -> bool:
    schedule = (await client.get(f"/v1/repairs/{repair_id}")).json()["schedule"]
    return bool(schedule) and all(t["status"] != "pending" for t in schedule)
