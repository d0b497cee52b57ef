"""Reminders of adjustments due before a change's go-live. Pure: time is an argument.

An adjustment in force (of the latest version every affected department agreed) that falls
due before the planned go-live and is not kept is reminded to its owner side: the leads of
the adjustment owner's department, once each per terms version, from the department's
`lead_time` (2 days by default) before the due date until it, inside the sending window.
After go-live nothing is reminded (the change went live with or without it).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from bridgework.followup.domain.change_nudges import TrackedChange, channels_of
from bridgework.followup.domain.contacts import Contact
from bridgework.followup.domain.deliveries import Draft
from bridgework.followup.domain.messages import Message, greeting
from bridgework.followup.domain.nudge_policy import NudgePolicy, allows


@dataclass(frozen=True)
class AgreedAdjustment:
    commitment_id: UUID
    terms_version: int
    kind: str
    owner_department: str
    owed_to: tuple[str, ...]
    due_at: datetime


@dataclass(frozen=True)
class AdjustmentReminder:
    change: TrackedChange
    adjustment: AgreedAdjustment
    recipient: Contact
    channels: tuple[str, ...]

    @property
    def key(self) -> tuple[UUID, int, str]:
        return (self.adjustment.commitment_id, self.adjustment.terms_version,
                self.recipient.person_id)  # fmt: skip


def reminder_due(
    change: TrackedChange, adjustment: AgreedAdjustment, policy: NudgePolicy, now: datetime
) -> bool:
    """Due before go-live, the change not live, and its lead time come but not the due date."""
    return (
        change.went_live_at is None
        and adjustment.due_at < change.planned_go_live
        and adjustment.due_at - policy.lead_time <= now < adjustment.due_at
    )


def adjustment_reminders(
    changes: Iterable[tuple[TrackedChange, list[AgreedAdjustment]]],
    *,
    sent: set[tuple[UUID, int, str]],
    leads: Mapping[str, list[Contact]],
    policy_of: Callable[[str], NudgePolicy],
    email_enabled: bool,
    now: datetime,
) -> list[AdjustmentReminder]:
    """The reminders to send now (the adjustments given are in force and not kept)."""
    due = []
    for change, adjustments in changes:
        for adjustment in adjustments:
            policy = policy_of(adjustment.owner_department)
            if not reminder_due(change, adjustment, policy, now) or not allows(policy, now):
                continue
            for lead in leads.get(adjustment.owner_department, []):
                channels = channels_of(lead, email_enabled=email_enabled)
                reminder = AdjustmentReminder(change, adjustment, lead, channels)
                if channels and reminder.key not in sent:
                    due.append(reminder)
    return due


def reminder_message(reminder: AdjustmentReminder, *, gateway_url: str) -> Message:
    """What an owner-side lead reads: which change, what kind of adjustment, for whom, by when
    (the adjustment's own words stay sealed: they are not in the message)."""
    change, adjustment = reminder.change, reminder.adjustment
    due = adjustment.due_at.strftime("%d %B %Y")
    owed = ", ".join(adjustment.owed_to)
    link = f"{gateway_url.rstrip('/')}/dashboard"
    text = (
        f"{greeting(reminder.recipient.display_name)},\n\n"
        f'For "{change.title}", {adjustment.owner_department} agreed an adjustment '
        f"({adjustment.kind.replace('_', ' ')}) with {owed}, due on {due}, before the change "
        f"goes live on {change.planned_go_live:%d %B %Y}. It is not marked kept yet.\n\n"
        f"See the change: {link}\n"
    )
    markup = "".join(f"<p>{html.escape(p)}</p>" for p in text.strip().split("\n\n"))
    return Message(subject=f"Due {due}, before go-live: {change.title}", text=text,
                   html=markup, link=link, link_label="Open the change calendar")  # fmt: skip


def draft_of_reminder(reminder: AdjustmentReminder, *, gateway_url: str) -> Draft:
    contact = reminder.recipient
    return Draft(
        message=reminder_message(reminder, gateway_url=gateway_url),
        recipient_name=contact.display_name,
        email=contact.email if "email" in reminder.channels else None,
        webhook_url=contact.webhook_url,
        webhook_format=contact.webhook_format,
    )
