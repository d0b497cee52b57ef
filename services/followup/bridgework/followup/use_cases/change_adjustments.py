"""Reminders of adjustments due before a change's go-live: tracked from agreements'
AdjustmentsAgreed and ChangeCommitmentKept, recorded and sent like the engagement nudges
(use_cases/changes.py): once, after the transaction; a failed send is logged, not retried."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from bridgework.common.clock import Clock
from bridgework.common.contracts import Contract
from bridgework.common.contracts.engagements import AdjustmentsAgreedV1, ChangeCommitmentKeptV1
from bridgework.common.postgres import Connection, Pool
from bridgework.common.time_travel import catch_up
from bridgework.followup.clients.channels import DeliveryFailed
from bridgework.followup.domain.change_adjustments import (
    AdjustmentReminder,
    AgreedAdjustment,
    adjustment_reminders,
    draft_of_reminder,
)
from bridgework.followup.domain.nudge_policy import NudgePolicy
from bridgework.followup.repository import change_adjustments as rows
from bridgework.followup.repository.changes import coming_changes, leads_of
from bridgework.followup.settings import FollowupSettings
from bridgework.followup.use_cases.delivering import Sender
from bridgework.followup.use_cases.policies import policies_in_force

logger = logging.getLogger(__name__)


async def track_adjustment_events(*, connection: Connection, facts: Sequence[Contract]) -> None:
    """Fold agreed adjustments and kept ones, in the changes consumer's transaction."""
    agreed = [
        (f.change_id, f.version, AgreedAdjustment(
            commitment_id=a.commitment_id, terms_version=a.terms_version, kind=a.kind.value,
            owner_department=a.owner.department, owed_to=tuple(a.owed_to_departments),
            due_at=a.due_at,
        ))
        for f in facts if isinstance(f, AdjustmentsAgreedV1)
        for a in f.adjustments
    ]  # fmt: skip
    kept = [
        (f.change_id, f.commitment_id, f.terms_version, f.kept_at)
        for f in facts
        if isinstance(f, ChangeCommitmentKeptV1)
    ]
    await rows.save_agreed(
        connection, sorted(agreed, key=lambda r: (r[0], r[2].commitment_id, r[1]))
    )
    await rows.save_kept(connection, sorted(kept))


async def remind_before_go_live(
    *, pool: Pool, clock: Clock, settings: FollowupSettings, defaults: NudgePolicy, sender: Sender
) -> int:
    """Record and send the adjustment reminders due now; return how many went out."""
    async with pool.acquire() as connection:
        await catch_up(connection, clock)
        now = clock.now()
        async with connection.transaction():
            coming = await coming_changes(connection, now=now)
            open_ones = await rows.open_adjustments(connection, coming) if coming else {}
            if not open_ones:
                return 0
            pairs = [(c, open_ones[c.change_id]) for c in coming if c.change_id in open_ones]
            adjustments = [a for _, found in pairs for a in found]
            policies = await policies_in_force(connection, defaults)
            due = adjustment_reminders(
                pairs,
                sent=await rows.sent(connection, [a.commitment_id for a in adjustments]),
                leads=await leads_of(connection, {a.owner_department for a in adjustments}),
                policy_of=lambda d: policies.by_department.get(d, policies.defaults),
                email_enabled=settings.smtp_host is not None,
                now=now,
            )
            recorded = await rows.record_reminders(connection, due, now=now)
    sent = await asyncio.gather(*(_send(r, settings, clock, sender) for r in recorded))
    return sum(sent)


async def _send(
    reminder: AdjustmentReminder, settings: FollowupSettings, clock: Clock, sender: Sender
) -> int:
    draft = draft_of_reminder(reminder, gateway_url=settings.gateway_public_url)
    commitment_id, terms_version, _ = reminder.key
    try:
        if "email" in reminder.channels:
            await sender.email(
                draft,
                message_id=f"<adjustment-due.{commitment_id}.{terms_version}"
                "@followup.bridgework.example.org>",
                sent_at=clock.now(),
            )
        if "webhook" in reminder.channels:
            await sender.webhook(draft)
    except DeliveryFailed as error:
        # Ids only: the error may quote an address, the contact is personal data.
        logger.warning("adjustment reminder %s not delivered: %s", commitment_id,
                       type(error).__name__)  # fmt: skip
        return 0
    return 1
