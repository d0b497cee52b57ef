"""Agreements' HTTP API models: the request bodies facilitators and participants send, and the
answers (repairs, their agreement and commitments, and, apart, the conversation).

Confidential texts (answers, reasons, actions, comments) come in plain over HTTPS and are
sealed before agreements stores or publishes them; answers show them opened for a reader
allowed to see them, and `null` once the person they belong to was erased (or they expired).

No body names who does it: the actor is the person whose bearer token (JWT) the request
carries, verified by agreements itself; agreements checks what that person may do in the
repair. Unknown fields are refused, so a misspelt field (or an `actor`) is a 422 rather than
silently ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from bridgework.agreements.domain.agreement import (
    AgreementStatus,
    CommitmentDraft,
    CommitmentStatus,
    ProposalKind,
)
from bridgework.agreements.domain.conversation import PlainAnswer
from bridgework.agreements.domain.repair import CloseReason, RepairStatus
from bridgework.common.contracts import (
    CheckInOutcome,
    DepartmentSlug,
    FreeText,
    IncidentCategory,
    ParticipantRole,
    PersonRef,
    Question,
    Reason,
    RelationshipPair,
    RepairOutcome,
    ResponseMode,
    Severity,
)

# --- requests -----------------------------------------------------------------------------------


class Command(BaseModel):
    """A change, done by the person whose token the request carries."""

    model_config = ConfigDict(extra="forbid")


class JoinRepair(Command):
    """Add a person to the repair in a role: the actor is one of its facilitators, or, while it
    has none, the facilitator taking the case, joining themselves."""

    participant: PersonRef
    role: ParticipantRole


class AssignFacilitator(Command):
    """Make a person a facilitator of the repair (the change team, or a lead of a department
    involved, does)."""

    facilitator: PersonRef


class AnswerFacilitationOffer(Command):
    """Approve or decline a facilitator's offer to facilitate."""

    decision: Literal["approve", "decline"]
    reason: Reason | None = Field(default=None, description="Why; shown with the answer.")


class AnswerText(BaseModel):
    """One answer to a restorative question, in the participant's words."""

    model_config = ConfigDict(extra="forbid")

    question: Question
    text: FreeText

    def plain(self) -> PlainAnswer:
        return PlainAnswer(question=self.question, text=self.text)


class RecordConversation(Command):
    """A participant's answers to the restorative questions of their role."""

    participant: PersonRef = Field(
        description="Whose answers; the actor or, for them, a facilitator."
    )
    answers: list[AnswerText] = Field(min_length=1, max_length=9)


class CommitmentProposal(BaseModel):
    """One commitment as proposed; give `commitment_id` to revise one of the pending proposal."""

    model_config = ConfigDict(extra="forbid")

    commitment_id: UUID | None = None
    owner: PersonRef = Field(description="Who will do it; a participant of the repair.")
    owed_to: list[PersonRef] = Field(default_factory=list, max_length=50)
    owed_to_departments: list[DepartmentSlug] = Field(default_factory=list, max_length=50)
    action: FreeText = Field(description="What will be done.")
    due_at: AwareDatetime

    @model_validator(mode="after")
    def _owed_to_someone(self) -> CommitmentProposal:
        if not self.owed_to and not self.owed_to_departments:
            raise ValueError("a commitment is owed to at least one person or department")
        return self

    def draft(self) -> CommitmentDraft[str]:
        return CommitmentDraft(
            owner=self.owner,
            action=self.action,
            due_at=self.due_at,
            owed_to=tuple(self.owed_to),
            owed_to_departments=tuple(self.owed_to_departments),
            commitment_id=self.commitment_id,
        )


class ProposeAgreement(Command):
    """Put terms to the participants: a new version of the agreement, consent asked again."""

    commitments: list[CommitmentProposal] = Field(min_length=1, max_length=50)


class AnswerProposal(Command):
    """The actor, a responsible or affected participant, gives or declines consent."""

    version: int = Field(ge=1, description="The version consented to; it must be the current one.")
    decision: Literal["give", "decline"]
    reason: Reason | None = Field(default=None, description="Why; required to decline.")

    @model_validator(mode="after")
    def _declining_says_why(self) -> AnswerProposal:
        if self.decision == "decline" and self.reason is None:
            raise ValueError("declining needs a reason")
        return self


class KeepCommitment(Command):
    kept_at: AwareDatetime | None = Field(default=None, description="When; default now.")


class RenegotiateCommitment(Command):
    """Propose new terms or a new date for a commitment in force."""

    action: FreeText | None = None
    due_at: AwareDatetime | None = None
    reason: Reason


class ReleaseCommitment(Command):
    """Propose that a commitment no longer stands; the reason is shown to the affected."""

    reason: Reason


class LinkIncident(Command):
    incident_id: UUID


class ImposeOutcome(Command):
    """Record an outcome decided without everyone's consent (the actor decided it)."""

    reason: Reason
    commitments: list[CommitmentProposal] = Field(
        default_factory=list,
        max_length=50,
        description="New terms; leave empty to impose the pending proposal as it stands.",
    )

    @model_validator(mode="after")
    def _new_commitments_only(self) -> ImposeOutcome:
        if any(c.commitment_id is not None for c in self.commitments):
            raise ValueError("imposed commitments are new: leave out commitment_id")
        return self


class CloseRepair(Command):
    """A facilitator closes the repair."""

    outcome: RepairOutcome
    reason_code: CloseReason | None = Field(
        default=None, description="Required unless the outcome is `repaired`."
    )
    reason: Reason | None = None


