"""Who is nudged before a planned change's go-live, and when (domain/change_nudges.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from bridgework.followup.domain.change_nudges import (
    TrackedChange,
    draft_of,
    engagement_due,
    engagement_nudges,
)
from bridgework.followup.domain.contacts import Contact
from bridgework.followup.domain.nudge_policy import NudgePolicy
from tests.followup_factories import policy

MONDAY = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
CHANGE = TrackedChange(
    change_id=UUID(int=1), title="MFA <for> payroll", owner_department="it",
    affected_departments=("finance", "hr"), planned_go_live=MONDAY + timedelta(days=14),
)  # fmt: skip
FIONA = Contact("p-fin-lead", "Fiona", email="f@example.org", department="finance",
                roles=("department_lead",))  # fmt: skip
HARI = Contact("p-hr-lead", "Hari", webhook_url="https://hooks.example.org/h", department="hr",
               roles=("department_lead",))  # fmt: skip
LEADS = {"finance": [FIONA], "hr": [HARI]}


def nudged(now: datetime, *, engaged: set[tuple[UUID, str]] | None = None,
           sent: set[tuple[UUID, str, str, str]] | None = None,
           policies: dict[str, NudgePolicy] | None = None, email: bool = True) -> list[str]:  # fmt: skip
    found = engagement_nudges(
        [CHANGE], engaged=engaged or set(), sent=sent or set(), leads=LEADS,
        policy_of=lambda d: (policies or {}).get(d, policy()), email_enabled=email, now=now,
    )  # fmt: skip
    return [f"{n.department}:{n.recipient.person_id}:{','.join(n.channels)}" for n in found]


def test_the_lead_time_opens_the_nudge_and_go_live_closes_it() -> None:
    default = policy()
    assert default.engagement_lead_time == timedelta(days=14)
    # Exactly 14 days before go-live: due; a second earlier: not; at go-live: too late.
    assert engagement_due(CHANGE, default, MONDAY)
    assert not engagement_due(CHANGE, default, MONDAY - timedelta(seconds=1))
    assert not engagement_due(CHANGE, default, CHANGE.planned_go_live)
    live = TrackedChange(**{**CHANGE.__dict__, "went_live_at": MONDAY})
    assert not engagement_due(live, default, MONDAY + timedelta(days=1))


def test_each_unengaged_departments_leads_are_nudged_once_by_their_channels() -> None:
    assert nudged(MONDAY) == ["finance:p-fin-lead:email", "hr:p-hr-lead:webhook"]
    assert nudged(MONDAY, engaged={(CHANGE.change_id, "hr")}) == ["finance:p-fin-lead:email"]
    already = {(CHANGE.change_id, "finance", "p-fin-lead", "engagement_needed")}
    assert nudged(MONDAY, sent=already) == ["hr:p-hr-lead:webhook"]
    # Without an SMTP server Fiona has no way to be reached: she is not nudged (nor recorded).
    assert nudged(MONDAY, email=False) == ["hr:p-hr-lead:webhook"]


def test_the_lead_time_and_sending_window_are_each_departments_own() -> None:
    early = MONDAY - timedelta(days=7)  # 21 days before go-live
    policies = {"hr": policy(engagement_lead_time=timedelta(days=28))}
    assert nudged(early, policies=policies) == ["hr:p-hr-lead:webhook"]
    saturday = MONDAY + timedelta(days=5)  # outside the default working days: waits
    assert nudged(saturday) == []
    assert nudged(saturday + timedelta(days=2)) == [
        "finance:p-fin-lead:email", "hr:p-hr-lead:webhook",
    ]  # fmt: skip


def test_the_message_names_the_change_and_escapes_it_in_html() -> None:
    found = engagement_nudges(
        [CHANGE], engaged=set(), sent=set(), leads=LEADS, policy_of=lambda _: policy(),
        email_enabled=True, now=MONDAY,
    )  # fmt: skip
    draft = draft_of(found[0], gateway_url="https://bridgework.example.org/")
    assert draft.message.subject == "Before 16 November 2026: MFA <for> payroll"
    assert "Hi Fiona" in draft.message.text
    assert "https://bridgework.example.org/dashboard" in draft.message.text
    assert "MFA &lt;for&gt; payroll" in draft.message.html
    assert draft.email == "f@example.org"
