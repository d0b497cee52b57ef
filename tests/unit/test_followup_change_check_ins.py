"""Who is asked "is it working for you?" after a change went live, and when
(domain/change_check_ins.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from uuid import UUID

import pytest

from bridgework.common.contracts import PersonRef
from bridgework.common.errors import DomainError
from bridgework.followup.domain.change_check_ins import (
    ChangeCheckIn,
    change_check_ins_due,
    draft_of_check_in,
    ensure_change_answerable,
)
from bridgework.followup.domain.change_nudges import TrackedChange
from bridgework.followup.domain.check_in_links import verify
from bridgework.followup.domain.contacts import Contact
from bridgework.followup.domain.nudge_policy import NudgePolicy
from tests.followup_factories import policy

MONDAY = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
DELAY = timedelta(days=14)
TTL = timedelta(days=7)
LIVE = TrackedChange(
    change_id=UUID(int=1), title="MFA <for> payroll", owner_department="it",
    affected_departments=("finance", "hr"), planned_go_live=MONDAY - DELAY,
    went_live_at=MONDAY - DELAY,
)  # fmt: skip
FIONA = Contact("p-fin-lead", "Fiona", email="f@example.org", department="finance",
                roles=("department_lead",))  # fmt: skip
FRANK = Contact("p-fin-lead-2", "Frank", department="finance", roles=("department_lead",))
HARI = Contact("p-hr-lead", "Hari", webhook_url="https://hooks.example.org/h", department="hr",
               roles=("department_lead",))  # fmt: skip
LEADS = {"finance": [FIONA, FRANK], "hr": [HARI]}
SECRET = b"s" * 32


def asked(now: datetime, change: TrackedChange = LIVE, *,
          already: set[tuple[UUID, str, str]] | None = None,
          answered: set[tuple[UUID, str]] | None = None,
          policies: dict[str, NudgePolicy] | None = None) -> list[str]:  # fmt: skip
    ids = count(100)
    due = change_check_ins_due(
        [change], asked=already or set(), answered=answered or set(), leads=LEADS,
        policy_of=lambda d: (policies or {}).get(d, policy()), email_enabled=True, delay=DELAY,
        ttl=TTL, now=now, new_id=lambda: UUID(int=next(ids)),
    )  # fmt: skip
    return [f"{a.department}:{a.recipient.person_id}:{','.join(a.channels)}" for a in due]


def test_the_delay_after_go_live_opens_the_check_in_and_the_link_lifetime_closes_it() -> None:
    assert asked(MONDAY) == ["finance:p-fin-lead:email", "hr:p-hr-lead:webhook"]
    assert asked(MONDAY - timedelta(seconds=1)) == []
    assert asked(MONDAY + TTL - timedelta(seconds=1)) != []
    assert asked(MONDAY + TTL) == []  # a lead named this late is not asked about it
    not_live = TrackedChange(**{**LIVE.__dict__, "went_live_at": None})
    assert asked(MONDAY + timedelta(days=30), not_live) == []


def test_each_lead_is_asked_once_and_an_answered_department_no_more() -> None:
    # Frank has no way to be reached (no e-mail, no webhook): he is neither asked nor recorded.
    assert asked(MONDAY, already={(LIVE.change_id, "finance", "p-fin-lead")}) == [
        "hr:p-hr-lead:webhook"
    ]
    assert asked(MONDAY, answered={(LIVE.change_id, "hr")}) == ["finance:p-fin-lead:email"]


def test_a_department_outside_its_sending_window_waits() -> None:
    weekend_only = policy(working_days=("sat", "sun"))
    assert asked(MONDAY, policies={"hr": weekend_only}) == ["finance:p-fin-lead:email"]


def test_the_message_carries_a_signed_link_to_this_check_in_and_no_markup_from_the_title() -> None:
    ask = change_check_ins_due(
        [LIVE], asked=set(), answered=set(), leads={"finance": [FIONA]},
        policy_of=lambda _: policy(), email_enabled=True, delay=DELAY, ttl=TTL, now=MONDAY,
        new_id=lambda: UUID(int=7),
    )[0]  # fmt: skip
    draft = draft_of_check_in(ask, base_url="https://followup.example.org", secret=SECRET)
    link = draft.message.link
    assert link is not None
    assert link.startswith("https://followup.example.org/v1/check-ins/")
    claim = verify(link.rsplit("/", 1)[1], SECRET, now=MONDAY)
    assert claim.check_in_id == UUID(int=7)
    assert claim.expires_at == MONDAY + TTL
    assert "Is it working for finance?" in draft.message.text
    assert "&lt;for&gt;" in draft.message.html
    assert "<for>" not in draft.message.html
    assert draft.email == "f@example.org"


def stored(status: str, expires_at: datetime = MONDAY + TTL) -> ChangeCheckIn:
    return ChangeCheckIn(UUID(int=7), LIVE.change_id, "finance",
                         PersonRef(person_id="p-fin-lead", department="finance"), status,
                         expires_at)  # fmt: skip


@pytest.mark.parametrize(
    ("check_in", "code"),
    [
        (None, "unknown_check_in"),
        (stored("answered"), "already_answered"),
        (stored("asked", expires_at=MONDAY), "link_expired"),
    ],
)
def test_a_check_in_that_cannot_take_an_answer_says_why(
    check_in: ChangeCheckIn | None, code: str
) -> None:
    with pytest.raises(DomainError) as raised:
        ensure_change_answerable(check_in, now=MONDAY)
    assert raised.value.code == code


def test_an_open_check_in_takes_an_answer() -> None:
    open_one = stored("asked")
    assert ensure_change_answerable(open_one, now=MONDAY) is open_one
