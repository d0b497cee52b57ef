"""The check-in after a change went live: "is it working for you?", asked of each affected
department's leads. Pure: time and fresh ids are arguments.

Asked once the change has been live for `delay` (14 days by default), inside the department's
sending window, once per (change, department, lead), each lead with a signed link of their own;
the department answers once, whichever lead answers first (docs/followup.md, "Changes").
Asking stops a link lifetime after it became due, so a lead named long after a go-live is not
asked about a change long settled, and the first answer closes the department's check-in.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from bridgework.common.contracts import PersonRef
from bridgework.common.errors import DomainError, ErrorKind
from bridgework.followup.domain.change_nudges import TrackedChange, channels_of
from bridgework.followup.domain.check_in_links import CheckInClaim, expired_link, sign
from bridgework.followup.domain.check_ins import already_answered, unknown_check_in
from bridgework.followup.domain.contacts import Contact
from bridgework.followup.domain.deliveries import Draft, check_in_url
from bridgework.followup.domain.messages import Message, greeting
from bridgework.followup.domain.nudge_policy import NudgePolicy, allows


@dataclass(frozen=True)
class ChangeCheckInAsk:
    """One lead of one affected department asked about one live change."""

    check_in_id: UUID
    change: TrackedChange
    department: str
    recipient: Contact
    channels: tuple[str, ...]
    asked_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class ChangeCheckIn:
    """A stored change check-in: `asked` or `answered`."""

    check_in_id: UUID
    change_id: UUID
    department: str
    person: PersonRef
    status: str
    expires_at: datetime


def check_in_window(
    change: TrackedChange, *, delay: timedelta, ttl: timedelta
) -> tuple[datetime, datetime] | None:
    """[from, until) in which the change's departments are asked; None before go-live."""
    if change.went_live_at is None:
        return None
    start = change.went_live_at + delay
    return start, start + ttl


def change_check_ins_due(
    changes: Iterable[TrackedChange],
    *,
    asked: set[tuple[UUID, str, str]],
    answered: set[tuple[UUID, str]],
    leads: Mapping[str, list[Contact]],
    policy_of: Callable[[str], NudgePolicy],
    email_enabled: bool,
    delay: timedelta,
    ttl: timedelta,
    now: datetime,
    new_id: Callable[[], UUID],
) -> list[ChangeCheckInAsk]:
    """The check-ins to ask now: per live change inside its window and affected department
    not answered yet, each reachable lead not yet asked, inside the department's window."""
    due = []
    for change in changes:
        window = check_in_window(change, delay=delay, ttl=ttl)
        if window is None or not window[0] <= now < window[1]:
            continue
        for department in change.affected_departments:
            if (change.change_id, department) in answered or not allows(policy_of(department), now):
                continue  # answered, or waits for the department's next sending window
            for lead in leads.get(department, []):
                channels = channels_of(lead, email_enabled=email_enabled)
                if channels and (change.change_id, department, lead.person_id) not in asked:
                    due.append(
                        ChangeCheckInAsk(
                            new_id(), change, department, lead, channels, now, now + ttl
                        )
                    )
    return due


def ensure_change_answerable(check_in: ChangeCheckIn | None, *, now: datetime) -> ChangeCheckIn:
    """The check-in if it still takes an answer; otherwise say why not."""
    if check_in is None:
        raise unknown_check_in()
    if check_in.status == "answered":
        raise already_answered()
    if now >= check_in.expires_at:
        raise expired_link()
    return check_in


def department_answered() -> DomainError:
    """Another lead of the department answered first: the department answers once."""
    return DomainError(
        "already_answered",
        "Your department's answer was recorded already.",
        kind=ErrorKind.CONFLICT,
    )


def check_in_message(ask: ChangeCheckInAsk, *, link: str) -> Message:
    """What a department lead reads: which change, and the link to answer through."""
    change = ask.change
    text = (
        f"{greeting(ask.recipient.display_name)},\n\n"
        f'"{change.title}", a change by {change.owner_department}, went live a while ago. '
        f"Is it working for {ask.department}? Yes, partly or no, and anything you would add: "
        "the people behind the change will read it.\n\n"
        f"Answer here (no login needed): {link}\n"
    )
    markup = "".join(f"<p>{html.escape(p)}</p>" for p in text.strip().split("\n\n"))
    return Message(
        subject=f"Is it working for you? {change.title}",
        text=text,
        html=markup,
        link=link,
        link_label="Answer",
    )


def draft_of_check_in(ask: ChangeCheckInAsk, *, base_url: str, secret: bytes) -> Draft:
    token = sign(CheckInClaim(ask.check_in_id, ask.expires_at), secret)
    contact = ask.recipient
    return Draft(
        message=check_in_message(ask, link=check_in_url(base_url, token)),
        recipient_name=contact.display_name,
        email=contact.email if "email" in ask.channels else None,
        webhook_url=contact.webhook_url,
        webhook_format=contact.webhook_format,
    )
