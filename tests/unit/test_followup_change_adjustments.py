"""Who is reminded of an adjustment due before a change's go-live, and when
(domain/change_adjustments.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from bridgework.followup.domain.change_adjustments import (
    AgreedAdjustment,
    adjustment_reminders,
    draft_of_reminder,
)
from bridgework.followup.domain.change_nudges import TrackedChange
from bridgework.followup.domain.contacts import Contact
from bridgework.followup.domain.nudge_policy import NudgePolicy
from tests.followup_factories import policy

MONDAY = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
CHANGE = TrackedChange(
    change_id=UUID(int=1), title="MFA for payroll", owner_department="it",
    affected_departments=("finance",), planned_go_live=MONDAY + timedelta(days=10),
)  # fmt: skip
NOTICE = AgreedAdjustment(UUID(int=11), 1, "notice", "it", ("finance",), MONDAY + timedelta(days=2))
TESTERS = AgreedAdjustment(UUID(int=12), 1, "testers", "finance", ("finance",),
                           MONDAY + timedelta(days=2))  # fmt: skip
AFTER = AgreedAdjustment(UUID(int=13), 1, "data_moved", "it", ("finance",),
                         CHANGE.planned_go_live)  # fmt: skip
IVY = Contact("p-it-lead", "Ivy", email="ivy@example.org", department="it",
              roles=("department_lead",))  # fmt: skip
FIONA = Contact("p-fin-lead", "Fiona", email="f@example.org", department="finance",
                roles=("department_lead",))  # fmt: skip


def reminded(now: datetime, change: TrackedChange = CHANGE, *,
             sent: set[tuple[UUID, int, str]] | None = None,
             policies: dict[str, NudgePolicy] | None = None) -> list[str]:  # fmt: skip
    due = adjustment_reminders(
        [(change, [NOTICE, TESTERS, AFTER])], sent=sent or set(),
        leads={"it": [IVY], "finance": [FIONA]},
        policy_of=lambda d: (policies or {}).get(d, policy()), email_enabled=True, now=now,
    )  # fmt: skip
    return [f"{r.adjustment.kind}:{r.recipient.person_id}" for r in due]


def test_the_owner_sides_leads_are_reminded_from_the_lead_time_until_the_due_date() -> None:
    # Both adjustments are due 4 November; the default lead time is 2 days.
    assert reminded(MONDAY) == ["notice:p-it-lead", "testers:p-fin-lead"]
    assert reminded(MONDAY - timedelta(seconds=1)) == []
    assert reminded(NOTICE.due_at) == []


def test_an_adjustment_due_at_or_after_go_live_or_a_live_change_is_not_reminded() -> None:
    late = MONDAY + timedelta(days=9)  # inside AFTER's lead time, but it falls due at go-live
    assert reminded(late) == []
    live = TrackedChange(**{**CHANGE.__dict__, "went_live_at": MONDAY - timedelta(days=1)})
    assert reminded(MONDAY, live) == []


def test_each_lead_once_per_terms_version_inside_their_sending_window() -> None:
    assert reminded(MONDAY, sent={(NOTICE.commitment_id, 1, "p-it-lead")}) == ["testers:p-fin-lead"]
    weekend_only = policy(working_days=("sat", "sun"))
    assert reminded(MONDAY, policies={"finance": weekend_only}) == ["notice:p-it-lead"]


def test_the_message_names_the_change_kind_and_due_day_but_not_the_sealed_action() -> None:
    due = adjustment_reminders(
        [(CHANGE, [NOTICE])], sent=set(), leads={"it": [IVY]}, policy_of=lambda _: policy(),
        email_enabled=True, now=MONDAY,
    )  # fmt: skip
    draft = draft_of_reminder(due[0], gateway_url="https://bridgework.example.org")
    assert draft.message.subject == "Due 04 November 2026, before go-live: MFA for payroll"
    assert "(notice) with finance" in draft.message.text
    assert draft.email == "ivy@example.org"
