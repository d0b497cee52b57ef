"""Follow-up's HTTP API: every request and response model, and nothing else.

Client errors answer `{"error": code, "detail": sentence}` (`ErrorBody`), invalid requests
the common `{"error": "validation_failed", "fields": [...]}`.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core.core_schema import ValidationInfo

from bridgework.common.contracts import CheckInOutcome, DepartmentSlug, FreeText, PersonRef
from bridgework.followup.domain.contacts import Contact, ContactRole, Webhook, WebhookFormat
from bridgework.followup.domain.deliveries import NudgeRecord
from bridgework.followup.domain.notices import PERSONAL_KINDS, ChannelKind
from bridgework.followup.domain.nudge_policy import (
    DepartmentPolicy,
    NudgePolicy,
    Weekday,
    is_known_time_zone,
)
from bridgework.followup.domain.schedule import Commitment, ScheduledTimer, TrackedRepair


class ErrorBody(BaseModel):
    error: str
    detail: str


class CommitmentOut(BaseModel):
    commitment_id: UUID
    terms_version: int
    owner: PersonRef
    # No action: it is sealed, and follow-up opens it only to write a message.
    due_at: datetime
    status: str
    lapse_count: int

    @classmethod
    def of(cls, commitment: Commitment) -> CommitmentOut:
        """The answer that shows a stored value."""
        return cls(
            commitment_id=commitment.commitment_id,
            terms_version=commitment.terms_version,
            owner=commitment.owner,
            due_at=commitment.due_at,
            status=commitment.status.value,
            lapse_count=commitment.lapse_count,
        )


class TimerOut(BaseModel):
    kind: str
    commitment_id: UUID | None
    terms_version: int | None
    recipient: PersonRef
    sequence: int
    fire_at: datetime
    status: str
    outcome: str | None

    @classmethod
    def of(cls, scheduled: ScheduledTimer) -> TimerOut:
        """The answer that shows a stored value."""
        timer = scheduled.timer
        return cls(
            kind=timer.kind.value,
            commitment_id=timer.commitment_id,
            terms_version=timer.terms_version,
            recipient=timer.recipient,
            sequence=timer.sequence,
            fire_at=timer.fire_at,
            status=scheduled.status,
            outcome=scheduled.outcome,
        )


class TrackedRepairOut(BaseModel):
    repair_id: UUID
    opened_at: datetime
    departments: list[str]
    closed_at: datetime | None
    commitments: list[CommitmentOut]
    schedule: list[TimerOut]

    @classmethod
    def of(
        cls,
        tracked: TrackedRepair,
        commitments: list[Commitment],
        schedule: list[ScheduledTimer],
    ) -> TrackedRepairOut:
        """The answer that shows a stored value."""
        return cls(
            repair_id=tracked.repair_id,
            opened_at=tracked.opened_at,
            departments=list(tracked.departments),
            closed_at=tracked.closed_at,
            commitments=[CommitmentOut.of(c) for c in commitments],
            schedule=[TimerOut.of(t) for t in schedule],
        )


class DeliveryOut(BaseModel):
    channel: str
    status: str
    attempts: int
    last_error: str | None
    delivered_at: datetime | None


class NudgeOut(BaseModel):
    nudge_id: UUID
    kind: str
    commitment_id: UUID | None
    terms_version: int | None
    recipient: PersonRef
    channels: list[str]
    sent_at: datetime
    deliveries: list[DeliveryOut]

    @classmethod
    def of(cls, nudge: NudgeRecord) -> NudgeOut:
        """The answer that shows a stored value."""
        return cls(
            nudge_id=nudge.nudge_id,
            kind=nudge.kind,
            commitment_id=nudge.commitment_id,
            terms_version=nudge.terms_version,
            recipient=nudge.recipient,
            channels=list(nudge.channels),
            sent_at=nudge.sent_at,
            deliveries=[
                DeliveryOut(
                    channel=d.channel,
                    status=d.status,
                    attempts=d.attempts,
                    last_error=d.last_error,
                    delivered_at=d.delivered_at,
                )
                for d in nudge.deliveries
            ],
        )


class CheckInAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: CheckInOutcome
    comment: FreeText | None = None


class CheckInRecordedOut(BaseModel):
    check_in_id: UUID
    outcome: CheckInOutcome
    recorded_at: datetime


class QuietHours(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: time = Field(description="Local time quiet hours begin, e.g. `18:00`.")
    end: time = Field(description="Local time they end, e.g. `08:00` (may be the next day).")


class PolicyOverridesIn(BaseModel):
    """A department's overrides; a field left out follows the defaults. `quiet_hours: null`
    means no quiet hours. Durations are ISO 8601 (`P2D`, `PT12H`) or seconds."""

    model_config = ConfigDict(extra="forbid")

    lead_time: timedelta | None = Field(
        default=None, description="How long before the due date the reminder goes out."
    )
    repeat_interval: timedelta | None = Field(
        default=None, description="Time between repeated offers after a lapse."
    )
    quiet_hours: QuietHours | None = None
    working_days: list[Weekday] | None = Field(default=None, min_length=1)
    time_zone: str | None = Field(default=None, description="IANA name, e.g. `Europe/London`.")
    check_in_delay: timedelta | None = Field(
        default=None, description="Wait after the last commitment settles before the check-in."
    )
    lapse_offer_repeats: int | None = Field(default=None, ge=0, le=10)
    engagement_lead_time: timedelta | None = None

    @field_validator("lead_time", "engagement_lead_time")
    @classmethod
    def _lead_time(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and not timedelta(minutes=1) <= value <= timedelta(days=90):
            raise ValueError("must be between one minute and 90 days")
        return value

    @field_validator("repeat_interval")
    @classmethod
    def _repeat(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and not timedelta(hours=1) <= value <= timedelta(days=90):
            raise ValueError("must be between one hour and 90 days")
        return value

    @field_validator("check_in_delay")
    @classmethod
    def _delay(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and not timedelta(0) <= value <= timedelta(days=90):
            raise ValueError("must be between zero and 90 days")
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None and not is_known_time_zone(value):
            raise ValueError(f"unknown time zone {value!r}")
        return value

    @model_validator(mode="after")
    def _only_quiet_hours_may_be_null(self) -> PolicyOverridesIn:
        nulls = [
            name
            for name in self.model_fields_set
            if getattr(self, name) is None and name != "quiet_hours"
        ]
        if nulls:
            raise ValueError(f"leave out rather than null: {', '.join(sorted(nulls))}")
        return self

    def as_policy_fields(self) -> dict[str, Any]:
        """The policy fields this body sets, by `NudgePolicy` name."""
        fields: dict[str, Any] = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            if name == "quiet_hours":
                fields["quiet_hours_start"] = value.start if value else None
                fields["quiet_hours_end"] = value.end if value else None
            elif name == "working_days":
                fields[name] = frozenset(value)
            else:
                fields[name] = value
        return fields


class PolicyOut(BaseModel):
    lead_time: timedelta
    repeat_interval: timedelta
    quiet_hours: QuietHours | None
    working_days: list[Weekday]
    time_zone: str
    check_in_delay: timedelta
    lapse_offer_repeats: int
    engagement_lead_time: timedelta

    @classmethod
    def of(cls, policy: NudgePolicy) -> PolicyOut:
        """The answer that shows a stored value."""
        start, end = policy.quiet_hours_start, policy.quiet_hours_end
        quiet = QuietHours(start=start, end=end) if start is not None and end is not None else None
        return cls(
            lead_time=policy.lead_time,
            repeat_interval=policy.repeat_interval,
            quiet_hours=quiet,
            working_days=sorted(policy.working_days, key=lambda d: d.iso),
            time_zone=policy.time_zone,
            check_in_delay=policy.check_in_delay,
            lapse_offer_repeats=policy.lapse_offer_repeats,
            engagement_lead_time=policy.engagement_lead_time,
        )


class DepartmentPolicyOut(BaseModel):
    department: str
    overridden: list[str] = Field(description="The fields this department set itself.")
    effective: PolicyOut

    @classmethod
    def of(cls, policy: DepartmentPolicy) -> DepartmentPolicyOut:
        """The answer that shows a stored value."""
        return cls(
            department=policy.department,
            overridden=policy.overridden,
            effective=PolicyOut.of(policy.effective),
        )


DEFAULT_WEBHOOK_KINDS = [
    ChannelKind.REMINDER,
    ChannelKind.LAPSE_OFFER,
    ChannelKind.FACILITATOR_SUPPORT,
]
FORMAT = "`slack`, `teams` (an Adaptive Card for a Workflows webhook) or `mattermost`."


class WebhookIn(BaseModel):
    """A department's incoming webhook, in the format its chat reads. Check-ins and consent
    requests are personal and never go to a department's channel (see contacts)."""

    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl
    kinds: list[ChannelKind] = Field(default_factory=lambda: list(DEFAULT_WEBHOOK_KINDS))
    format: WebhookFormat = Field(default="slack", description=FORMAT)

    def of_department(self, department: str) -> Webhook:
        """The webhook as stored: its kinds sorted, once each."""
        kinds = tuple(sorted({k.value for k in self.kinds}))
        return Webhook(department, str(self.url), kinds, self.format)

    @field_validator("kinds")
    @classmethod
    def _no_personal_links_in_shared_channels(cls, kinds: list[ChannelKind]) -> list[ChannelKind]:
        if set(kinds) & set(PERSONAL_KINDS):
            raise ValueError("check-ins and consent requests are personal: not for a department")
        return kinds


