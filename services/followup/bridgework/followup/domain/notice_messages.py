"""Notifications as messages: the nudges a batch of due notification timers writes (and on
which channels), and the words of each when it is delivered, from the state as it is then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from bridgework.common.contracts import PersonRef
from bridgework.followup.domain.contacts import Contact, Webhook
from bridgework.followup.domain.deliveries import DeliveryJob, Draft, format_due, webhook_target
from bridgework.followup.domain.messages import Templates, greeting
from bridgework.followup.domain.notices import (
    NOTICE_TIMER_KINDS,
    ConsentKey,
    NoticeKind,
    RepairAtHand,
    channel_kind,
    fire_notice,
    message_kind,
    still_waiting,
)
from bridgework.followup.domain.nudge_policy import PolicyOf
from bridgework.followup.domain.nudges import FiredTimers, NewNudge, SettledTimer
from bridgework.followup.domain.schedule import StoredTimer, nudge_id

NOTICE_MESSAGES = frozenset(kind.value for kind in NoticeKind)


def is_notice_timer(stored: StoredTimer) -> bool:
    """Whether a due timer is a notification's (fired by `fire_notice_timers`)."""
    return stored.timer.kind in NOTICE_TIMER_KINDS


def is_notice_job(job: DeliveryJob) -> bool:
    """Whether a delivery is a notification's (written by `write_notice_drafts`)."""
    return job.kind in NOTICE_MESSAGES


def merged(first: FiredTimers, second: FiredTimers) -> FiredTimers:
    """Two batches' changes as one: the nudges' and the notifications'."""
    return FiredTimers(
        settled=first.settled + second.settled,
        postponed=first.postponed + second.postponed,
        lapsed=first.lapsed + second.lapsed,
        follow_ups=first.follow_ups + second.follow_ups,
        nudges=first.nudges + second.nudges,
        check_ins=first.check_ins + second.check_ins,
        events=first.events + second.events,
    )


@dataclass(frozen=True)
class NoticeReach:
    """The settings of a batch of notifications: e-mail on or off, when the reminder comes."""

    email_enabled: bool
    reminder_after: timedelta


def repair_page(gateway_url: str, repair_id: UUID) -> str:
    """The gateway's page of a repair: where people consent, offer or assign a facilitator."""
    return f"{gateway_url}/repairs/{repair_id}"


def fire_notice_timers(
    claimed: Iterable[StoredTimer],
    *,
    repairs: Mapping[UUID, RepairAtHand],
    awaiting: frozenset[ConsentKey],
    policy_of: PolicyOf,
    contacts: Mapping[str, Contact],
    hooks: Mapping[str, Webhook],
    reach: NoticeReach,
    now: datetime,
) -> FiredTimers:
    """Fire each claimed notification timer; a department's channel gets one post per repair
    and message, however many of its people are told."""
    result = FiredTimers()
    posted: set[tuple[UUID, str, str]] = set()
    for stored in claimed:
        timer = stored.timer
        firing = fire_notice(
            timer,
            repair=repairs.get(timer.repair_id),
            awaiting=awaiting,
            policy=policy_of(timer.recipient),
            reminder_after=reach.reminder_after,
            now=now,
        )
        if firing.outcome == "later":
            assert firing.fire_at is not None
            result.postponed.append((stored.id, firing.fire_at))
            continue
        result.settled.append(SettledTimer(stored.id, firing.outcome, firing.note))
        result.follow_ups.extend(firing.follow_ups)
        if firing.outcome != "fired":
            continue
        kind = message_kind(timer)
        for recipient in firing.recipients:
            channels = _channels(
                kind,
                timer.repair_id,
                recipient,
                contact=contacts.get(recipient.person_id),
                hook=hooks.get(recipient.department),
                email_enabled=reach.email_enabled,
                posted=posted,
            )
            result.nudges.append(
                NewNudge(
                    nudge_id=nudge_id(timer.key, recipient),
                    timer_id=stored.id,
                    kind=kind.value,
                    repair_id=timer.repair_id,
                    commitment_id=None,
                    terms_version=timer.terms_version,
                    recipient=recipient,
                    about=None,
                    channels=channels,
                    check_in_id=None,
                    sent_at=now,
                )
            )
    return result


def _channels(
    kind: NoticeKind,
    repair_id: UUID,
    recipient: PersonRef,
    *,
    contact: Contact | None,
    hook: Webhook | None,
    email_enabled: bool,
    posted: set[tuple[UUID, str, str]],
) -> tuple[str, ...]:
    """E-mail if the person has an address; a webhook if they have their own, or if their
    department's takes this kind and has not had this repair's post yet. No event."""
    channels: list[str] = []
    if email_enabled and contact is not None and contact.email:
        channels.append("email")
    if contact is not None and contact.webhook_url:
        channels.append("webhook")
    elif hook is not None and channel_kind(kind) in hook.kinds:
        shared = (repair_id, channel_kind(kind), recipient.department)
        if shared not in posted:
            posted.add(shared)
            channels.append("webhook")
    return tuple(channels)


def write_notice_drafts(
    jobs: Iterable[DeliveryJob],
    *,
    repairs: Mapping[UUID, RepairAtHand],
    awaiting: frozenset[ConsentKey],
    contacts: Mapping[str, Contact],
    hooks: Mapping[str, Webhook],
    policy_of: PolicyOf,
    templates: Templates,
    gateway_url: str,
) -> dict[int, Draft | None]:
    """Each notification's message and address; None where it no longer stands (answered,
    superseded, a facilitator found, the repair closed)."""
    drafts: dict[int, Draft | None] = {}
    for job in jobs:
        repair = repairs.get(job.repair_id)
        consent = (job.repair_id, job.terms_version or 0, job.recipient.person_id)
        if repair is None or still_waiting(
            _timer_kind(job.kind), repair, consent=consent, awaiting=awaiting
        ):
            drafts[job.id] = None
            continue
        contact = contacts.get(job.recipient.person_id)
        name = contact.display_name if contact else None
        version = job.terms_version or 1
        values = {
            "greeting": greeting(name),
            "name": name or "there",
            "link": repair_page(gateway_url, job.repair_id),
            "version": str(version),
            "replaces": " It replaces the earlier version, which needs no answer now."
            if version > 1
            else "",
            "departments": departments_in_words(repair.departments),
            "opened": format_due(repair.opened_at, policy_of(job.recipient)),
        }
        target = webhook_target(
            channel_kind(job.kind), contact, hooks.get(job.recipient.department)
        )
        drafts[job.id] = Draft(
            message=templates.render(job.kind, values),
            recipient_name=name or "",
            email=contact.email if contact else None,
            webhook_url=target[0] if target else None,
            webhook_format=target[1] if target else "slack",
        )
    return drafts


def _timer_kind(message: str) -> str:
    return "consent_needed" if message == NoticeKind.CONSENT_NEEDED else "facilitator_needed"


def departments_in_words(departments: tuple[str, ...]) -> str:
    """`it`, `it and finance`, `it, hr and finance`."""
    if len(departments) <= 1:
        return departments[0] if departments else "departments"
    return f"{', '.join(departments[:-1])} and {departments[-1]}"
