"""Facts from follow-up about planned changes, published on `<namespace>.followups`, keyed by
change id (a change's facts share its key, as on the changes and engagements streams)."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from bridgework.common.contracts.base import Contract, DepartmentSlug, PersonRef, Stream
from bridgework.common.contracts.followups import CheckInOutcome
from bridgework.common.contracts.sealed import Sealed


class ChangeFollowupEvent(Contract):
    stream: ClassVar[Stream] = "followups"

    change_id: UUID

    def subject(self) -> str:
        return str(self.change_id)


class ChangeCheckInRecordedV1(ChangeFollowupEvent):
    """After go-live, an affected department's lead answered "is it working for you?"
    (once per department: the first lead's answer is the department's)."""

    event_type: ClassVar[str] = "bridgework.followup.change-check-in-recorded.v1"

    check_in_id: UUID
    department: DepartmentSlug = Field(description="The affected department answering.")
    participant: PersonRef = Field(description="The department lead who answered.")
    outcome: CheckInOutcome
    comment: Sealed | None = Field(
        default=None, description="Sealed with the key of (the participant, the change)."
    )
    recorded_at: AwareDatetime
