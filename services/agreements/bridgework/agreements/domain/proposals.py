"""Proposals: every proposal (the initial terms, a renegotiation, a release) is the next version
of the one agreement, put to every responsible and every affected participant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from bridgework.agreements.domain.agreement import (
    Agreement,
    AgreementStatus,
    CommitmentDraft,
    CommitmentStatus,
    Proposal,
    ProposalKind,
)
from bridgework.agreements.domain.commitments import changeable_commitment
from bridgework.agreements.domain.participants import consent_parties
from bridgework.agreements.domain.repair import (
    Decision,
    NewId,
    Repair,
    require_open,
    require_participant,
)
from bridgework.common.contracts import AgreementProposedV1, CommitmentTerms, PersonRef
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.errors import DomainError, ErrorKind


def propose_agreement(
    repair: Repair,
    *,
    actor: PersonRef,
    drafts: Sequence[CommitmentDraft[Sealed]],
    now: datetime,
    new_id: NewId,
) -> Decision:
    """Put (new) terms for the whole agreement to the participants; before anything is in force."""
    require_open(repair)
    require_participant(repair, actor)
    agreement = repair.agreement
    if agreement is not None and agreement.in_force:
        raise DomainError(
            "agreement_in_force",
            "the agreement is in force: renegotiate or release single commitments instead",
            kind=ErrorKind.CONFLICT,
        )
    required = consent_parties(repair)
    previous = agreement.pending if agreement else None
    terms = terms_from_drafts(repair, drafts, previous=previous, now=now, new_id=new_id)
    agreement = agreement or Agreement(
        agreement_id=new_id(), status=AgreementStatus.PROPOSED, latest_version=0
    )
    proposal = Proposal(
        version=agreement.latest_version + 1,
        kind=ProposalKind.TERMS,
        commitments=terms,
        proposed_by=actor,
        proposed_at=now,
        consent_required_from=required,
    )
    return _put_to_participants(repair, agreement, proposal)


def propose_renegotiation(
    repair: Repair,
    *,
    actor: PersonRef,
    commitment_id: UUID,
    action: Sealed | None,
    due_at: datetime | None,
    reason: Sealed,
    now: datetime,
) -> Decision:
    """Propose new terms or a new date for one commitment in force; everyone consents again."""
    changeable = changeable_commitment(repair, actor, commitment_id)
    agreement = changeable.agreement
    if action is None and due_at is None:
        raise DomainError.invalid("(body)", "give a new action, a new due_at, or both")
    if due_at is not None and due_at <= now:
        raise DomainError.invalid("due_at", "must be in the future")
    old = changeable.commitment.terms
    unchanged = (action is None or action == old.action) and (
        due_at is None or due_at == old.due_at
    )
    if unchanged:
        raise DomainError.invalid("(body)", "the new terms are the same as the terms in force")
    new_terms = CommitmentTerms(
        commitment_id=old.commitment_id,
        terms_version=old.terms_version + 1,
        owner=old.owner,
        owed_to=old.owed_to,
        owed_to_departments=old.owed_to_departments,
        action=action if action is not None else old.action,
        due_at=due_at if due_at is not None else old.due_at,
    )
    standing = tuple(
        new_terms if c.commitment_id == commitment_id else c.terms
        for c in agreement.commitments
        if c.status != CommitmentStatus.RELEASED
    )
    proposal = Proposal(
        version=agreement.latest_version + 1,
        kind=ProposalKind.RENEGOTIATION,
        commitments=standing,
        proposed_by=actor,
        proposed_at=now,
        consent_required_from=consent_parties(repair),
        commitment_id=commitment_id,
        reason=reason,
    )
    return _put_to_participants(repair, agreement, proposal)


def propose_release(
    repair: Repair, *, actor: PersonRef, commitment_id: UUID, reason: Sealed, now: datetime
) -> Decision:
    """Propose that one commitment in force no longer stands; released only by everyone's consent."""
    agreement = changeable_commitment(repair, actor, commitment_id).agreement
    standing = tuple(
        c.terms
        for c in agreement.commitments
        if c.status != CommitmentStatus.RELEASED and c.commitment_id != commitment_id
    )
    if not standing:
        raise DomainError(
            "last_commitment_standing",
            "releasing the last commitment would leave no agreement; close the repair instead",
            kind=ErrorKind.CONFLICT,
        )
    proposal = Proposal(
        version=agreement.latest_version + 1,
        kind=ProposalKind.RELEASE,
        commitments=standing,
        proposed_by=actor,
        proposed_at=now,
        consent_required_from=consent_parties(repair),
        commitment_id=commitment_id,
        reason=reason,
    )
    return _put_to_participants(repair, agreement, proposal)


def terms_from_drafts(
    repair: Repair,
    drafts: Sequence[CommitmentDraft[Sealed]],
    *,
    previous: Proposal | None,
    now: datetime,
    new_id: NewId,
    owners_must_take_part: bool = True,
) -> tuple[CommitmentTerms, ...]:
    """Terms for drafted commitments; a revised commitment keeps its id and raises its terms
    version only when its terms changed."""
    if not drafts:
        raise DomainError.invalid("commitments", "at least one commitment is needed")
    earlier = {t.commitment_id: t for t in previous.commitments} if previous else {}
    seen: set[UUID] = set()
    terms: list[CommitmentTerms] = []
    for index, draft in enumerate(drafts):
        field = f"commitments.{index}"
        if draft.due_at <= now:
            raise DomainError.invalid(f"{field}.due_at", "must be in the future")
        if owners_must_take_part:
            owner = repair.participant(draft.owner.person_id)
            if owner is None or owner.person != draft.owner:
                raise DomainError.invalid(f"{field}.owner", "is not a participant of this repair")
        before = None
        if draft.commitment_id is not None:
            before = earlier.get(draft.commitment_id)
            if before is None:
                raise DomainError.invalid(
                    f"{field}.commitment_id", "is not a commitment of the proposal being revised"
                )
            if draft.commitment_id in seen:
                raise DomainError.invalid(f"{field}.commitment_id", "appears twice")
        commitment_id = draft.commitment_id or new_id()
        seen.add(commitment_id)
        candidate = CommitmentTerms(
            commitment_id=commitment_id,
            terms_version=before.terms_version if before else 1,
            owner=draft.owner,
            owed_to=list(draft.owed_to),
            owed_to_departments=list(draft.owed_to_departments),
            action=draft.action,
            due_at=draft.due_at,
        )
        if before is not None and candidate != before:
            candidate = candidate.model_copy(update={"terms_version": before.terms_version + 1})
        terms.append(candidate)
    return tuple(terms)


def _put_to_participants(repair: Repair, agreement: Agreement, proposal: Proposal) -> Decision:
    agreement = replace(agreement, latest_version=proposal.version, pending=proposal)
    event = AgreementProposedV1(
        repair_id=repair.repair_id,
        agreement_id=agreement.agreement_id,
        version=proposal.version,
        commitments=list(proposal.commitments),
        proposed_by=proposal.proposed_by,
        proposed_at=proposal.proposed_at,
        consent_required_from=list(proposal.consent_required_from),
    )
    return Decision(replace(repair, agreement=agreement), (event,))
