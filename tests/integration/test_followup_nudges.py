"""Follow-up's nudges against the real broker, the real database, a real SMTP server and a
real webhook receiver; time moves with a ManualClock instead of being waited for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import httpx
import pytest

from bridgework.common.clock import ManualClock
from bridgework.common.contracts import (
    CheckInOutcome,
    CheckInRecordedV1,
    CommitmentLapsedV1,
    NudgeKind,
    NudgeSentV1,
    ParticipantRole,
)
from bridgework.followup.app import create_app
from bridgework.followup.settings import FollowupSettings
from tests.factories import plain, repair_opened
from tests.followup_factories import (
    AFFECTED,
    FACILITATOR,
    MONDAY,
    OWNER,
    Inbox,
    WebhookReceiver,
    agreement_reached,
    followup_events,
    followup_settings,
    joined,
    of_type,
    publish,
    released,
    renegotiated,
    scheduled,
    terms,
)
from tests.infra import Infrastructure, eventually, hold_test_key, opened_in, running

pytestmark = pytest.mark.integration

FRIDAY_MORNING = datetime(2026, 11, 6, 9, 30, tzinfo=UTC)  # two days before, on a weekday
NEXT_MONDAY = MONDAY + timedelta(days=7)  # the due date of `terms()`: 9 November, 09:30


@pytest.fixture
async def inbox() -> AsyncIterator[Inbox]:
    async with Inbox() as server:
        yield server


@pytest.fixture
async def webhook() -> AsyncIterator[WebhookReceiver]:
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
        webhook_allow_private_targets=True,  # the receiver listens on 127.0.0.1
    )


async def add_contacts(client: httpx.AsyncClient) -> None:
    for person, name in ((OWNER, "Sam Okafor"), (AFFECTED, "Priya Shah"), (FACILITATOR, "Jo Lund")):
        response = await client.put(
            f"/v1/contacts/{person.person_id}",
            json={"display_name": name, "email": f"{person.person_id}@example.org"},
        )
        assert response.status_code == 200, response.text


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


async def test_a_reminder_then_a_lapse_reach_the_owner_by_email_and_webhook_once_each(
    settings: FollowupSettings, inbox: Inbox, webhook: WebhookReceiver
) -> None:
    clock = ManualClock(MONDAY)
    opened = repair_opened(opened_at=MONDAY)
    reached = agreement_reached(opened.repair_id, [terms()])
    promise = reached.commitments[0]

    async with running(create_app(settings, clock)) as followup:
        await hold_test_key(settings.database_url)  # the action is sealed with it
        await add_contacts(followup)
        hook = await followup.put("/v1/departments/it/webhook", json={"url": webhook.url})
        assert hook.status_code == 200, hook.text
        await publish(
            settings,
            opened,
            joined(opened.repair_id, OWNER, ParticipantRole.RESPONSIBLE),
            joined(opened.repair_id, AFFECTED, ParticipantRole.AFFECTED),
            reached,
        )
        await eventually(lambda: scheduled(followup, opened.repair_id, "reminder", "lapse"))

        clock.advance(FRIDAY_MORNING - MONDAY)  # two days before a Monday: Friday morning
        reminders = await eventually(lambda: current(inbox.to("p-it-001@example.org")))
        await eventually(lambda: current(webhook.posts))

        clock.advance(NEXT_MONDAY - FRIDAY_MORNING)
        events = await followup_events(
            settings,
            until=lambda es: (
                len(of_type(es, NudgeSentV1)) >= 2 and bool(of_type(es, CommitmentLapsedV1))
            ),
            settle=1.0,
        )
        await eventually(lambda: current(len(inbox.messages) >= 2 and len(webhook.posts) >= 2))

    reminder = reminders[0]
    action = plain(promise.action)  # opened for the message only
    assert reminder["Subject"] == f"A friendly reminder: {action}"
    assert "Hi Sam Okafor," in text_of(reminder)
    assert "Monday 9 November 2026, 09:30 (UTC)" in text_of(reminder)
    assert "<blockquote>" in html_of(reminder)
    lapse = of_type(events, CommitmentLapsedV1)
    assert [(e.commitment_id, e.terms_version, e.lapse_count) for e in lapse] == [
        (promise.commitment_id, 1, 1)
    ]
    assert lapse[0].agreement_id == reached.agreement_id
    assert lapse[0].due_at == promise.due_at
    sent = of_type(events, NudgeSentV1)
    assert [(n.kind, n.recipient, n.sent_at) for n in sent] == [
        (NudgeKind.REMINDER, OWNER, FRIDAY_MORNING),
        (NudgeKind.LAPSE_OFFER, OWNER, NEXT_MONDAY),
    ]
    assert all(n.channels == ["email", "webhook", "event"] for n in sent)
    subjects = [m["Subject"] for m in inbox.messages]
    assert subjects == [
        f"A friendly reminder: {action}",
        f"Can we help? {action}",
    ]
    assert [p["text"].split("\n")[0] for p in webhook.posts] == [f"*{s}*" for s in subjects]
    assert webhook.posts[1]["blocks"][0]["type"] == "header"


async def test_renegotiated_terms_move_the_timers_to_the_new_date(
    settings: FollowupSettings, inbox: Inbox
) -> None:
    clock = ManualClock(MONDAY)
    opened = repair_opened(opened_at=MONDAY)
    reached = agreement_reached(opened.repair_id, [terms()])
    promise = reached.commitments[0]
    new_due = NEXT_MONDAY + timedelta(days=7)
    moved, _ = renegotiated(opened.repair_id, reached.agreement_id, promise, due_at=new_due)

    async with running(create_app(settings, clock)) as followup:
        await add_contacts(followup)
        await publish(settings, opened, reached)
        await eventually(lambda: scheduled(followup, opened.repair_id, "reminder", "lapse"))
        await publish(settings, moved)

        async def moved_to_version_2() -> bool:
            response = await followup.get(f"/v1/repairs/{opened.repair_id}")
            pending = [t for t in response.json()["schedule"] if t["status"] == "pending"]
            return sorted((t["kind"], t["terms_version"], t["fire_at"]) for t in pending) == [
                ("lapse", 2, new_due.isoformat().replace("+00:00", "Z")),
                ("reminder", 2, "2026-11-13T09:30:00Z"),
            ]

        await eventually(moved_to_version_2)
        # Past the old date, to the new reminder (Friday 13 November): a reminder, no lapse.
        clock.advance(datetime(2026, 11, 13, 10, 0, tzinfo=UTC) - MONDAY)
        await eventually(lambda: scheduled(followup, opened.repair_id, "lapse"))
        clock.advance(new_due - clock.now())
        events = await followup_events(
            settings, until=lambda es: bool(of_type(es, CommitmentLapsedV1)), settle=1.0
        )
        repair = (await followup.get(f"/v1/repairs/{opened.repair_id}")).json()

    lapses = of_type(events, CommitmentLapsedV1)
    assert [(e.terms_version, e.due_at, e.lapse_count) for e in lapses] == [(2, new_due, 1)]
    old = [t for t in repair["schedule"] if t["terms_version"] == 1]
    assert {(t["kind"], t["status"], t["outcome"]) for t in old} == {
        ("reminder", "cancelled", "new_terms"),
        ("lapse", "cancelled", "new_terms"),
    }
    assert [n.kind for n in of_type(events, NudgeSentV1)] == [
        NudgeKind.REMINDER,
        NudgeKind.LAPSE_OFFER,
    ]


async def test_a_released_commitment_cancels_its_timers_and_the_affected_answer_the_check_in(
    settings: FollowupSettings, inbox: Inbox
) -> None:
    clock = ManualClock(MONDAY)
    opened = repair_opened(opened_at=MONDAY)
    reached = agreement_reached(opened.repair_id, [terms()])
    promise = reached.commitments[0]

    async with running(create_app(settings, clock)) as followup:
        await add_contacts(followup)
        await publish(
            settings,
            opened,
            joined(opened.repair_id, AFFECTED, ParticipantRole.AFFECTED),
            reached,
        )
        await eventually(lambda: scheduled(followup, opened.repair_id, "reminder", "lapse"))
        await publish(settings, released(opened.repair_id, reached.agreement_id, promise))
        await eventually(lambda: scheduled(followup, opened.repair_id, "check_in"))

        clock.advance(NEXT_MONDAY + timedelta(days=1) - MONDAY)  # past the due date and delay
        asked = await eventually(lambda: current(inbox.to("p-fin-014@example.org")))
        link = next(
            line.strip() for line in text_of(asked[0]).splitlines() if "/v1/check-ins/" in line
        )
        path = link.removeprefix("https://followup.example.org")
        page = await followup.get(path)
        tampered = await followup.post(path[:-3] + "abc", json={"outcome": "yes"})
        answered = await followup.post(
            path,
            content="outcome=partly&comment=Access+is+back%2C+but+we+still+lack+notice.",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        again = await followup.post(path, json={"outcome": "yes"})
        events = await followup_events(
            settings, until=lambda es: bool(of_type(es, CheckInRecordedV1)), settle=0.5
        )
        clock.advance(timedelta(days=15))
        expired = await followup.post(path, json={"outcome": "yes"})
        repair = (await followup.get(f"/v1/repairs/{opened.repair_id}")).json()

    assert asked[0]["Subject"] == "Were things made right?"
    assert "Hi Priya Shah," in text_of(asked[0])
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert 'name="outcome" value="partly"' in page.text
    assert tampered.status_code == 403
    assert tampered.json()["error"] == "invalid_link"
    assert answered.status_code == 200
    assert "Thank you" in answered.text
    assert again.status_code == 409
    assert again.json() == {
        "error": "already_answered",
        "detail": "This check-in was answered already.",
    }
    assert expired.status_code == 410
    assert of_type(events, CommitmentLapsedV1) == []
    [recorded] = of_type(events, CheckInRecordedV1)
    assert recorded.participant == AFFECTED
    assert recorded.outcome == CheckInOutcome.PARTLY
    # Sealed at the source with the participant's key; follow-up's store opens it.
    assert await opened_in(settings.database_url, recorded.comment) == (
        "Access is back, but we still lack notice."
    )
    assert recorded.repair_id == opened.repair_id
    assert [n.kind for n in of_type(events, NudgeSentV1)] == [NudgeKind.CHECK_IN]
    assert {(t["kind"], t["status"]) for t in repair["schedule"]} == {
        ("reminder", "cancelled"),
        ("lapse", "cancelled"),
        ("check_in", "fired"),
    }
    assert repair["commitments"][0]["status"] == "released"


async def test_a_check_in_answers_json_with_json_and_names_a_bad_field(
    settings: FollowupSettings, inbox: Inbox
) -> None:
    clock = ManualClock(MONDAY)
    opened = repair_opened(opened_at=MONDAY)
    reached = agreement_reached(opened.repair_id, [terms()])

    async with running(create_app(settings, clock)) as followup:
        await add_contacts(followup)
        await publish(
            settings, opened, joined(opened.repair_id, AFFECTED, ParticipantRole.AFFECTED)
        )
        await publish(
            settings,
            reached,
            released(opened.repair_id, reached.agreement_id, reached.commitments[0]),
        )
        await eventually(lambda: scheduled(followup, opened.repair_id, "check_in"))
        clock.advance(timedelta(days=1))
        asked = await eventually(lambda: current(inbox.to("p-fin-014@example.org")))
        link = next(
            line.strip() for line in text_of(asked[0]).splitlines() if "/v1/check-ins/" in line
        )
        path = link.removeprefix("https://followup.example.org")
        invalid = await followup.post(path, json={"outcome": "maybe"})
        answered = await followup.post(path, json={"outcome": "yes", "comment": "Thank you all."})

    assert invalid.status_code == 422
    assert invalid.json()["error"] == "validation_failed"
    assert [f["field"] for f in invalid.json()["fields"]] == ["outcome"]
    assert answered.status_code == 201
    assert answered.json()["outcome"] == "yes"


async def test_a_failing_webhook_is_retried_and_holds_up_no_other_nudge(
    infra: Infrastructure, database_url: str, namespace: str, inbox: Inbox
) -> None:
    settings = followup_settings(
        infra,
        database_url,
        namespace,
        smtp_host="127.0.0.1",
        smtp_port=inbox.port,
        smtp_security="none",
        delivery_retry_base_seconds=0.3,
        webhook_allow_private_targets=True,  # the receiver listens on 127.0.0.1
    )
    clock = ManualClock(MONDAY)
    opened = repair_opened(opened_at=MONDAY)
    reached = agreement_reached(opened.repair_id, [terms()])

    async with (
        WebhookReceiver(fail_first=2) as webhook,
        running(create_app(settings, clock)) as followup,
    ):
        await add_contacts(followup)
        await followup.put("/v1/departments/it/webhook", json={"url": webhook.url})
        await publish(settings, opened, reached)
        await eventually(lambda: scheduled(followup, opened.repair_id, "reminder", "lapse"))
        clock.advance(FRIDAY_MORNING - MONDAY)
        await eventually(lambda: current(inbox.messages))
        email_first = len(webhook.posts) == 0

        async def delivered() -> list[dict[str, object]] | None:
            nudges = (await followup.get(f"/v1/repairs/{opened.repair_id}/nudges")).json()
            by_channel = {d["channel"]: d for d in nudges[0]["deliveries"]}
            return nudges if by_channel["webhook"]["status"] == "sent" else None

        nudges = await eventually(delivered, timeout=15)

    assert email_first, "the e-mail went out while the webhook was still failing"
    deliveries = {d["channel"]: d for d in nudges[0]["deliveries"]}
    assert deliveries["email"]["status"] == "sent"
    assert deliveries["email"]["attempts"] == 1
    assert deliveries["webhook"]["attempts"] == 3
    assert deliveries["webhook"]["last_error"] is None
    assert webhook.requests == 3
    assert len(webhook.posts) == 1


async def current(value: object) -> object:
    """`eventually` awaits its check: this makes a plain look at a receiver one."""
    return value
