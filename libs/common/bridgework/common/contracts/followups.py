"""Facts from follow-up, published on `<namespace>.followups`, keyed by repair id."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from bridgework.common.contracts.base import Contract, PersonRef, Stream
from bridgework.common.contracts.sealed import Sealed


class FollowupEvent(Contract):
    stream: ClassVar[Stream] = "followups"

    repair_id: UUID

    def subject(self) -> str:
        return str(self.repair_id)


class CommitmentLapsedV1(FollowupEvent):
    """A commitment's due date passed without it being kept."""

    event_type: ClassVar[str] = "bridgework.followup.commitment-lapsed.v1"

    agreement_id: UUID
    commitment_id: UUID
    terms_version: int = Field(ge=1)
    owner: PersonRef
    due_at: AwareDatetime
    lapsed_at: AwareDatetime
    lapse_count: int = Field(ge=1, description="How often this commitment has lapsed, all terms.")


class NudgeKind(StrEnum):
    REMINDER = "reminder"
    LAPSE_OFFER = "lapse_offer"
    FACILITATOR_SUPPORT = "facilitator_support"
    CHECK_IN = "check_in"


class Channel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"
    EVENT = "event"


class NudgeSentV1(FollowupEvent):
    """A supportive message went out (never an escalation)."""

    event_type: ClassVar[str] = "bridgework.followup.nudge-sent.v1"

    nudge_id: UUID
    kind: NudgeKind
    commitment_id: UUID | None = None
    terms_version: int | None = None
    recipient: PersonRef
    channels: list[Channel] = Field(min_length=1)
    sent_at: AwareDatetime


class CheckInOutcome(StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"


class CheckInRecordedV1(FollowupEvent):
    """An affected person answered whether things were made right."""

    event_type: ClassVar[str] = "bridgework.followup.check-in-recorded.v1"

    check_in_id: UUID
    participant: PersonRef
    outcome: CheckInOutcome
    comment: Sealed | None = Field(default=None, description="Sealed with the participant's key.")
    recorded_at: AwareDatetime
