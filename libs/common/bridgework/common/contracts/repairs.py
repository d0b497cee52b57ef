"""Facts about repairs, published by agreements on `<namespace>.repairs`, keyed by repair id.

Every event of one repair shares the key, so consumers see a repair's history in order.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field, model_validator

from bridgework.common.contracts.base import (
    Contract,
    DepartmentSlug,
    PersonRef,
    PseudonymousId,
    RelationshipPair,
    ResponseMode,
    Stream,
)
from bridgework.common.contracts.incidents import IncidentCategory
from bridgework.common.contracts.sealed import Sealed


class ParticipantRole(StrEnum):
    RESPONSIBLE = "responsible"
    AFFECTED = "affected"
    SUPPORTER = "supporter"
    FACILITATOR = "facilitator"


class Question(StrEnum):
    """The restorative questions, for the responsible and for the affected."""

    # Asked of those responsible.
    WHAT_HAPPENED = "what_happened"
    THINKING_AT_THE_TIME = "thinking_at_the_time"
    THOUGHT_SINCE = "thought_since"
    WHO_AFFECTED_AND_HOW = "who_affected_and_how"
    MAKE_THINGS_RIGHT = "make_things_right"
    # Asked of those affected.
    THOUGHT_WHEN_REALISED = "thought_when_realised"
    IMPACT_ON_YOU_AND_OTHERS = "impact_on_you_and_others"
    HARDEST_THING = "hardest_thing"
    NEEDS_TO_HAPPEN = "needs_to_happen"


class RepairEvent(Contract):
    """Base of every repair fact."""

    stream: ClassVar[Stream] = "repairs"

    repair_id: UUID

    def subject(self) -> str:
        return str(self.repair_id)


class RepairOpenedV1(RepairEvent):
    """A restorative repair was opened for one or more incidents."""

    event_type: ClassVar[str] = "bridgework.repair.opened.v1"

    incident_ids: list[UUID] = Field(min_length=1)
    opened_at: AwareDatetime
    category: IncidentCategory = Field(description="The category of the first incident.")
    departments: list[DepartmentSlug] = Field(
        description="Every department the repair concerns, sorted."
    )
    relationships: list[RelationshipPair] = Field(
        description="The department pairs the harm strained: responsible side x affected side."
    )
    recurrence_of: list[UUID] = Field(
        default_factory=list,
        description="Earlier repairs between the same departments about the same matter.",
    )
    agreement_due_by: AwareDatetime = Field(
        description="Without an agreement by then, the response counts as `not` (neglectful)."
    )


class IncidentLinkedV1(RepairEvent):
    """A further incident about the same harm joined an open repair."""

    event_type: ClassVar[str] = "bridgework.repair.incident-linked.v1"

    incident_id: UUID
    linked_at: AwareDatetime


class ParticipantJoinedV1(RepairEvent):
    """A person took part in the repair in a role."""

    event_type: ClassVar[str] = "bridgework.repair.participant-joined.v1"

    participant: PersonRef
    role: ParticipantRole
    joined_at: AwareDatetime


class FacilitationOfferedV1(RepairEvent):
    """A facilitator offered to facilitate the repair; they take part once the change team
    or a lead of a department involved approves (FacilitationOfferAnswered)."""

    event_type: ClassVar[str] = "bridgework.repair.facilitation-offered.v1"

    facilitator: PersonRef
    offered_at: AwareDatetime


class FacilitationDecision(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"


class FacilitationOfferAnsweredV1(RepairEvent):
    """The offer a facilitator made at `offered_at` was approved (they joined: see
    ParticipantJoined) or declined."""

    event_type: ClassVar[str] = "bridgework.repair.facilitation-offer-answered.v1"

    facilitator: PersonRef
    offered_at: AwareDatetime = Field(description="When the offer answered was made.")
    decision: FacilitationDecision
    answered_by: PseudonymousId = Field(
        description="Who answered: a member of the change team or a lead of a department involved."
    )
    reason: Sealed | None = Field(default=None, description="Sealed with the answerer's key.")
    answered_at: AwareDatetime


class Answer(Contract):
    question: Question
    text: Sealed = Field(description="Sealed with the participant's key.")


class ConversationRecordedV1(RepairEvent):
    """A participant's answers to the restorative questions. Confidential to the repair's people."""

    event_type: ClassVar[str] = "bridgework.repair.conversation-recorded.v1"

    participant: PersonRef
    role: ParticipantRole
    answers: list[Answer] = Field(min_length=1)
    recorded_at: AwareDatetime


class CommitmentTerms(Contract):
    """One promise: who will do what, for whom, by when; versioned as terms change."""

    commitment_id: UUID
    terms_version: int = Field(ge=1)
    owner: PersonRef
    owed_to: list[PersonRef] = Field(default_factory=list)
    owed_to_departments: list[DepartmentSlug] = Field(default_factory=list)
    action: Sealed = Field(description="What will be done, sealed with the owner's key.")
    due_at: AwareDatetime

    @model_validator(mode="after")
    def _owed_to_someone(self) -> CommitmentTerms:
        if not self.owed_to and not self.owed_to_departments:
            raise ValueError("a commitment is owed to at least one person or department")
        return self


class AgreementProposedV1(RepairEvent):
    """A version of the agreement's terms was put to the participants for consent."""

    event_type: ClassVar[str] = "bridgework.repair.agreement-proposed.v1"

    agreement_id: UUID
    version: int = Field(ge=1)
    commitments: list[CommitmentTerms] = Field(min_length=1)
    proposed_by: PersonRef
    proposed_at: AwareDatetime
    consent_required_from: list[PersonRef] = Field(
        description="Every responsible and every affected participant."
    )