class WebhookOut(BaseModel):
    department: str
    url: str
    kinds: list[str]
    format: str

    @classmethod
    def of(cls, webhook: Webhook) -> WebhookOut:
        """The answer that shows a stored value."""
        return cls.model_validate(webhook, from_attributes=True)


_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    webhook_url: AnyHttpUrl | None = Field(
        default=None, description="An incoming webhook into a channel of this person's own."
    )
    webhook_format: WebhookFormat = Field(default="slack", description=FORMAT)
    department: DepartmentSlug | None = Field(default=None, description="The person's own.")
    roles: list[ContactRole] = Field(
        default_factory=list,
        description="Told when a repair waits for a facilitator: `department_lead` (of their"
        " `department`, when it is involved), `change_team` (every repair).",
    )

    @field_validator("roles")
    @classmethod
    def _a_role_names_the_department(
        cls, value: list[ContactRole], info: ValidationInfo
    ) -> list[ContactRole]:
        if value and not info.data.get("department"):
            raise ValueError("a contact with a role names their department")
        return sorted(set(value))

    @field_validator("display_name")
    @classmethod
    def _printable(cls, value: str) -> str:
        value = value.strip()
        if not value or any(ch in value for ch in "\r\n"):
            raise ValueError("a name on one line")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value

    def of_person(self, person_id: str) -> Contact:
        """The contact details as stored."""
        return Contact(
            person_id=person_id,
            display_name=self.display_name,
            email=self.email,
            webhook_url=str(self.webhook_url) if self.webhook_url else None,
            webhook_format=self.webhook_format,
            department=self.department,
            roles=tuple(self.roles),
        )


class ContactOut(BaseModel):
    person_id: str
    display_name: str
    email: str | None
    webhook_url: str | None
    webhook_format: str
    department: str | None
    roles: list[str]

    @classmethod
    def of(cls, contact: Contact) -> ContactOut:
        """The answer that shows a stored value."""
        return cls.model_validate(contact, from_attributes=True)
