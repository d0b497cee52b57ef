"""Nudges that keep a planned change's engagement ahead of its go-live. Pure: time is an
argument.

An affected department nobody from which has joined or answered the engagement is nudged
once its department's `engagement_lead_time` (14 days by default) before the planned go-live
has come, until the change goes live; its leads (contacts with the `department_lead` role)
are told, once each, inside their department's sending window (docs/followup.md, "Changes").
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from bridgework.followup.domain.contacts import Contact
from bridgework.followup.domain.deliveries import Draft
from bridgework.followup.domain.messages import Message, greeting
from bridgework.followup.domain.nudge_policy import NudgePolicy, allows

ENGAGEMENT_NEEDED = "engagement_needed"


@dataclass(frozen=True)
class TrackedChange:
    change_id: UUID
    title: str
    owner_department: str
    affected_departments: tuple[str, ...]
    planned_go_live: datetime
    went_live_at: datetime | None = None


@dataclass(frozen=True)
class ChangeNudge:
    """One message to one department lead about one change."""

    change: TrackedChange
    department: str
    recipient: Contact
    channels: tuple[str, ...]

    @property
    def key(self) -> tuple[UUID, str, str, str]:
        return (self.change.change_id, self.department, self.recipient.person_id, ENGAGEMENT_NEEDED)


def engagement_due(change: TrackedChange, policy: NudgePolicy, now: datetime) -> bool:
    """Whether an unengaged department of this change is to be nudged now: inside the lead
    time before go-live, and the change not live (after go-live it is too late to engage)."""
    return (
        change.went_live_at is None
        and change.planned_go_live - policy.engagement_lead_time <= now < change.planned_go_live
    )


def channels_of(contact: Contact, *, email_enabled: bool) -> tuple[str, ...]:
    found = []
    if contact.email and email_enabled:
        found.append("email")
    if contact.webhook_url:
        found.append("webhook")
    return tuple(found)


def engagement_nudges(
    changes: Iterable[TrackedChange],
    *,
    engaged: set[tuple[UUID, str]],
    sent: set[tuple[UUID, str, str, str]],
    leads: Mapping[str, list[Contact]],
    policy_of: Callable[[str], NudgePolicy],
    email_enabled: bool,
    now: datetime,
) -> list[ChangeNudge]:
    """The nudges to send now: per change and unengaged affected department whose lead time
    has come, to each of its leads not yet told and reachable, inside their sending window."""
    nudges = []
    for change in changes:
        for department in change.affected_departments:
            policy = policy_of(department)
            if (change.change_id, department) in engaged or not engagement_due(change, policy, now):
                continue
            if not allows(policy, now):
                continue  # waits for the department's next sending window (a later poll)
            for lead in leads.get(department, []):
                channels = channels_of(lead, email_enabled=email_enabled)
                nudge = ChangeNudge(change, department, lead, channels)
                if channels and nudge.key not in sent:
                    nudges.append(nudge)
    return nudges


def engagement_message(nudge: ChangeNudge, *, gateway_url: str) -> Message:
    """What a department lead reads: which change, when it goes live, and who to talk to."""
    change = nudge.change
    day = change.planned_go_live.strftime("%d %B %Y")
    link = f"{gateway_url.rstrip('/')}/dashboard"
    text = (
        f"{greeting(nudge.recipient.display_name)},\n\n"
        f'"{change.title}", a change by {change.owner_department}, goes live on {day} and '
        f"affects {nudge.department}. Nobody from {nudge.department} has been engaged yet: "
        "what will it change for you, what worries you, what would make it work?\n\n"
        f"Name a representative and answer before go-live: {link}\n"
    )
    markup = "".join(f"<p>{html.escape(p)}</p>" for p in text.strip().split("\n\n"))
    return Message(
        subject=f"Before {day}: {change.title}",
        text=text,
        html=markup,
        link=link,
        link_label="Open the change calendar",
    )


def draft_of(nudge: ChangeNudge, *, gateway_url: str) -> Draft:
    contact = nudge.recipient
    return Draft(
        message=engagement_message(nudge, gateway_url=gateway_url),
        recipient_name=contact.display_name,
        email=contact.email if "email" in nudge.channels else None,
        webhook_url=contact.webhook_url,
        webhook_format=contact.webhook_format,
    )