class ConsentGivenV1(RepairEvent):
    event_type: ClassVar[str] = "bridgework.repair.consent-given.v1"

    agreement_id: UUID
    version: int = Field(ge=1)
    participant: PersonRef
    role: ParticipantRole
    given_at: AwareDatetime


class ConsentDeclinedV1(RepairEvent):
    event_type: ClassVar[str] = "bridgework.repair.consent-declined.v1"

    agreement_id: UUID
    version: int = Field(ge=1)
    participant: PersonRef
    role: ParticipantRole
    reason: Sealed = Field(description="Sealed with the decliner's key.")
    declined_at: AwareDatetime


class AgreementReachedV1(RepairEvent):
    """Every responsible and affected participant consented to this version of the terms."""

    event_type: ClassVar[str] = "bridgework.repair.agreement-reached.v1"

    agreement_id: UUID
    version: int = Field(ge=1)
    commitments: list[CommitmentTerms] = Field(min_length=1)
    consented_by: list[PersonRef]
    reached_at: AwareDatetime
    response_mode: ResponseMode = Field(description="`with`: reached by everyone's consent.")


class OutcomeImposedV1(RepairEvent):
    """An outcome was decided without everyone's consent (`to`: over the responsible; `for`:
    without the affected's voice). Recorded so the response mode tells the truth."""

    event_type: ClassVar[str] = "bridgework.repair.outcome-imposed.v1"

    decided_by: PersonRef
    response_mode: ResponseMode
    reason: Sealed = Field(description="Sealed with the key of who decided.")
    commitments: list[CommitmentTerms] = Field(default_factory=list)
    imposed_at: AwareDatetime


class CommitmentKeptV1(RepairEvent):
    event_type: ClassVar[str] = "bridgework.repair.commitment-kept.v1"

    agreement_id: UUID
    commitment_id: UUID
    terms_version: int = Field(ge=1)
    owner: PersonRef
    due_at: AwareDatetime
    kept_at: AwareDatetime
    on_time: bool = Field(description="Kept no later than the due date of the terms in force.")


class CommitmentRenegotiatedV1(RepairEvent):
    """New terms (or a new date) for a commitment, consented to as a new agreement version."""

    event_type: ClassVar[str] = "bridgework.repair.commitment-renegotiated.v1"

    agreement_id: UUID
    agreement_version: int = Field(ge=2)
    previous_terms_version: int = Field(ge=1)
    terms: CommitmentTerms
    reason: Sealed = Field(description="Sealed with the commitment owner's key.")
    renegotiated_at: AwareDatetime


class CommitmentReleasedV1(RepairEvent):
    """A commitment no longer stands, by mutual consent; the reason is shown to the affected."""

    event_type: ClassVar[str] = "bridgework.repair.commitment-released.v1"

    agreement_id: UUID
    commitment_id: UUID
    terms_version: int = Field(ge=1)
    owner: PersonRef
    reason: Sealed = Field(description="Sealed with the commitment owner's key.")
    released_at: AwareDatetime


class RepairOutcome(StrEnum):
    REPAIRED = "repaired"
    UNREPAIRED = "unrepaired"
    RETURNED_TO_FORMAL_PROCESS = "returned_to_formal_process"


class RepairClosedV1(RepairEvent):
    """The repair ended. `repaired` only when every commitment was kept or released and the
    affected confirmed at check-in that things were made right."""

    event_type: ClassVar[str] = "bridgework.repair.closed.v1"

    outcome: RepairOutcome
    reason_code: str | None = Field(
        default=None, description="Why, for `unrepaired` and `returned_to_formal_process`."
    )
    reason: Sealed | None = Field(
        default=None, description="Sealed with the key of the person who closed the repair."
    )
    response_mode: ResponseMode
    closed_at: AwareDatetime
