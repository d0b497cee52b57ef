"""Delivering nudges: e-mail over SMTP (text and HTML), Slack-compatible webhooks.

Deliveries wait in the database. A worker leases a batch, writes each message from the
state as it is now (an erased contact gets nothing), sends them side by side with a timeout
each, and records the outcome: sent, retried later with exponential backoff, or failed after
`delivery_max_attempts`. One slow or failing server never holds up the others. Backoff and
leases run on the wall clock: they wait for a real server to recover, not for business time.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

import aiosmtplib
import httpx

from bridgework.common.clock import Clock
from bridgework.common.postgres import Pool
from bridgework.followup import repository
from bridgework.followup.domain import Commitment
from bridgework.followup.policy import NudgePolicy
from bridgework.followup.repository import Contact, DeliveryJob, Webhook
from bridgework.followup.service import policies
from bridgework.followup.settings import FollowupSettings
from bridgework.followup.templates import Message, Templates
from bridgework.followup.tokens import CheckInClaim, sign

logger = logging.getLogger(__name__)

Outcome = tuple[int, str, str | None, float | None]


class DeliveryError(Exception):
    """A channel refused or failed; worth another try later."""


class Undeliverable(Exception):  # noqa: N818 - a state, not a failure: nothing to retry
    """Nothing to deliver to (the contact or the webhook is gone)."""


@dataclass(frozen=True)
class Draft:
    """A written message and where it goes."""

    message: Message
    recipient_name: str
    email: str | None
    webhook_url: str | None


class Channels:
    """The adapters that actually send: SMTP and HTTP."""

    def __init__(self, settings: FollowupSettings, http: httpx.AsyncClient) -> None:
        self._settings = settings
        self._http = http

    async def email(self, draft: Draft, *, message_id: str, sent_at: datetime) -> None:
        settings = self._settings
        if settings.smtp_host is None or draft.email is None:
            raise Undeliverable("no e-mail channel")
        mail = EmailMessage()
        mail["From"] = settings.mail_from
        mail["To"] = formataddr((draft.recipient_name, draft.email))
        mail["Subject"] = draft.message.subject
        mail["Date"] = format_datetime(sent_at)
        mail["Message-ID"] = message_id  # stable per nudge: a resend can be recognised
        mail.set_content(draft.message.text)
        mail.add_alternative(draft.message.html, subtype="html")
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        try:
            await aiosmtplib.send(
                mail,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=password,
                use_tls=settings.smtp_security == "tls",
                start_tls=settings.smtp_security == "starttls",
                timeout=settings.delivery_timeout_seconds,
            )
        except (aiosmtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"SMTP: {type(error).__name__}: {error}") from error

    async def webhook(self, draft: Draft) -> None:
        if draft.webhook_url is None:
            raise Undeliverable("no webhook")
        try:
            response = await self._http.post(
                draft.webhook_url,
                json=slack_payload(draft.message),
                timeout=self._settings.delivery_timeout_seconds,
            )
        except httpx.HTTPError as error:
            raise DeliveryError(f"webhook: {type(error).__name__}: {error}") from error
        if response.status_code >= 300:
            raise DeliveryError(f"webhook answered {response.status_code}")


def slack_payload(message: Message) -> dict[str, Any]:
    """Slack's incoming-webhook JSON: `text` (which Mattermost and others read too) and blocks."""
    return {
        "text": f"*{message.subject}*\n\n{message.text}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": message.subject[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": message.text[:3000]}},
        ],
    }


def format_due(at: datetime, policy: NudgePolicy) -> str:
    local = at.astimezone(policy.zone)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M} ({policy.time_zone})"


