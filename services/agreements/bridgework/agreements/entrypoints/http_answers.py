"""How agreements' routes shape their answers: repairs, summaries and the conversation as the
API shows them, and the error answers every route documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bridgework.agreements.domain.agreement import Imposition, Proposal
from bridgework.agreements.domain.closing import unmet_for_repaired
from bridgework.agreements.domain.conversation import ConversationRecord
from bridgework.agreements.domain.repair import Closure, Repair, RepairSummary
from bridgework.agreements.domain.response_mode import response_mode, settled_or_overdue_mode
from bridgework.agreements.schemas import (
    AgreementView,
    AnswerView,
    CheckInView,
    ClosureView,
    CommitmentView,
    ConsentView,
    ConversationRecordView,
    ConversationView,
    ErrorBody,
    FacilitationOfferView,
    ImpositionView,
    IncidentView,
    ParticipantView,
    ProposalView,
    RepairSummaryView,
    RepairView,
    TermsView,
)
from bridgework.agreements.use_cases.reading import Conversation
from bridgework.agreements.use_cases.repair_changes import RepairDetails
from bridgework.common.contracts import CommitmentTerms, IncidentFacts, ParticipantRole
from bridgework.common.privacy import Unsealer

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No valid bearer token (the reason says why)."},
    403: {"model": ErrorBody, "description": "The actor may not do this in this repair."},
    404: {"model": ErrorBody, "description": "No such repair (or commitment, or incident)."},
    409: {"model": ErrorBody, "description": "Not possible in the state the repair is in."},
    422: {"description": "Invalid body: every failing field and why."},
}


def repair_view(details: RepairDetails, *, now: datetime) -> RepairView:
    """A repair as the API shows it, its response mode as of `now`; never the conversation."""
    repair, texts = details.repair, details.texts
    return RepairView(
        repair_id=repair.repair_id,
        status=repair.status,
        category=repair.category,
        opened_at=repair.opened_at,
        agreement_due_by=repair.agreement_due_by,
        response_mode=response_mode(repair, now=now),
        departments=list(repair.departments),
        relationships=list(repair.relationships),
        incident_ids=list(repair.incident_ids),
        incidents=[_incident_view(facts) for facts in details.incidents],
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
        facilitation_offers=[
            FacilitationOfferView(facilitator=o.facilitator, offered_at=o.offered_at)
            for o in repair.facilitation_offers
            if o.pending
        ],
        agreement=_agreement_view(repair, texts),
        check_ins=[
            CheckInView(
                check_in_id=c.check_in_id,
                participant=c.participant,
                outcome=c.outcome,
                comment=texts.text(c.comment),
                recorded_at=c.recorded_at,
            )
            for c in repair.check_ins
        ],
        unmet_for_repaired=[] if repair.closure else unmet_for_repaired(repair),
        closure=_closure_view(repair.closure, texts) if repair.closure else None,
    )


def summary_view(summary: RepairSummary, *, now: datetime) -> RepairSummaryView:
    """A repair as lists show it, its response mode as of `now`."""
    return RepairSummaryView(
        repair_id=summary.repair_id,
        status=summary.status,
        category=summary.category,
        opened_at=summary.opened_at,
        agreement_due_by=summary.agreement_due_by,
        response_mode=settled_or_overdue_mode(
            summary.recorded_mode, agreement_due_by=summary.agreement_due_by, now=now
        ),
        departments=summary.departments,
        incident_ids=summary.incident_ids,
        merged_into=summary.merged_into,
    )


def record_view(record: ConversationRecord, texts: Unsealer) -> ConversationRecordView:
    """One participant's recorded answers, opened by `texts`."""
    return ConversationRecordView(
        participant=record.participant,
        role=record.role,
        answers=[AnswerView(question=a.question, text=texts.text(a.text)) for a in record.answers],
        recorded_by=record.recorded_by,
        recorded_at=record.recorded_at,
    )


def conversation_view(conversation: Conversation) -> ConversationView:
    """A repair's conversation, oldest record first."""
    return ConversationView(
        repair_id=conversation.repair_id,
        records=[record_view(record, conversation.texts) for record in conversation.records],
    )


def _incident_view(facts: IncidentFacts) -> IncidentView:
    return IncidentView(
        incident_id=facts.incident_id,
        department=facts.department,
        category=facts.category,
        severity=facts.severity,
        summary=facts.summary,
        occurred_at=facts.occurred_at,
        reported_at=facts.reported_at,
    )


def _terms_view(terms: CommitmentTerms, texts: Unsealer) -> TermsView:
    return TermsView(
        commitment_id=terms.commitment_id,
        terms_version=terms.terms_version,
        owner=terms.owner,
        owed_to=terms.owed_to,
        owed_to_departments=terms.owed_to_departments,
        action=texts.text(terms.action),
        due_at=terms.due_at,
    )


def _closure_view(closure: Closure, texts: Unsealer) -> ClosureView:
    return ClosureView(
        outcome=closure.outcome,
        reason_code=closure.reason_code,
        reason=texts.text(closure.reason),
        response_mode=closure.response_mode,
        closed_at=closure.closed_at,
        merged_into=closure.merged_into,
    )


def _agreement_view(repair: Repair, texts: Unsealer) -> AgreementView | None:
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
                **_terms_view(c.terms, texts).model_dump(),
                status=c.status,
                kept_at=c.kept_at,
                on_time=c.on_time,
                lapse_count=c.lapse_count,
                lapsed_at=c.lapsed_at,
                released_at=c.released_at,
                released_reason=texts.text(c.released_reason),
                earlier_terms=[_terms_view(t, texts) for t in c.earlier_terms],
            )
            for c in agreement.commitments
        ],
        pending=_proposal_view(repair, pending, texts) if pending else None,
        imposition=_imposition_view(agreement.imposition, texts) if agreement.imposition else None,
    )


def _imposition_view(imposition: Imposition, texts: Unsealer) -> ImpositionView:
    return ImpositionView(
        decided_by=imposition.decided_by,
        response_mode=imposition.response_mode,
        reason=texts.text(imposition.reason),
        imposed_at=imposition.imposed_at,
    )


def _proposal_view(repair: Repair, proposal: Proposal, texts: Unsealer) -> ProposalView:
    given = {c.person.person_id for c in proposal.consents if c.given}
    return ProposalView(
        version=proposal.version,
        kind=proposal.kind,
        commitment_id=proposal.commitment_id,
        reason=texts.text(proposal.reason),
        commitments=[_terms_view(t, texts) for t in proposal.commitments],
        proposed_by=proposal.proposed_by,
        proposed_at=proposal.proposed_at,
        consents=[
            ConsentView(
                participant=c.person,
                decision="given" if c.given else "declined",
                reason=texts.text(c.reason),
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
