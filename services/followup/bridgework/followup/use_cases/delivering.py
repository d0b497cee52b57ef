"""Delivering nudges by e-mail and webhook, with retries of a failed delivery.

Two short transactions, on purpose: one leases a batch and writes its messages, the other
records the outcomes; no transaction stays open while a mail or chat server answers. The
messages go out side by side, so one slow or failing server never holds up the others.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Protocol

from bridgework.common.clock import Clock
from bridgework.common.metrics import NUDGE_DELIVERIES
from bridgework.common.postgres import Pool
from bridgework.common.privacy import KeyStore, Unsealer
from bridgework.followup.clients.channels import DeliveryFailed
from bridgework.followup.domain.deliveries import (
    DeliveryJob,
    DeliveryOutcome,
    Draft,
    LinkSigning,
    Retries,
    after_failure,
    nothing_to_send,
    write_drafts,
)
from bridgework.followup.domain.messages import Templates
from bridgework.followup.domain.notice_messages import is_notice_job
from bridgework.followup.repository import check_ins, commitments, contacts, deliveries, webhooks
from bridgework.followup.settings import FollowupSettings
from bridgework.followup.use_cases.notices import write_notices
from bridgework.followup.use_cases.policies import default_policy, policies_in_force

logger = logging.getLogger(__name__)


class Sender(Protocol):
    """What sends a written message: `clients.channels.Channels`, or a stand-in."""

    async def email(self, draft: Draft, *, message_id: str, sent_at: datetime) -> None: ...

    async def webhook(self, draft: Draft) -> None: ...


async def deliver_due_nudges(
    *,
    pool: Pool,
    settings: FollowupSettings,
    clock: Clock,
    sender: Sender,
    templates: Templates,
    keys: KeyStore,
) -> int:
    """Lease one batch, send it, record the outcomes; return how many were attempted."""
    leased = await lease_due_deliveries(
        pool=pool, settings=settings, templates=templates, keys=keys
    )
    if not leased:
        return 0
    outcomes = await asyncio.gather(
        *(
            _attempt(job, draft, settings=settings, clock=clock, sender=sender)
            for job, draft in leased
        )
    )
    await record_delivery_outcomes(pool=pool, outcomes=outcomes)
    for (job, _), outcome in zip(leased, outcomes, strict=True):
        NUDGE_DELIVERIES.labels(job.channel, _COUNTED_AS.get(outcome.status, "failed")).inc()
    return len(leased)


# An outcome's status as the metrics count it: a failure that will be retried is "retrying".
_COUNTED_AS = {"sent": "sent", "cancelled": "cancelled", "pending": "retrying", "failed": "failed"}


async def lease_due_deliveries(
    *, pool: Pool, settings: FollowupSettings, templates: Templates, keys: KeyStore
) -> list[tuple[DeliveryJob, Draft | None]]:
    """Lease due deliveries to this worker and write each one's message from the state as it
    is now (None: nothing left to send about). A commitment's action is opened here, for the
    message only: it is never stored in plain (an erased one is left out)."""
    lease = settings.delivery_timeout_seconds * 3 + 5
    async with pool.acquire() as connection, connection.transaction():
        jobs = await deliveries.claim_deliveries(
            connection, limit=settings.delivery_batch_size, lease_seconds=lease
        )
        if not jobs:
            return []
        people = {j.recipient.person_id for j in jobs} | {
            j.about_person_id for j in jobs if j.about_person_id
        }
        about = await commitments.commitments_by_id(
            connection, [j.commitment_id for j in jobs if j.commitment_id]
        )
        texts = await Unsealer.load(connection, keys, (c.action for c in about.values()))
        actions = {
            commitment_id: text
            for commitment_id, c in about.items()
            if (text := texts.text(c.action)) is not None
        }
        policy_of = await policies_in_force(connection, default_policy(settings))
        drafts = write_drafts(
            [j for j in jobs if not is_notice_job(j)],
            commitments=about,
            actions=actions,
            contacts=await contacts.contacts(connection, people),
            hooks=await webhooks.webhooks(connection, {j.recipient.department for j in jobs}),
            policy_of=policy_of,
            expiries=await check_ins.check_in_expiries(
                connection, [j.check_in_id for j in jobs if j.check_in_id]
            ),
            templates=templates,
            links=LinkSigning(
                base_url=settings.public_base_url,
                secret=settings.check_in_secret.get_secret_value().encode(),
            ),
        )
        notices = [j for j in jobs if is_notice_job(j)]
        drafts |= await write_notices(
            connection, notices, settings=settings, policy_of=policy_of, templates=templates
        )
    return [(job, drafts.get(job.id)) for job in jobs]


async def record_delivery_outcomes(*, pool: Pool, outcomes: list[DeliveryOutcome]) -> None:
    """Record how each attempt went: sent, retried later, failed for good, or cancelled."""
    async with pool.acquire() as connection, connection.transaction():
        await deliveries.record_deliveries(connection, outcomes)


async def _attempt(
    job: DeliveryJob,
    draft: Draft | None,
    *,
    settings: FollowupSettings,
    clock: Clock,
    sender: Sender,
) -> DeliveryOutcome:
    gone = nothing_to_send(job, draft, email_enabled=settings.smtp_host is not None)
    if gone is not None or draft is None:
        return DeliveryOutcome(job.id, "cancelled", gone)
    try:
        if job.channel == "email":
            await sender.email(
                draft,
                message_id=f"<{job.nudge_id}@followup.bridgework.example.org>",
                sent_at=clock.now(),
            )
        else:
            await sender.webhook(draft)
    except DeliveryFailed as error:
        outcome = after_failure(job, str(error), _retries(settings))
        if outcome.status == "failed":
            logger.warning("delivery %s (%s) failed for good: %s", job.id, job.channel, error)
        else:
            logger.info(
                "delivery %s (%s) failed, retry in %.1fs: %s",
                job.id,
                job.channel,
                outcome.retry_in,
                error,
            )
        return outcome
    except Exception as error:  # a bug in one message must not stop the others
        # The type only: an exception's message may quote an address or a webhook URL.
        logger.error(
            "delivery %s (%s) could not be sent: %s", job.id, job.channel, type(error).__name__
        )
        return DeliveryOutcome(job.id, "failed", type(error).__name__)
    return DeliveryOutcome(job.id, "sent")


def _retries(settings: FollowupSettings) -> Retries:
    return Retries(
        max_attempts=settings.delivery_max_attempts,
        base_seconds=settings.delivery_retry_base_seconds,
        max_seconds=settings.delivery_retry_max_seconds,
    )
