"""Consent: responsible and affected participants give or decline consent to the current
version; the last consent needed brings it into force."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bridgework.agreements.domain.agreement import (
    CONSENTING_ROLES,
    Agreement,
    AgreementStatus,
    Commitment,
    CommitmentStatus,
    Consent,
    Proposal,
    ProposalKind,
)
from bridgework.agreements.domain.commitments import find_commitment, with_changed
from bridgework.agreements.domain.repair import (
    Decision,
    Participant,
    Repair,
    require_open,
    require_participant,
)
from bridgework.common.contracts import (
    AgreementReachedV1,
    CommitmentReleasedV1,
    CommitmentRenegotiatedV1,
    ConsentDeclinedV1,
    ConsentGivenV1,
    ParticipantRole,
    PersonRef,
    RepairEvent,
    ResponseMode,
)
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.errors import DomainError, ErrorKind


@dataclass(frozen=True)
class AnswerableProposal:
    """The pending proposal a participant answers, the agreement it is of, and the participant."""

    agreement: Agreement
    proposal: Proposal
    participant: Participant


def give_consent(
    repair: Repair, *, participant: PersonRef, version: int, now: datetime
) -> Decision:
    """A responsible or affected participant consents to the current version; the last consent
    needed brings it into force."""
    answerable = _answerable_proposal(repair, participant, version)
    agreement, consenting = answerable.agreement, answerable.participant
    earlier = answerable.proposal.consent_of(participant.person_id)
    if earlier is not None and earlier.given:
        return Decision(repair)
    consent = Consent(person=consenting.person, given=True, at=now)
    proposal = _with_consent(answerable.proposal, consent)
    event = ConsentGivenV1(
        repair_id=repair.repair_id,
        agreement_id=agreement.agreement_id,
        version=version,
        participant=consenting.person,
        role=consenting.role,
        given_at=now,
    )
    if _everyone_consented(repair, proposal):
        concluded = _conclude(repair, agreement, proposal, now=now)
        return Decision(concluded.repair, (event, *concluded.events))
    repair = replace(repair, agreement=replace(agreement, pending=proposal))
    return Decision(repair, (event,))


def decline_consent(
    repair: Repair, *, participant: PersonRef, version: int, reason: Sealed, now: datetime
) -> Decision:
    """A responsible or affected participant declines the current version, saying why."""
    answerable = _answerable_proposal(repair, participant, version)
    agreement, declining = answerable.agreement, answerable.participant
    earlier = answerable.proposal.consent_of(participant.person_id)
    if earlier is not None and not earlier.given and earlier.reason == reason:
        return Decision(repair)
    consent = Consent(person=declining.person, given=False, at=now, reason=reason)
    event = ConsentDeclinedV1(
        repair_id=repair.repair_id,
        agreement_id=agreement.agreement_id,
        version=version,
        participant=declining.person,
        role=declining.role,
        reason=reason,
        declined_at=now,
    )
    pending = _with_consent(answerable.proposal, consent)
    return Decision(replace(repair, agreement=replace(agreement, pending=pending)), (event,))


def responsible_consented(repair: Repair, proposal: Proposal) -> bool:
    """Whether every responsible participant (at least one) consented to the proposal."""
    responsible = repair.with_role(ParticipantRole.RESPONSIBLE)
    given = {c.person.person_id for c in proposal.consents if c.given}
    return bool(responsible) and all(p.person.person_id in given for p in responsible)


def _answerable_proposal(repair: Repair, person: PersonRef, version: int) -> AnswerableProposal:
    require_open(repair)
    participant = require_participant(repair, person)
    if participant.role not in CONSENTING_ROLES:
        raise DomainError(
            "consent_not_asked",
            "consent is asked of responsible and affected participants only",
            kind=ErrorKind.FORBIDDEN,
        )
    agreement = repair.agreement
    if agreement is None or agreement.pending is None:
        raise DomainError(
            "no_proposal_pending", "no terms are waiting for consent", kind=ErrorKind.CONFLICT
        )
    if version != agreement.pending.version:
        raise DomainError(
            "stale_version",
            f"version {version} is not the current one; version {agreement.pending.version} is",
            kind=ErrorKind.CONFLICT,
        )
    return AnswerableProposal(
        agreement=agreement, proposal=agreement.pending, participant=participant
    )


def _with_consent(proposal: Proposal, consent: Consent) -> Proposal:
    others = tuple(c for c in proposal.consents if c.person.person_id != consent.person.person_id)
    return replace(proposal, consents=(*others, consent))


def _everyone_consented(repair: Repair, proposal: Proposal) -> bool:
    # Whoever takes part now counts, including people who joined after the proposal.
    required = [p.person.person_id for p in repair.participants if p.role in CONSENTING_ROLES]
    given = {c.person.person_id for c in proposal.consents if c.given}
    return all(person_id in given for person_id in required)


def _conclude(
    repair: Repair, agreement: Agreement, proposal: Proposal, *, now: datetime
) -> Decision:
    """Everyone consented: the proposal's version comes into force."""
    consented_by = tuple(c.person for c in proposal.consents if c.given)
    agreement = replace(
        agreement, in_force_version=proposal.version, consented_by=consented_by, pending=None
    )
    event: RepairEvent
    if proposal.kind == ProposalKind.TERMS:
        agreement = replace(
            agreement,
            status=AgreementStatus.REACHED,
            commitments=tuple(Commitment(terms=t) for t in proposal.commitments),
            in_force_since=now,
        )
        event = AgreementReachedV1(
            repair_id=repair.repair_id,
            agreement_id=agreement.agreement_id,
            version=proposal.version,
            commitments=list(proposal.commitments),
            consented_by=list(consented_by),
            reached_at=now,
            response_mode=ResponseMode.WITH,
        )
        return Decision(replace(repair, agreement=agreement), (event,))
    assert proposal.commitment_id is not None
    assert proposal.reason is not None
    current = find_commitment(agreement, proposal.commitment_id)
    if proposal.kind == ProposalKind.RENEGOTIATION:
        terms = next(t for t in proposal.commitments if t.commitment_id == current.commitment_id)
        changed = replace(
            current,
            terms=terms,
            status=CommitmentStatus.OPEN,
            earlier_terms=(*current.earlier_terms, current.terms),
        )
        event = CommitmentRenegotiatedV1(
            repair_id=repair.repair_id,
            agreement_id=agreement.agreement_id,
            agreement_version=proposal.version,
            previous_terms_version=current.terms.terms_version,
            terms=terms,
            reason=proposal.reason,
            renegotiated_at=now,
        )
    else:
        changed = replace(
            current,
            status=CommitmentStatus.RELEASED,
            released_at=now,
            released_reason=proposal.reason,
        )
        event = CommitmentReleasedV1(
            repair_id=repair.repair_id,
            agreement_id=agreement.agreement_id,
            commitment_id=current.commitment_id,
            terms_version=current.terms.terms_version,
            owner=current.terms.owner,
            reason=proposal.reason,
            released_at=now,
        )
    agreement = replace(agreement, commitments=with_changed(agreement, changed))
    return Decision(replace(repair, agreement=agreement), (event,))
