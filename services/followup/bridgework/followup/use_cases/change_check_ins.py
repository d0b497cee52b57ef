"""The check-in after a change went live: asking each affected department's leads, and
recording the department's answer once, published as ChangeCheckInRecorded.

Asking mirrors the engagement nudges (use_cases/changes.py): stored in a transaction, sent
after it, once; a failed send is logged, not retried (docs/followup.md, "Changes").
"""

from __future__ import annotations

import asyncio
import logging
from uuid import UUID, uuid4

from bridgework.common.clock import Clock
from bridgework.common.contracts import CheckInOutcome
from bridgework.common.contracts.changes_followup import ChangeCheckInRecordedV1
from bridgework.common.postgres import Pool
from bridgework.common.privacy import KeyStore, seal
from bridgework.common.time_travel import catch_up
from bridgework.followup.clients.channels import DeliveryFailed
from bridgework.followup.domain.change_check_ins import (
    ChangeCheckIn,
    ChangeCheckInAsk,
    change_check_ins_due,
    department_answered,
    draft_of_check_in,
    ensure_change_answerable,
)
from bridgework.followup.domain.check_ins import already_answered
from bridgework.followup.domain.nudge_policy import NudgePolicy
from bridgework.followup.repository import change_check_ins as rows
from bridgework.followup.repository.change_check_ins import Answered
from bridgework.followup.repository.changes import leads_of
from bridgework.followup.settings import FollowupSettings
from bridgework.followup.use_cases.delivering import Sender
from bridgework.followup.use_cases.policies import policies_in_force
from bridgework.followup.use_cases.publishing import publish

logger = logging.getLogger(__name__)


async def ask_after_go_live(
    *, pool: Pool, clock: Clock, settings: FollowupSettings, defaults: NudgePolicy, sender: Sender
) -> int:
    """Record and send the change check-ins due now; return how many went out."""
    async with pool.acquire() as connection:
        await catch_up(connection, clock)
        now = clock.now()
        async with connection.transaction():
            live = await rows.changes_to_check_in(
                connection,
                now=now,
                delay=settings.change_check_in_delay,
                ttl=settings.check_in_link_ttl,
            )
            if not live:
                return 0
            asked, answered = await rows.asked_and_answered(connection, [c.change_id for c in live])
            policies = await policies_in_force(connection, defaults)
            due = change_check_ins_due(
                live,
                asked=asked,
                answered=answered,
                leads=await leads_of(connection, {d for c in live for d in c.affected_departments}),
                policy_of=lambda d: policies.by_department.get(d, policies.defaults),
                email_enabled=settings.smtp_host is not None,
                delay=settings.change_check_in_delay,
                ttl=settings.check_in_link_ttl,
                now=now,
                new_id=uuid4,
            )
            recorded = await rows.record_asks(connection, due)
    sent = await asyncio.gather(*(_send(ask, settings, clock, sender) for ask in recorded))
    return sum(sent)


async def _send(
    ask: ChangeCheckInAsk, settings: FollowupSettings, clock: Clock, sender: Sender
) -> int:
    draft = draft_of_check_in(
        ask,
        base_url=settings.public_base_url,
        secret=settings.check_in_secret.get_secret_value().encode(),
    )
    try:
        if "email" in ask.channels:
            await sender.email(
                draft,
                message_id=f"<change-check-in.{ask.check_in_id}@followup.bridgework.example.org>",
                sent_at=clock.now(),
            )
        if "webhook" in ask.channels:
            await sender.webhook(draft)
    except DeliveryFailed as error:
        # Ids only: the error may quote an address, the contact is personal data.
        logger.warning("change check-in %s for %s not delivered: %s", ask.change.change_id,
                       ask.department, type(error).__name__)  # fmt: skip
        return 0
    return 1


async def change_check_in_of(*, pool: Pool, check_in_id: UUID) -> ChangeCheckIn | None:
    """A change check-in and where it stands; None if there is none."""
    async with pool.acquire() as connection, connection.transaction():
        return await rows.get_change_check_in(connection, check_in_id)


async def answer_change_check_in(
    *,
    pool: Pool,
    settings: FollowupSettings,
    clock: Clock,
    check_in_id: UUID,
    outcome: CheckInOutcome,
    comment: str | None,
    keys: KeyStore,
) -> ChangeCheckInRecordedV1:
    """Record the department's answer once and publish it; the comment is sealed with the
    key of (the lead, the change) first, so neither the row nor the event holds it plain."""
    async with pool.acquire() as connection, connection.transaction():
        now = clock.now()
        asked = ensure_change_answerable(
            await rows.get_change_check_in(connection, check_in_id), now=now
        )
        sealed = None
        if comment is not None:
            key = await keys.key_for(
                connection, person_id=asked.person.person_id, repair_id=asked.change_id
            )
            sealed = seal(key, comment)
        result = await rows.answer_change_check_in(
            connection, asked, outcome=outcome.value, comment=sealed, answered_at=now
        )
        if result is Answered.NOT_ASKED:
            raise already_answered()
        if result is Answered.DEPARTMENT_ANSWERED:
            raise department_answered()
        recorded = ChangeCheckInRecordedV1(
            change_id=asked.change_id,
            check_in_id=check_in_id,
            department=asked.department,
            participant=asked.person,
            outcome=outcome,
            comment=sealed,
            recorded_at=now,
        )
        await publish(connection, settings=settings, facts=[recorded], now=now)
    return recorded