# --- answers ------------------------------------------------------------------------------------


class ErrorBody(BaseModel):
    """A client error other than an invalid field: a stable code and a sentence."""

    error: str = Field(description="A stable code, e.g. `agreement_not_in_force`.")
    detail: str


class ParticipantView(BaseModel):
    person_id: str
    department: str
    role: ParticipantRole
    joined_at: datetime


# Said of every confidential text an answer shows.
ERASED = " Null once erased (the person's request, or the retention period)."


class ConsentView(BaseModel):
    participant: PersonRef
    decision: Literal["given", "declined"]
    reason: str | None = Field(description="Why it was declined." + ERASED)
    at: datetime


class TermsView(BaseModel):
    """One version of a commitment's terms."""

    commitment_id: UUID
    terms_version: int
    owner: PersonRef
    owed_to: list[PersonRef]
    owed_to_departments: list[str]
    action: str | None = Field(description="What will be done." + ERASED)
    due_at: datetime


class ProposalView(BaseModel):
    """Terms waiting for consent: a new version of the agreement."""

    version: int
    kind: ProposalKind = Field(
        description="`terms`: the whole agreement; `renegotiation` or `release`: one commitment."
    )
    commitment_id: UUID | None = Field(description="The commitment a change is about.")
    reason: str | None = Field(description="Why the change (renegotiation, release)." + ERASED)
    commitments: list[TermsView] = Field(description="Every commitment as it would stand.")
    proposed_by: PersonRef
    proposed_at: datetime
    consents: list[ConsentView]
    awaiting: list[PersonRef] = Field(
        description="Responsible and affected participants whose consent is still missing."
    )


class CommitmentView(BaseModel):
    commitment_id: UUID
    terms_version: int
    owner: PersonRef
    owed_to: list[PersonRef]
    owed_to_departments: list[str]
    action: str | None = Field(description="What will be done." + ERASED)
    due_at: datetime
    status: CommitmentStatus
    kept_at: datetime | None
    on_time: bool | None = Field(description="Kept by the due date of the terms in force.")
    lapse_count: int
    lapsed_at: datetime | None
    released_at: datetime | None
    released_reason: str | None = Field(
        description="Why it was released; shown to the affected." + ERASED
    )
    earlier_terms: list[TermsView] = Field(description="Terms it had before, oldest first.")


class ImpositionView(BaseModel):
    decided_by: PersonRef
    response_mode: ResponseMode
    reason: str | None = Field(description="Why it was imposed." + ERASED)
    imposed_at: datetime


class AgreementView(BaseModel):
    agreement_id: UUID
    status: AgreementStatus
    latest_version: int
    in_force_version: int | None
    in_force_since: datetime | None
    consented_by: list[PersonRef]
    commitments: list[CommitmentView] = Field(description="The commitments in force.")
    pending: ProposalView | None
    imposition: ImpositionView | None


class FacilitationOfferView(BaseModel):
    """A facilitator's offer to facilitate, waiting for the change team or a lead's answer."""

    facilitator: PersonRef
    offered_at: datetime


class CheckInView(BaseModel):
    check_in_id: UUID
    participant: PersonRef
    outcome: CheckInOutcome
    comment: str | None = Field(description="The participant's comment, if any." + ERASED)
    recorded_at: datetime


class ClosureView(BaseModel):
    outcome: RepairOutcome
    reason_code: str | None
    reason: str | None = Field(description="Why, in the closer's words." + ERASED)
    response_mode: ResponseMode
    closed_at: datetime
    merged_into: UUID | None


class IncidentView(BaseModel):
    incident_id: UUID
    department: str
    category: IncidentCategory
    severity: Severity
    summary: str
    occurred_at: datetime
    reported_at: datetime


class RepairView(BaseModel):
    """A repair with its people, agreement, commitments and consents; never the conversation."""

    repair_id: UUID
    status: RepairStatus
    category: IncidentCategory
    opened_at: datetime
    agreement_due_by: datetime
    response_mode: ResponseMode | None = Field(
        description="with / to / for / not, derived from what happened; null while undecided."
    )
    departments: list[str]
    relationships: list[RelationshipPair]
    incident_ids: list[UUID]
    incidents: list[IncidentView]
    recurrence_of: list[UUID] = Field(description="Earlier repairs about the same matter.")
    participants: list[ParticipantView]
    facilitation_offers: list[FacilitationOfferView] = Field(
        description="Offers to facilitate that wait for an answer."
    )
    agreement: AgreementView | None
    check_ins: list[CheckInView]
    unmet_for_repaired: list[str] = Field(
        description="What still stands between this repair and closing as repaired."
    )
    closure: ClosureView | None


class RepairSummaryView(BaseModel):
    repair_id: UUID
    status: RepairStatus
    category: IncidentCategory
    opened_at: datetime
    agreement_due_by: datetime
    response_mode: ResponseMode | None
    departments: list[str]
    incident_ids: list[UUID]
    merged_into: UUID | None


class AnswerView(BaseModel):
    question: Question
    text: str | None = Field(description="The participant's words." + ERASED)


class ConversationRecordView(BaseModel):
    participant: PersonRef
    role: ParticipantRole
    answers: list[AnswerView]
    recorded_by: str = Field(description="The participant, or the facilitator who wrote it down.")
    recorded_at: datetime


class ConversationView(BaseModel):
    """The restorative conversation: confidential to the repair's participants and facilitator."""

    repair_id: UUID
    records: list[ConversationRecordView] = Field(description="Oldest first.")
