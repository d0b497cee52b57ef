"""Notifications (consent needed, a facilitator needed) and how every message is written: the
plan a batch of repair events makes, what a due notification does, greetings by display name,
and the JSON each chat format receives."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from bridgework.common.contracts import (
    AgreementProposedV1,
    CommitmentTerms,
    ConsentDeclinedV1,
    ConsentGivenV1,
    FacilitationOfferedV1,
    IncidentCategory,
    ParticipantJoinedV1,
    ParticipantRole,
    PersonRef,
    RelationshipPair,
    RepairOpenedV1,
)
from bridgework.common.contracts.sealed import Sealed
from bridgework.followup.domain.contacts import Contact, Webhook
from bridgework.followup.domain.deliveries import DeliveryJob, LinkSigning, write_drafts
from bridgework.followup.domain.messages import DEFAULTS, Message, Templates
from bridgework.followup.domain.notice_messages import (
    NoticeReach,
    departments_in_words,
    fire_notice_timers,
    write_notice_drafts,
)
from bridgework.followup.domain.notices import (
    RepairAtHand,
    finders_of_facilitators,
    fire_notice,
    plan_notices,
)
from bridgework.followup.domain.nudge_policy import PolicyOf
from bridgework.followup.domain.schedule import StoredTimer, Timer, TimerKind
from bridgework.followup.domain.webhook_payloads import Sender, webhook_payload
from bridgework.followup.schemas import ContactIn, WebhookIn
from tests.followup_factories import MONDAY, policy

DANA = PersonRef(person_id="p-it-001", department="it")
KIM = PersonRef(person_id="p-fin-014", department="finance")
LEAD_IT = Contact(
    "p-it-lead", "Ines", "ines@example.org", department="it", roles=("department_lead",)
)
LEAD_HR = Contact(
    "p-hr-lead", "Hal", "hal@example.org", department="hr", roles=("department_lead",)
)
CHANGE = Contact("p-chg-001", "Cam", "cam@example.org", department="change", roles=("change_team",))
GATEWAY = "https://bridgework.example.org"
SATURDAY = MONDAY + timedelta(days=5)


def _proposal(repair_id: UUID, version: int, *people: PersonRef) -> AgreementProposedV1:
    terms = CommitmentTerms(
        commitment_id=uuid4(),
        terms_version=1,
        owner=DANA,
        owed_to=[KIM],
        action=Sealed(key_id=uuid4(), ciphertext="A" * 40),
        due_at=MONDAY + timedelta(days=7),
    )
    return AgreementProposedV1(
        repair_id=repair_id,
        agreement_id=uuid4(),
        version=version,
        commitments=[terms],
        proposed_by=DANA,
        proposed_at=MONDAY,
        consent_required_from=list(people),
    )


def _opened(repair_id: UUID) -> RepairOpenedV1:
    return RepairOpenedV1(
        repair_id=repair_id,
        incident_ids=[uuid4()],
        opened_at=MONDAY,
        category=next(iter(IncidentCategory)),
        departments=["it", "finance"],
        relationships=[RelationshipPair(department_a="finance", department_b="it")],
        agreement_due_by=MONDAY + timedelta(days=14),
    )


def _at_hand(repair_id: UUID, *, found: bool = False, closed: bool = False) -> RepairAtHand:
    return RepairAtHand(repair_id, MONDAY, ("it", "finance"), closed, found)


# --- what a batch of repair events plans ----------------------------------------------------


def test_a_proposal_asks_each_person_whose_consent_it_waits_for() -> None:
    repair_id = uuid4()

    plan = plan_notices([_proposal(repair_id, 1, DANA, KIM)], now=MONDAY)

    timers = list(plan.consent_timers.values())
    assert [(t.kind, t.recipient, t.terms_version) for t in timers] == [
        (TimerKind.CONSENT_NEEDED, DANA, 1),
        (TimerKind.CONSENT_NEEDED, KIM, 1),
    ]
    assert set(plan.requests) == {(repair_id, 1, "p-it-001"), (repair_id, 1, "p-fin-014")}


def test_nobody_who_answered_is_asked_and_a_new_version_supersedes_the_old() -> None:
    repair_id = uuid4()
    answered = ConsentGivenV1(
        repair_id=repair_id,
        agreement_id=uuid4(),
        version=1,
        participant=DANA,
        role=ParticipantRole.RESPONSIBLE,
        given_at=MONDAY,
    )

    plan = plan_notices([_proposal(repair_id, 1, DANA, KIM), answered], now=MONDAY)
    assert [t.recipient for t in plan.consent_timers.values()] == [KIM]
    assert plan.answered == [(repair_id, 1, "p-it-001")]

    later = plan_notices(
        [_proposal(repair_id, 1, DANA, KIM), _proposal(repair_id, 2, KIM)], now=MONDAY
    )
    assert [(t.recipient, t.terms_version) for t in later.consent_timers.values()] == [(KIM, 2)]
    assert later.superseded == {repair_id: 2}


def test_a_declined_answer_counts_as_an_answer() -> None:
    repair_id = uuid4()
    declined = ConsentDeclinedV1(
        repair_id=repair_id,
        agreement_id=uuid4(),
        version=1,
        participant=KIM,
        role=ParticipantRole.AFFECTED,
        reason=Sealed(key_id=uuid4(), ciphertext="B" * 40),
        declined_at=MONDAY,
    )

    plan = plan_notices([_proposal(repair_id, 1, KIM), declined], now=MONDAY)

    assert plan.consent_timers == {}


def test_a_repair_wants_a_facilitator_until_one_joins_or_offers() -> None:
    alone, joined, offered = uuid4(), uuid4(), uuid4()
    events = [
        _opened(alone),
        _opened(joined),
        ParticipantJoinedV1(
            repair_id=joined, participant=KIM, role=ParticipantRole.FACILITATOR, joined_at=MONDAY
        ),
        _opened(offered),
        FacilitationOfferedV1(repair_id=offered, facilitator=KIM, offered_at=MONDAY),
        ParticipantJoinedV1(
            repair_id=alone, participant=DANA, role=ParticipantRole.RESPONSIBLE, joined_at=MONDAY
        ),
    ]

    plan = plan_notices(events, now=MONDAY)

    assert plan.wanting_facilitator == {alone: ("it", "finance")}
    assert plan.facilitator_found == {joined, offered}


def test_the_leads_of_the_departments_involved_and_the_change_team_are_told() -> None:
    told = finders_of_facilitators(("it", "finance"), [LEAD_IT, LEAD_HR, CHANGE])

    assert [p.person_id for p in told] == ["p-it-lead", "p-chg-001"]
    assert told[1].department == "change"


# --- what a due notification does ------------------------------------------------------------


def test_a_due_consent_notice_fires_only_while_the_answer_is_awaited() -> None:
    repair_id = uuid4()
    timer = Timer(TimerKind.CONSENT_NEEDED, repair_id, KIM, MONDAY, terms_version=2)
    fire: dict[str, Any] = {"policy": policy(), "reminder_after": timedelta(days=2), "now": MONDAY}

    waited = fire_notice(
        timer, repair=_at_hand(repair_id), awaiting={(repair_id, 2, KIM.person_id)}, **fire
    )
    answered = fire_notice(timer, repair=_at_hand(repair_id), awaiting=set(), **fire)
    closed = fire_notice(
        timer,
        repair=_at_hand(repair_id, closed=True),
        awaiting={(repair_id, 2, KIM.person_id)},
        **fire,
    )

    assert (waited.outcome, waited.recipients, waited.follow_ups) == ("fired", (KIM,), ())
    assert (answered.outcome, answered.note) == ("skipped", "no_longer_awaited")
    assert (closed.outcome, closed.note) == ("skipped", "repair_closed")


def test_a_facilitator_call_brings_one_gentle_reminder_and_stops_once_one_is_found() -> None:
    repair_id = uuid4()
    first = Timer(TimerKind.FACILITATOR_NEEDED, repair_id, DANA, MONDAY)
    fire: dict[str, Any] = {
        "awaiting": set(),
        "policy": policy(),
        "reminder_after": timedelta(days=2),
        "now": MONDAY,
    }

    called = fire_notice(first, repair=_at_hand(repair_id), **fire)
    (reminder,) = called.follow_ups
    reminded = fire_notice(reminder, repair=_at_hand(repair_id), **fire)
    found = fire_notice(reminder, repair=_at_hand(repair_id, found=True), **fire)
    weekend = fire_notice(first, repair=_at_hand(repair_id), **{**fire, "now": SATURDAY})

    assert (reminder.sequence, reminder.fire_at) == (1, MONDAY + timedelta(days=2))
    assert (reminded.outcome, reminded.follow_ups) == ("fired", ())
    assert (found.outcome, found.note) == ("skipped", "facilitator_found")
    assert weekend.outcome == "later"
    assert weekend.fire_at == MONDAY + timedelta(days=7) - timedelta(hours=1, minutes=30)


def test_a_department_channel_gets_one_post_per_repair_however_many_leads_it_has() -> None:
    repair_id = uuid4()
    second_lead = Contact("p-it-lead2", "Ida", None, department="it", roles=("department_lead",))
    claimed = [
        StoredTimer(
            i,
            Timer(
                TimerKind.FACILITATOR_NEEDED,
                repair_id,
                PersonRef(person_id=c.person_id, department="it"),
                MONDAY,
            ),
        )
        for i, c in enumerate([LEAD_IT, second_lead], start=1)
    ]
    hook = Webhook("it", "https://chat.example.org/h", ("facilitator_needed",), "teams")

    fired = fire_notice_timers(
        claimed,
        repairs={repair_id: _at_hand(repair_id)},
        awaiting=frozenset(),
        policy_of=PolicyOf(policy(), {}),
        contacts={c.person_id: c for c in (LEAD_IT, second_lead)},
        hooks={"it": hook},
        reach=NoticeReach(email_enabled=True, reminder_after=timedelta(days=2)),
        now=MONDAY,
    )

    assert [(n.recipient.person_id, n.kind, n.channels) for n in fired.nudges] == [
        ("p-it-lead", "facilitator_needed", ("email", "webhook")),
        ("p-it-lead2", "facilitator_needed", ()),
    ]
    assert fired.events == []  # NudgeSent's kinds are a closed enum: notifications publish none
    assert len(fired.follow_ups) == 2


# --- greetings and the words of each kind ----------------------------------------------------


def _job(kind: str, recipient: PersonRef, **fields: object) -> DeliveryJob:
    values: dict[str, object] = {
        "id": 1,
        "channel": "email",
        "attempts": 1,
        "nudge_id": uuid4(),
        "kind": kind,
        "repair_id": uuid4(),
        "commitment_id": None,
        "recipient": recipient,
        "about_person_id": None,
        "check_in_id": None,
    }
    values.update(fields)
    return DeliveryJob(**values)  # type: ignore[arg-type]


def _notice_text(kind: str, contact: Contact | None, *, version: int = 1) -> Message:
    job = _job(kind, KIM, terms_version=version)
    repair = _at_hand(job.repair_id)
    drafts = write_notice_drafts(
        [job],
        repairs={job.repair_id: repair},
        awaiting=frozenset({(job.repair_id, version, KIM.person_id)}),
        contacts={KIM.person_id: contact} if contact else {},
        hooks={},
        policy_of=PolicyOf(policy(), {}),
        templates=Templates(),
        gateway_url=GATEWAY,
    )
    draft = drafts[1]
    assert draft is not None
    return draft.message


@pytest.mark.parametrize(
    "kind", ["consent_needed", "facilitator_needed", "facilitator_still_needed"]
)
def test_a_notification_greets_by_display_name_and_links_to_the_repair_page(kind: str) -> None:
    named = _notice_text(kind, Contact(KIM.person_id, "Dana", "dana@example.org"))
    unnamed = _notice_text(kind, None)

    assert named.text.startswith("Hi Dana,\n")
    assert unnamed.text.startswith("Hello,\n")
    assert "p-fin-014" not in named.text + unnamed.text + named.html + unnamed.html
    assert named.link is not None
    assert named.link.startswith(f"{GATEWAY}/repairs/")
    assert named.link in named.text
    assert named.link in named.html
    assert "$" not in named.subject + named.text + named.html


def test_a_later_version_says_it_replaces_the_earlier_request() -> None:
    first = _notice_text("consent_needed", None, version=1)
    second = _notice_text("consent_needed", None, version=2)

    assert "replaces" not in first.text
    assert "version 1" in first.text
    assert "It replaces the earlier version" in second.text
    assert "version 2" in second.text


def test_a_notification_that_no_longer_stands_is_not_written() -> None:
    job = _job("consent_needed", KIM, terms_version=1)
    drafts = write_notice_drafts(
        [job, _job("facilitator_needed", KIM, id=2, repair_id=job.repair_id)],
        repairs={job.repair_id: _at_hand(job.repair_id, found=True)},
        awaiting=frozenset(),  # answered, or superseded
        contacts={},
        hooks={},
        policy_of=PolicyOf(policy(), {}),
        templates=Templates(),
        gateway_url=GATEWAY,
    )

    assert drafts == {1: None, 2: None}


def test_nudges_greet_by_display_name_never_by_pseudonymous_id() -> None:
    job = _job("check_in", DANA, check_in_id=uuid4())
    common: dict[str, Any] = {
        "commitments": {},
        "actions": {},
        "hooks": {},
        "policy_of": PolicyOf(policy(), {}),
        "expiries": {job.check_in_id: MONDAY + timedelta(days=14)},
        "templates": Templates(),
        "links": LinkSigning("https://followup.example.org", b"k" * 32),
    }

    named = write_drafts(
        [job], contacts={DANA.person_id: Contact(DANA.person_id, "Dana")}, **common
    )[1]
    unnamed = write_drafts([job], contacts={}, **common)[1]

    assert named is not None
    assert unnamed is not None
    assert named.message.text.startswith("Hi Dana,\n")
    assert unnamed.message.text.startswith("Hello,\n")
    assert DANA.person_id not in unnamed.message.text + unnamed.message.html
    assert unnamed.recipient_name == ""


def test_departments_read_as_words() -> None:
    assert departments_in_words(("it",)) == "it"
    assert departments_in_words(("it", "finance")) == "it and finance"
    assert departments_in_words(("it", "hr", "finance")) == "it, hr and finance"


# --- the JSON each chat receives --------------------------------------------------------------

LINKED = Message(
    "A repair is looking for a facilitator",
    "Hello,\n\nText.",
    "<p>x</p>",
    "https://b.example.org/repairs/1",
    "Open the repair",
)
PLAIN = Message("A friendly reminder", "Hi Dana,\n\nText.", "<p>x</p>")
SENDER = Sender("Bridgework", "https://b.example.org/icon.png")


@pytest.mark.parametrize("message", [LINKED, PLAIN])
def test_teams_gets_an_adaptive_card_in_a_workflows_message(message: Message) -> None:
    payload = webhook_payload(message, "teams", SENDER)

    assert payload["type"] == "message"
    (attachment,) = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert [b["text"] for b in card["body"]] == [message.subject, message.text]
    assert all(b["type"] == "TextBlock" and b["wrap"] is True for b in card["body"])
    if message.link:
        assert card["actions"] == [
            {"type": "Action.OpenUrl", "title": "Open the repair", "url": message.link}
        ]
    else:
        assert "actions" not in card


@pytest.mark.parametrize("message", [LINKED, PLAIN])
def test_mattermost_gets_text_a_username_and_an_attachment(message: Message) -> None:
    payload = webhook_payload(message, "mattermost", SENDER)

    assert payload["text"] == f"**{message.subject}**"
    assert (payload["username"], payload["icon_url"]) == ("Bridgework", SENDER.icon_url)
    (attachment,) = payload["attachments"]
    assert attachment["fallback"] == attachment["title"] == message.subject
    assert attachment["text"] == message.text
    assert attachment.get("title_link") == message.link
    assert "icon_url" not in webhook_payload(message, "mattermost", Sender("Bridgework"))


@pytest.mark.parametrize("message", [LINKED, PLAIN])
def test_slack_keeps_its_text_and_blocks_with_a_button_for_a_link(message: Message) -> None:
    payload = webhook_payload(message, "slack", SENDER)

    assert payload["text"] == f"*{message.subject}*\n\n{message.text}"
    assert [b["type"] for b in payload["blocks"]][:2] == ["header", "section"]
    buttons = [b for b in payload["blocks"] if b["type"] == "actions"]
    assert bool(buttons) == bool(message.link)


@pytest.mark.parametrize("kind", sorted(DEFAULTS))
@pytest.mark.parametrize("shape", ["slack", "teams", "mattermost"])
def test_every_kind_of_message_renders_in_every_format(kind: str, shape: str) -> None:
    message = Templates().render(kind, {"greeting": "Hi Dana", "link": "https://b.example.org/x"})

    payload = webhook_payload(message, shape, SENDER)  # type: ignore[arg-type]

    flat = str(payload)
    assert message.subject in flat
    assert "Hi Dana" in flat


# --- what the admin API accepts ---------------------------------------------------------------


def test_a_department_channel_takes_the_call_for_a_facilitator_but_nothing_personal() -> None:
    hook = WebhookIn(url="https://chat.example.org/h", kinds=["facilitator_needed"], format="teams")
    assert hook.of_department("it") == Webhook(
        "it", "https://chat.example.org/h", ("facilitator_needed",), "teams"
    )
    for personal in ("check_in", "consent_needed"):
        with pytest.raises(ValidationError) as refused:
            WebhookIn(url="https://chat.example.org/h", kinds=[personal])
        assert refused.value.errors()[0]["loc"] == ("kinds",)
    with pytest.raises(ValidationError):
        WebhookIn(url="https://chat.example.org/h", format="discord")


def test_a_contact_with_a_role_names_their_department() -> None:
    with pytest.raises(ValidationError) as refused:
        ContactIn(display_name="Ines", roles=["department_lead"])
    assert refused.value.errors()[0]["loc"] == ("roles",)

    lead = ContactIn(
        display_name="Ines", department="it", roles=["department_lead"], webhook_format="mattermost"
    )
    assert lead.of_person("p-it-lead") == Contact(
        "p-it-lead", "Ines", None, None, "mattermost", "it", ("department_lead",)
    )


def test_the_repair_page_default_is_the_local_gateway() -> None:
    from bridgework.followup.settings import FollowupSettings

    assert FollowupSettings().gateway_public_url == "http://127.0.0.1:8000"
    assert (
        FollowupSettings(gateway_public_url="https://b.example.org/").gateway_public_url
        == "https://b.example.org"
    )
