"""Facts about the engagement of planned changes, published by agreements on
`<namespace>.engagements`, keyed by change id.

A stream of its own rather than `repairs`: the repairs stream is keyed by repair id, and every
event of one change must share its key so consumers see a change's engagement in order.
Confidential texts (answers, objections, adjustments' actions) travel sealed with the key of
(the person, the change).
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from bridgework.common.contracts.base import (
    Contract,
    DepartmentSlug,
    PersonRef,
    ResponseMode,
    Stream,
)
from bridgework.common.contracts.changes import ChangeKind
from bridgework.common.contracts.sealed import Sealed


class EngagementRole(StrEnum):
    """Who takes part in a change's engagement: its owner's side, or an affected department's."""

    OWNER = "owner"
    REPRESENTATIVE = "representative"


class EngagementQuestion(StrEnum):
    """The proactive questions each affected department's representatives answer."""

    WHAT_CHANGES_FOR_YOU = "what_changes_for_you"
    WHAT_WORRIES_YOU = "what_worries_you"
    WHAT_WOULD_MAKE_IT_WORK = "what_would_make_it_work"


class AdjustmentKind(StrEnum):
    """What an adjustment promises (docs/agreements.md, "Changes")."""

    NOTICE = "notice"  # notice given ahead of go-live
    ALTERNATIVE = "alternative"  # an approved alternative for what the change takes away
    TESTERS = "testers"  # testers nominated from the department
    DATA_MOVED = "data_moved"  # data moved by a date
    OTHER = "other"


class DepartmentStanding(StrEnum):
    """Where an affected department stood when the change went live."""

    CONSENTED = "consented"  # consented to the version current at go-live
    OBJECTED = "objected"  # its latest word on that version was an objection
    ENGAGED = "engaged"  # a representative took part, but no consent to the current version
    TOLD = "told"  # known to be affected before go-live, nobody from it took part
    NOT_TOLD = "not_told"  # first named as affected at or after go-live


class EngagementEvent(Contract):
    stream: ClassVar[Stream] = "engagements"

    change_id: UUID

    def subject(self) -> str:
        return str(self.change_id)


class EngagementAnswer(Contract):
    question: EngagementQuestion
    text: Sealed = Field(description="Sealed with the representative's key for the change.")


class Adjustment(Contract):
    """One commitment of a proposal: who does what, for which departments, by when."""

    commitment_id: UUID
    terms_version: int = Field(ge=1)
    kind: AdjustmentKind
    owner: PersonRef = Field(description="A person taking part in the change's engagement.")
    owed_to_departments: list[DepartmentSlug] = Field(min_length=1)
    action: Sealed = Field(description="What will be done, sealed with the owner's key.")
    due_at: AwareDatetime


class RepresentativeJoinedV1(EngagementEvent):
    """A person joined a change's engagement: for an affected department, or the owner's side."""

    event_type: ClassVar[str] = "bridgework.engagement.representative-joined.v1"

    participant: PersonRef
    role: EngagementRole
    department: DepartmentSlug = Field(description="The department they speak for.")
    joined_at: AwareDatetime


class EngagementAnsweredV1(EngagementEvent):
    """A representative's answers to the proactive questions. Confidential to the engagement."""

    event_type: ClassVar[str] = "bridgework.engagement.answered.v1"

    representative: PersonRef
    department: DepartmentSlug
    answers: list[EngagementAnswer] = Field(min_length=1)
    answered_at: AwareDatetime


class AdjustmentProposedV1(EngagementEvent):
    """A version of the adjustments was put to every affected department for consent."""

    event_type: ClassVar[str] = "bridgework.engagement.adjustment-proposed.v1"

    version: int = Field(ge=1)
    adjustments: list[Adjustment] = Field(
        description="Empty: the change as planned, with nothing to adjust."
    )
    proposed_by: PersonRef
    proposed_at: AwareDatetime
    consent_required_from: list[DepartmentSlug] = Field(min_length=1)


class DepartmentConsentedV1(EngagementEvent):
    """An affected department, through one of its representatives, consented to a version."""

    event_type: ClassVar[str] = "bridgework.engagement.department-consented.v1"

    department: DepartmentSlug
    version: int = Field(ge=1)
    representative: PersonRef
    consented_at: AwareDatetime


class DepartmentObjectedV1(EngagementEvent):
    """An affected department, through one of its representatives, objected to a version."""

    event_type: ClassVar[str] = "bridgework.engagement.department-objected.v1"

    department: DepartmentSlug
    version: int = Field(ge=1)
    representative: PersonRef
    reason: Sealed = Field(description="Sealed with the representative's key.")
    objected_at: AwareDatetime


class AdjustmentsAgreedV1(EngagementEvent):
    """Every affected department consented to this version: its adjustments are in force.

    A later version agreed supersedes it: an adjustment missing from the later one is
    released, one whose terms version rose is renegotiated (no events of their own)."""

    event_type: ClassVar[str] = "bridgework.engagement.adjustments-agreed.v1"

    version: int = Field(ge=1)
    adjustments: list[Adjustment]
    consented_by: list[DepartmentSlug] = Field(min_length=1)
    agreed_at: AwareDatetime


class ChangeCommitmentKeptV1(EngagementEvent):
    """An adjustment in force (its version consented by every affected department) was kept."""

    event_type: ClassVar[str] = "bridgework.engagement.commitment-kept.v1"

    commitment_id: UUID
    terms_version: int = Field(ge=1)
    owner: PersonRef
    due_at: AwareDatetime
    kept_at: AwareDatetime
    on_time: bool


class DepartmentAtGoLive(Contract):
    department: DepartmentSlug
    standing: DepartmentStanding


class ChangeModeDecidedV1(EngagementEvent):
    """The change went live: how the organisation acted with the departments it affects."""

    event_type: ClassVar[str] = "bridgework.engagement.change-mode-decided.v1"

    kind: ChangeKind
    owner_department: DepartmentSlug
    went_live_at: AwareDatetime
    response_mode: ResponseMode
    departments: list[DepartmentAtGoLive] = Field(min_length=1)
    consented_version: int | None = Field(
        default=None, description="The version every affected department consented to, if any."
    )