@dataclass
class DeliveryWorker:
    """Sends due deliveries in batches; run one per process (replicas share the work)."""

    pool: Pool
    settings: FollowupSettings
    clock: Clock
    channels: Channels
    templates: Templates

    async def deliver_due(self) -> int:
        """Lease one batch, send it, record the outcomes; return how many were attempted."""
        settings = self.settings
        lease = settings.delivery_timeout_seconds * 3 + 5
        async with self.pool.acquire() as connection:
            jobs = await repository.claim_deliveries(
                connection, limit=settings.delivery_batch_size, lease_seconds=lease
            )
            if not jobs:
                return 0
            drafts = await self._drafts(jobs)
        outcomes = await asyncio.gather(*(self._attempt(job, drafts) for job in jobs))
        async with self.pool.acquire() as connection:
            await repository.record_deliveries(connection, outcomes)
        return len(jobs)

    async def _attempt(self, job: DeliveryJob, drafts: dict[int, Draft | None]) -> Outcome:
        draft = drafts.get(job.id)
        try:
            if draft is None:
                raise Undeliverable("nothing left to send about")
            if job.channel == "email":
                await self.channels.email(
                    draft,
                    message_id=f"<{job.nudge_id}@followup.bridgework.example.org>",
                    sent_at=self.clock.now(),
                )
            else:
                await self.channels.webhook(draft)
        except Undeliverable as gone:
            return (job.id, "cancelled", str(gone), None)
        except DeliveryError as error:
            if job.attempts >= self.settings.delivery_max_attempts:
                logger.warning("delivery %s (%s) failed for good: %s", job.id, job.channel, error)
                return (job.id, "failed", str(error), None)
            retry_in = min(
                self.settings.delivery_retry_base_seconds * 2 ** (job.attempts - 1),
                self.settings.delivery_retry_max_seconds,
            )
            logger.info(
                "delivery %s (%s) failed, retry in %.1fs: %s", job.id, job.channel, retry_in, error
            )
            return (job.id, "pending", str(error), retry_in)
        except Exception as error:  # a bug in one message must not stop the others
            logger.exception("delivery %s could not be written", job.id)
            return (job.id, "failed", f"{type(error).__name__}: {error}", None)
        return (job.id, "sent", None, None)

    async def _drafts(self, jobs: list[DeliveryJob]) -> dict[int, Draft | None]:
        async with self.pool.acquire() as connection:
            commitments = await repository.commitments_by_id(
                connection, [j.commitment_id for j in jobs if j.commitment_id]
            )
            people = {j.recipient.person_id for j in jobs} | {
                j.about_person_id for j in jobs if j.about_person_id
            }
            contacts = await repository.contacts(connection, people)
            hooks = await repository.webhooks(connection, {j.recipient.department for j in jobs})
            policy_of = await policies(connection, self.settings.default_policy())
            expiries = await repository.check_in_expiries(
                connection, [j.check_in_id for j in jobs if j.check_in_id]
            )
        drafts: dict[int, Draft | None] = {}
        for job in jobs:
            policy = policy_of(job.recipient)
            commitment = commitments.get(job.commitment_id) if job.commitment_id else None
            expires_at = expiries.get(job.check_in_id) if job.check_in_id else None
            if job.check_in_id is not None and expires_at is None:
                drafts[job.id] = None  # answered or withdrawn meanwhile: nothing left to ask
                continue
            contact = contacts.get(job.recipient.person_id)
            values = self._values(job, commitment, contact, contacts, policy)
            if expires_at is not None:
                values.update(self._link(job, expires_at, policy))
            name = job.kind
            if job.kind == "facilitator_support" and job.about_person_id:
                name = "facilitator_heads_up"
            hook = hooks.get(job.recipient.department)
            drafts[job.id] = Draft(
                message=self.templates.render(name, values),
                recipient_name=values["name"],
                email=contact.email if contact else None,
                webhook_url=_webhook_url(job, contact, hook),
            )
        return drafts

    @staticmethod
    def _values(
        job: DeliveryJob,
        commitment: Commitment | None,
        contact: Contact | None,
        contacts: dict[str, Contact],
        policy: NudgePolicy,
    ) -> dict[str, str]:
        about = contacts.get(job.about_person_id) if job.about_person_id else None
        return {
            "name": contact.display_name if contact else job.recipient.person_id,
            "action": commitment.action if commitment else "",
            "due": format_due(commitment.due_at, policy) if commitment else "",
            "owner_name": about.display_name if about else (job.about_person_id or ""),
        }

    def _link(self, job: DeliveryJob, expires_at: datetime, policy: NudgePolicy) -> dict[str, str]:
        assert job.check_in_id is not None
        secret = self.settings.check_in_secret.get_secret_value().encode()
        token = sign(CheckInClaim(job.check_in_id, expires_at), secret)
        return {
            "link": f"{self.settings.public_base_url}/v1/check-ins/{token}",
            "link_expires": format_due(expires_at, policy),
        }


def _webhook_url(job: DeliveryJob, contact: Contact | None, hook: Webhook | None) -> str | None:
    if contact is not None and contact.webhook_url:
        return contact.webhook_url
    if hook is not None and job.kind in hook.kinds:
        return hook.url
    return None
