"""Planned changes in follow-up: tracked from intake's and agreements' streams, and the
nudges that keep an affected department's engagement ahead of go-live.

Sending is after the transaction that records a nudge (no transaction waits on a mail or
chat server), once: a failed send is logged, not retried (docs/followup.md, "Changes").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from bridgework.common.clock import Clock
from bridgework.common.contracts import ChangeFacts, ChangeUpdatedV1, ChangeWentLiveV1, Contract
from bridgework.common.contracts.engagements import (
    ChangeModeDecidedV1,
    DepartmentConsentedV1,
    DepartmentObjectedV1,
    EngagementAnsweredV1,
    EngagementRole,
    RepresentativeJoinedV1,
)
from bridgework.common.postgres import Connection, Pool
from bridgework.common.time_travel import catch_up
from bridgework.followup.clients.channels import DeliveryFailed
from bridgework.followup.domain.change_nudges import (
    ChangeNudge,
    TrackedChange,
    draft_of,
    engagement_nudges,
)
from bridgework.followup.domain.nudge_policy import NudgePolicy
from bridgework.followup.repository import changes
from bridgework.followup.settings import FollowupSettings
from bridgework.followup.use_cases.delivering import Sender
from bridgework.followup.use_cases.policies import policies_in_force

logger = logging.getLogger(__name__)


async def track_change_events(*, connection: Connection, facts: Sequence[Contract]) -> None:
    """Fold a batch of change and engagement facts, in the consumer's transaction."""
    recorded = [
        (f.revision if isinstance(f, ChangeUpdatedV1) else 1, _tracked(f))
        for f in facts
        if isinstance(f, ChangeFacts)
    ]
    went_live = [
        (f.change_id, f.went_live_at)
        for f in facts
        if isinstance(f, ChangeWentLiveV1 | ChangeModeDecidedV1)
    ]
    engaged = [
        (f.change_id, f.department, f.joined_at)
        for f in facts
        if isinstance(f, RepresentativeJoinedV1) and f.role is EngagementRole.REPRESENTATIVE
    ]
    engaged += [
        (f.change_id, f.department, f.answered_at)
        for f in facts
        if isinstance(f, EngagementAnsweredV1)
    ]
    engaged += [
        (f.change_id, f.department, f.consented_at)
        for f in facts
        if isinstance(f, DepartmentConsentedV1)
    ]
    engaged += [(f.change_id, f.department, f.objected_at) for f in facts
                if isinstance(f, DepartmentObjectedV1)]  # fmt: skip
    await changes.save_changes(connection, sorted(recorded, key=lambda r: (r[1].change_id, r[0])))
    await changes.mark_live(connection, sorted(went_live))
    await changes.mark_engaged(connection, sorted(engaged))


def _tracked(facts: ChangeFacts) -> TrackedChange:
    return TrackedChange(
        change_id=facts.change_id,
        title=facts.title,
        owner_department=facts.owner.department,
        affected_departments=tuple(facts.affected_departments),
        planned_go_live=facts.planned_go_live,
    )


async def nudge_before_go_live(
    *, pool: Pool, clock: Clock, settings: FollowupSettings, defaults: NudgePolicy, sender: Sender
) -> int:
    """Record and send the engagement nudges due now; return how many went out."""
    async with pool.acquire() as connection:
        await catch_up(connection, clock)
        now = clock.now()
        async with connection.transaction():
            coming = await changes.coming_changes(connection, now=now)
            if not coming:
                return 0
            ids = [c.change_id for c in coming]
            policy_of = await policies_in_force(connection, defaults)
            due = engagement_nudges(
                coming,
                engaged=await changes.engaged(connection, ids),
                sent=await changes.sent(connection, ids),
                leads=await changes.leads_of(
                    connection, {d for c in coming for d in c.affected_departments}
                ),
                policy_of=lambda department: policy_of.by_department.get(
                    department, policy_of.defaults
                ),
                email_enabled=settings.smtp_host is not None,
                now=now,
            )
            recorded = await changes.record_nudges(connection, due, now=now)
    sent = await asyncio.gather(*(_send(n, settings, clock, sender) for n in recorded))
    return sum(sent)


async def _send(
    nudge: ChangeNudge, settings: FollowupSettings, clock: Clock, sender: Sender
) -> int:
    draft = draft_of(nudge, gateway_url=settings.gateway_public_url)
    change_id, department, _, kind = nudge.key
    try:
        if "email" in nudge.channels:
            await sender.email(
                draft,
                message_id=f"<{kind}.{change_id}.{department}@followup.bridgework.example.org>",
                sent_at=clock.now(),
            )
        if "webhook" in nudge.channels:
            await sender.webhook(draft)
    except DeliveryFailed as error:
        # Ids only: the error may quote an address, the contact is personal data.
        logger.warning("change nudge %s for %s not delivered: %s", change_id, department,
                       type(error).__name__)  # fmt: skip
        return 0
    return 1
