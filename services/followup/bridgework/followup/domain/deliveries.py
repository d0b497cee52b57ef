"""Delivering a nudge over e-mail or a webhook: what to write, where it goes, and what a
failed attempt means (another try later with exponential backoff, or failed for good).

Deliveries hold neither address nor text: both are written from the state as it is when
sending, so an erased contact gets nothing and an answered check-in is not asked again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from bridgework.common.contracts import PersonRef
from bridgework.followup.domain.check_in_links import CheckInClaim, sign
from bridgework.followup.domain.contacts import Contact, Webhook, WebhookFormat
from bridgework.followup.domain.messages import Message, Templates, greeting
from bridgework.followup.domain.nudge_policy import NudgePolicy, PolicyOf
from bridgework.followup.domain.schedule import Commitment


@dataclass(frozen=True)
class DeliveryJob:
    """One claimed delivery with what is needed to write and address it."""

    id: int
    channel: str
    attempts: int
    nudge_id: UUID
    kind: str
    repair_id: UUID
    commitment_id: UUID | None
    recipient: PersonRef
    about_person_id: str | None
    check_in_id: UUID | None
    terms_version: int | None = None  # a consent notice's agreement version


@dataclass(frozen=True)
class Draft:
    """A written message and where it goes."""

    message: Message
    recipient_name: str
    email: str | None
    webhook_url: str | None
    webhook_format: WebhookFormat = "slack"


@dataclass(frozen=True)
class DeliveryOutcome:
    """How one attempt ended: `sent`, `cancelled`, `failed`, or `pending` again in `retry_in`."""

    id: int
    status: str
    error: str | None = None
    retry_in: float | None = None


@dataclass(frozen=True)
class Retries:
    """How often and how soon a failed delivery is tried again (seconds, wall clock)."""

    max_attempts: int
    base_seconds: float
    max_seconds: float


@dataclass(frozen=True)
class LinkSigning:
    """What a check-in link is made of: the public address and the signing key."""

    base_url: str
    secret: bytes


@dataclass(frozen=True)
class DeliveryRecord:
    """How the delivery of a nudge over one channel stands."""

    channel: str
    status: str
    attempts: int
    last_error: str | None
    delivered_at: datetime | None


@dataclass(frozen=True)
class NudgeRecord:
    """A nudge that went out, and how each of its deliveries stands."""

    nudge_id: UUID
    kind: str
    commitment_id: UUID | None
    terms_version: int | None
    recipient: PersonRef
    channels: tuple[str, ...]
    sent_at: datetime
    deliveries: tuple[DeliveryRecord, ...]


def format_due(at: datetime, policy: NudgePolicy) -> str:
    """A moment as the recipient reads it: in their department's time zone."""
    local = at.astimezone(policy.zone)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M} ({policy.time_zone})"


def check_in_url(base_url: str, token: str) -> str:
    """The address of the check-in page for a signed token."""
    return f"{base_url}/v1/check-ins/{token}"


def write_drafts(
    jobs: list[DeliveryJob],
    *,
    commitments: Mapping[UUID, Commitment],
    actions: Mapping[UUID, str],
    contacts: Mapping[str, Contact],
    hooks: Mapping[str, Webhook],
    policy_of: PolicyOf,
    expiries: Mapping[UUID, datetime],
    templates: Templates,
    links: LinkSigning,
) -> dict[int, Draft | None]:
    """Each job's message and address; None where nothing is left to send about."""
    drafts: dict[int, Draft | None] = {}
    for job in jobs:
        policy = policy_of(job.recipient)
        commitment = commitments.get(job.commitment_id) if job.commitment_id else None
        expires_at = expiries.get(job.check_in_id) if job.check_in_id else None
        if job.check_in_id is not None and expires_at is None:
            drafts[job.id] = None  # answered or withdrawn meanwhile: nothing left to ask
            continue
        contact = contacts.get(job.recipient.person_id)
        values = _values(job, commitment, contact, contacts, policy)
        # The action opened for this message only (sealed everywhere else); erased: none.
        values["action"] = actions.get(commitment.commitment_id, "") if commitment else ""
        if job.check_in_id is not None and expires_at is not None:
            token = sign(CheckInClaim(job.check_in_id, expires_at), links.secret)
            values["link"] = check_in_url(links.base_url, token)
            values["link_expires"] = format_due(expires_at, policy)
        name = job.kind
        if job.kind == "facilitator_support" and job.about_person_id:
            name = "facilitator_heads_up"
        target = webhook_target(job.kind, contact, hooks.get(job.recipient.department))
        drafts[job.id] = Draft(
            message=templates.render(name, values),
            recipient_name=contact.display_name if contact else "",
            email=contact.email if contact else None,
            webhook_url=target[0] if target else None,
            webhook_format=target[1] if target else "slack",
        )
    return drafts


def _values(
    job: DeliveryJob,
    commitment: Commitment | None,
    contact: Contact | None,
    contacts: Mapping[str, Contact],
    policy: NudgePolicy,
) -> dict[str, str]:
    about = contacts.get(job.about_person_id) if job.about_person_id else None
    return {
        "greeting": greeting(contact.display_name if contact else None),
        "name": contact.display_name if contact else "there",
        "due": format_due(commitment.due_at, policy) if commitment else "",
        "owner_name": about.display_name if about else (job.about_person_id or ""),
    }


def webhook_target(
    kind: str, contact: Contact | None, hook: Webhook | None
) -> tuple[str, WebhookFormat] | None:
    """Where and in which format a message is posted: a person's own webhook takes every
    kind; a department's only the kinds it chose."""
    if contact is not None and contact.webhook_url:
        return contact.webhook_url, contact.webhook_format
    if hook is not None and kind in hook.kinds:
        return hook.url, hook.format
    return None


def nothing_to_send(job: DeliveryJob, draft: Draft | None, *, email_enabled: bool) -> str | None:
    """Why an attempt is cancelled rather than made (the contact or the webhook is gone)."""
    if draft is None:
        return "nothing left to send about"
    if job.channel == "email" and (not email_enabled or draft.email is None):
        return "no e-mail channel"
    if job.channel != "email" and draft.webhook_url is None:
        return "no webhook"
    return None


def after_failure(job: DeliveryJob, error: str, retries: Retries) -> DeliveryOutcome:
    """A failed attempt: failed for good after `max_attempts`, else retried with backoff."""
    if job.attempts >= retries.max_attempts:
        return DeliveryOutcome(job.id, "failed", error)
    retry_in = min(retries.base_seconds * 2 ** (job.attempts - 1), retries.max_seconds)
    return DeliveryOutcome(job.id, "pending", error, retry_in)
