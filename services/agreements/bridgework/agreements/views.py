"""What the API shows: repairs, their agreement and commitments, and (apart) the conversation."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from bridgework.agreements import domain, repository
from bridgework.agreements.domain import (
    AgreementStatus,
    CommitmentStatus,
    ProposalKind,
    Repair,
    RepairStatus,
)
from bridgework.agreements.service import RepairDetails
from bridgework.common.contracts import (
    Answer,
    CheckInOutcome,
    CommitmentTerms,
    IncidentCategory,
    IncidentFacts,
    ParticipantRole,
    PersonRef,
    RelationshipPair,
    RepairOutcome,
    ResponseMode,
    Severity,
)


class ErrorBody(BaseModel):
    """A client error other than an invalid field: a stable code and a sentence."""

    error: str = Field(description="A stable code, e.g. `agreement_not_in_force`.")
    detail: str


class ParticipantView(BaseModel):
    person_id: str
    department: str
    role: ParticipantRole
    joined_at: datetime


class ConsentView(BaseModel):
    participant: PersonRef
    decision: Literal["given", "declined"]
    reason: str | None = Field(description="Why it was declined.")
    at: datetime


class ProposalView(BaseModel):
    """Terms waiting for consent: a new version of the agreement."""

    version: int
    kind: ProposalKind = Field(
        description="`terms`: the whole agreement; `renegotiation` or `release`: one commitment."
    )
    commitment_id: UUID | None = Field(description="The commitment a change is about.")
    reason: str | None
    commitments: list[CommitmentTerms] = Field(description="Every commitment as it would stand.")
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
    action: str
    due_at: datetime
    status: CommitmentStatus
    kept_at: datetime | None
    on_time: bool | None = Field(description="Kept by the due date of the terms in force.")
    lapse_count: int
    lapsed_at: datetime | None
    released_at: datetime | None
    released_reason: str | None = Field(description="Why it was released; shown to the affected.")
    earlier_terms: list[CommitmentTerms] = Field(description="Terms it had before, oldest first.")


class ImpositionView(BaseModel):
    decided_by: PersonRef
    response_mode: ResponseMode
    reason: str
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


class CheckInView(BaseModel):
    check_in_id: UUID
    participant: PersonRef
    outcome: CheckInOutcome
    comment: str | None
    recorded_at: datetime


class ClosureView(BaseModel):
    outcome: RepairOutcome
    reason_code: str | None
    reason: str | None
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


class ConversationRecordView(BaseModel):
    participant: PersonRef
    role: ParticipantRole
    answers: list[Answer]
    recorded_by: str = Field(description="The participant, or the facilitator who wrote it down.")
    recorded_at: datetime


class ConversationView(BaseModel):
    """The restorative conversation: confidential to the repair's participants and facilitator."""

    repair_id: UUID
    records: list[ConversationRecordView] = Field(description="Oldest first.")


def repair_view(details: RepairDetails, *, now: datetime) -> RepairView:
    repair = details.repair
    return RepairView(
        repair_id=repair.repair_id,
        status=repair.status,
        category=repair.category,
        opened_at=repair.opened_at,
        agreement_due_by=repair.agreement_due_by,
        response_mode=domain.response_mode(repair, now=now),
        departments=list(repair.departments),
        relationships=list(repair.relationships),
        incident_ids=list(repair.incident_ids),
        incidents=[_incident_view(body) for body in details.incidents],
        recurrence_of=list(repair.recurrence_of),
        participants=[
            ParticipantView(
                person_id=p.person.person_id,
                department=p.person.department,
                role=p.role,
                joined_at=p.joined_at,
            )
            for p in repair.participants
        ],
        agreement=_agreement_view(repair),
        check_ins=[
            CheckInView(
                check_in_id=c.check_in_id,
                participant=c.participant,
                outcome=c.outcome,
                comment=c.comment,
                recorded_at=c.recorded_at,
            )
            for c in repair.check_ins
        ],
        unmet_for_repaired=[] if repair.closure else domain.unmet_for_repaired(repair),
        closure=ClosureView(**vars(repair.closure)) if repair.closure else None,
    )


def summary_view(summary: repository.RepairSummary, *, now: datetime) -> RepairSummaryView:
    recorded = ResponseMode(summary.recorded_mode) if summary.recorded_mode else None
    return RepairSummaryView(
        repair_id=summary.repair_id,
        status=RepairStatus(summary.status),
        category=IncidentCategory(summary.category),
        opened_at=summary.opened_at,
        agreement_due_by=summary.agreement_due_by,
        response_mode=domain.settled_or_overdue_mode(
            recorded, agreement_due_by=summary.agreement_due_by, now=now
        ),
        departments=summary.departments,
        incident_ids=summary.incident_ids,
        merged_into=summary.merged_into,
    )


def conversation_view(
    repair_id: UUID, records: list[repository.ConversationRecord]
) -> ConversationView:
    return ConversationView(
        repair_id=repair_id,
        records=[
            ConversationRecordView(
                participant=PersonRef(person_id=r.person_id, department=r.department),
                role=ParticipantRole(r.role),
                answers=[Answer.model_validate(a) for a in r.answers],
                recorded_by=r.recorded_by,
                recorded_at=r.recorded_at,
            )
            for r in records
        ],
    )


def _incident_view(body: dict[str, Any]) -> IncidentView:
    facts = IncidentFacts.model_validate(body)
    return IncidentView(
        incident_id=facts.incident_id,
        department=facts.department,
        category=facts.category,
        severity=facts.severity,
        summary=facts.summary,
        occurred_at=facts.occurred_at,
        reported_at=facts.reported_at,
    )


def _agreement_view(repair: Repair) -> AgreementView | None:
    agreement = repair.agreement
    if agreement is None:
        return None
    pending = agreement.pending
    return AgreementView(
        agreement_id=agreement.agreement_id,
        status=agreement.status,
        latest_version=agreement.latest_version,
        in_force_version=agreement.in_force_version,
        in_force_since=agreement.in_force_since,
        consented_by=list(agreement.consented_by),
        commitments=[
            CommitmentView(
                **c.terms.model_dump(),
                status=c.status,
                kept_at=c.kept_at,
                on_time=c.on_time,
                lapse_count=c.lapse_count,
                lapsed_at=c.lapsed_at,
                released_at=c.released_at,
                released_reason=c.released_reason,
                earlier_terms=list(c.earlier_terms),
            )
            for c in agreement.commitments
        ],
        pending=_proposal_view(repair, pending) if pending else None,
        imposition=ImpositionView(**vars(agreement.imposition)) if agreement.imposition else None,
    )


def _proposal_view(repair: Repair, proposal: domain.Proposal) -> ProposalView:
    given = {c.person.person_id for c in proposal.consents if c.given}
    return ProposalView(
        version=proposal.version,
        kind=proposal.kind,
        commitment_id=proposal.commitment_id,
        reason=proposal.reason,
        commitments=list(proposal.commitments),
        proposed_by=proposal.proposed_by,
        proposed_at=proposal.proposed_at,
        consents=[
            ConsentView(
                participant=c.person,
                decision="given" if c.given else "declined",
                reason=c.reason,
                at=c.at,
            )
            for c in proposal.consents
        ],
        awaiting=[
            p.person
            for p in repair.with_role(ParticipantRole.RESPONSIBLE, ParticipantRole.AFFECTED)
            if p.person.person_id not in given
        ],
    )
