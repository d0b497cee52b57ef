"""Firing due timers: reminders, lapses and their offers, facilitator support, check-ins.

Replicas claim disjoint timers (FOR UPDATE SKIP LOCKED) and settle them before the
transaction ends, so each timer fires once however many replicas run.
"""

from __future__ import annotations

import logging
import secrets
from uuid import UUID

from bridgework.common.clock import Clock
from bridgework.common.metrics import TIMERS_DUE, TIMERS_FIRED
from bridgework.common.postgres import Pool
from bridgework.common.time_travel import catch_up
from bridgework.followup.domain.notice_messages import is_notice_timer, merged
from bridgework.followup.domain.nudge_policy import NudgePolicy
from bridgework.followup.domain.nudges import Reach, facilitators_of, fire_timers, recipients_of
from bridgework.followup.repository import (
    check_ins,
    commitments,
    contacts,
    nudges,
    repairs,
    timers,
    webhooks,
)
from bridgework.followup.settings import FollowupSettings
from bridgework.followup.use_cases.notices import fire_notices
from bridgework.followup.use_cases.policies import policies_in_force
from bridgework.followup.use_cases.publishing import publish

logger = logging.getLogger(__name__)


def random_check_in_id() -> UUID:
    """A check-in id no one can work out: 122 random bits from the OS's CSPRNG."""
    return UUID(bytes=secrets.token_bytes(16), version=4)


async def fire_due_timers(
    *, pool: Pool, clock: Clock, settings: FollowupSettings, defaults: NudgePolicy
) -> int:
    """Fire one batch of due timers in one transaction; return how many were claimed.

    When nothing is due (most polls), one cheap look without a transaction is all it costs.
    """
    async with pool.acquire() as connection:
        await catch_up(connection, clock)
        now = clock.now()
        if not await timers.any_due_timer(connection, now=now):
            TIMERS_DUE.set(0)
            return 0
        async with connection.transaction():
            claimed = await timers.claim_due_timers(
                connection, now=now, limit=settings.scheduler_batch_size
            )
            TIMERS_DUE.set(len(claimed))
            if not claimed:
                return 0
            # Notifications (consent, a facilitator needed) stand on other state: fired apart.
            notifying = [s for s in claimed if is_notice_timer(s)]
            nudging = [s for s in claimed if not is_notice_timer(s)]
            policy_of = await policies_in_force(connection, defaults)
            repair_ids = list({s.timer.repair_id for s in nudging})
            facilitators = facilitators_of(await repairs.participants(connection, repair_ids))
            reached = recipients_of(nudging, facilitators)
            fired = fire_timers(
                nudging,
                commitments=await commitments.commitments_by_id(
                    connection, [s.timer.commitment_id for s in nudging if s.timer.commitment_id]
                ),
                tracked=await repairs.tracked_repairs(connection, repair_ids),
                facilitators=facilitators,
                policy_of=policy_of,
                contacts=await contacts.contacts(connection, {p.person_id for p in reached}),
                hooks=await webhooks.webhooks(connection, {p.department for p in reached}),
                reach=Reach(
                    email_enabled=settings.smtp_host is not None,
                    check_in_link_ttl=settings.check_in_link_ttl,
                    new_check_in_id=random_check_in_id,
                ),
                now=now,
            )
            fired = merged(
                fired,
                await fire_notices(
                    connection, notifying, settings=settings, policy_of=policy_of, now=now
                ),
            )
            await timers.settle_timers(connection, fired.settled, now=now)
            await timers.postpone_timers(connection, fired.postponed)
            await commitments.record_lapses(connection, fired.lapsed)
            await timers.schedule(connection, fired.follow_ups, now=now)
            await check_ins.add_check_ins(connection, fired.check_ins)
            await nudges.add_nudges(connection, fired.nudges)
            await publish(connection, settings=settings, facts=fired.events, now=now)
    TIMERS_FIRED.inc(fired.count("fired"))
    logger.info(
        "timers: %d fired, %d skipped, %d waiting for a sending window",
        fired.count("fired"),
        fired.count("skipped"),
        len(fired.postponed),
    )
    return len(claimed)
