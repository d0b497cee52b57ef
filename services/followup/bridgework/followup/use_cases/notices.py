"""Notifications (consent needed, a facilitator needed): planned from the repairs stream in
the consumer's transaction, fired with the other timers, written when delivered.

Each function runs in a transaction its caller opened (the consumer's, the timer loop's, the
delivery lease's): a notification changes together with the nudges around it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bridgework.common.clock import Clock
from bridgework.common.contracts import RepairEvent
from bridgework.common.postgres import Connection
from bridgework.followup.domain.deliveries import DeliveryJob, Draft
from bridgework.followup.domain.messages import Templates
from bridgework.followup.domain.notice_messages import (
    NoticeReach,
    fire_notice_timers,
    write_notice_drafts,
)
from bridgework.followup.domain.notices import (
    NOTICE_EVENTS,
    NoticeKind,
    facilitator_timers,
    plan_notices,
)
from bridgework.followup.domain.nudge_policy import PolicyOf
from bridgework.followup.domain.nudges import FiredTimers
from bridgework.followup.domain.schedule import StoredTimer, TimerKind
from bridgework.followup.repository import contacts, notices, timers, webhooks
from bridgework.followup.settings import FollowupSettings


async def apply_notice_events(
    *, connection: Connection, events: Sequence[RepairEvent], clock: Clock
) -> None:
    """Fold a batch of repair events into notifications: consent asked, answered or no
    longer awaited; repairs that want a facilitator, or found one. A batch without such
    events costs nothing; one with RepairOpened reads the contacts who carry a role."""
    if not any(isinstance(event, NOTICE_EVENTS) for event in events):
        return
    now = clock.now()
    plan = plan_notices(events, now=now)
    new_timers = list(plan.consent_timers.values())
    if plan.wanting_facilitator:
        departments = {d for ds in plan.wanting_facilitator.values() for d in ds}
        people = await notices.finders_of_facilitators(connection, departments)
        new_timers += facilitator_timers(plan.wanting_facilitator, people, now=now)
    await notices.record_facilitators_found(connection, plan.facilitator_found, now=now)
    await notices.add_consent_requests(connection, list(plan.requests.values()))
    await notices.supersede_consent_requests(connection, plan.superseded)
    await notices.answer_consent_requests(connection, plan.answered)
    await notices.settle_consent_requests(connection, plan.settled)
    await timers.schedule(connection, new_timers, now=now)


async def fire_notices(
    connection: Connection,
    claimed: Sequence[StoredTimer],
    *,
    settings: FollowupSettings,
    policy_of: PolicyOf,
    now: datetime,
) -> FiredTimers:
    """Fire due notification timers (claimed by the caller) from the state as it stands."""
    if not claimed:
        return FiredTimers()
    people = {s.timer.recipient.person_id for s in claimed}
    return fire_notice_timers(
        claimed,
        repairs=await notices.repairs_at_hand(connection, {s.timer.repair_id for s in claimed}),
        awaiting=await notices.awaiting_consents(
            connection,
            {
                (s.timer.repair_id, s.timer.terms_version or 0, s.timer.recipient.person_id)
                for s in claimed
                if s.timer.kind == TimerKind.CONSENT_NEEDED
            },
        ),
        policy_of=policy_of,
        contacts=await contacts.contacts(connection, people),
        hooks=await webhooks.webhooks(connection, {s.timer.recipient.department for s in claimed}),
        reach=NoticeReach(
            email_enabled=settings.smtp_host is not None,
            reminder_after=settings.facilitator_reminder_after,
        ),
        now=now,
    )


async def write_notices(
    connection: Connection,
    jobs: Sequence[DeliveryJob],
    *,
    settings: FollowupSettings,
    policy_of: PolicyOf,
    templates: Templates,
) -> dict[int, Draft | None]:
    """The messages of leased notification deliveries, from the state as it is now."""
    if not jobs:
        return {}
    return write_notice_drafts(
        jobs,
        repairs=await notices.repairs_at_hand(connection, {j.repair_id for j in jobs}),
        awaiting=await notices.awaiting_consents(
            connection,
            {
                (j.repair_id, j.terms_version or 0, j.recipient.person_id)
                for j in jobs
                if j.kind == NoticeKind.CONSENT_NEEDED
            },
        ),
        contacts=await contacts.contacts(connection, {j.recipient.person_id for j in jobs}),
        hooks=await webhooks.webhooks(connection, {j.recipient.department for j in jobs}),
        policy_of=policy_of,
        templates=templates,
        gateway_url=settings.gateway_public_url,
    )
