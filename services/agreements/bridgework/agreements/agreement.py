"""The agreement's rules, pure like domain.py: proposals, consent, imposed outcomes, commitments.

One agreement per repair. Every proposal (the initial terms, a renegotiation, a
release) is the next version and is put to every responsible and every affected
participant; it comes into force only when all of them, as they stand when the
last consent arrives, consented to that version. See domain.py for the rest of
the repair's rules and the decisions written down there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from bridgework.agreements.domain import (
    CONSENTING_ROLES,
    Agreement,
    AgreementStatus,
    Commitment,
    CommitmentDraft,
    CommitmentStatus,
    ConflictError,
    Consent,
    Decision,
    ForbiddenError,
    Imposition,
    InvalidError,
    NewId,
    Participant,
    Proposal,
    ProposalKind,
    Repair,
    UnknownError,
    require_open,
    require_participant,
)
from bridgework.common.contracts import (
    AgreementProposedV1,
    AgreementReachedV1,
    CommitmentKeptV1,
    CommitmentLapsedV1,
    CommitmentReleasedV1,
    CommitmentRenegotiatedV1,
    CommitmentTerms,
    ConsentDeclinedV1,
    ConsentGivenV1,
    OutcomeImposedV1,
    ParticipantRole,
    PersonRef,
    RepairEvent,
    ResponseMode,
)


def propose_agreement(
    repair: Repair,
    *,
    actor: PersonRef,
    drafts: Sequence[CommitmentDraft],
    now: datetime,
    new_id: NewId,
) -> Decision:
    """Put (new) terms for the whole agreement to the participants; before anything is in force."""
    require_open(repair)
    require_participant(repair, actor)
    agreement = repair.agreement
    if agreement is not None and agreement.in_force:
        raise ConflictError(
            "agreement_in_force",
            "the agreement is in force: renegotiate or release single commitments instead",
        )
    required = _consent_parties(repair)
    previous = agreement.pending if agreement else None
    terms = _terms_from_drafts(repair, drafts, previous=previous, now=now, new_id=new_id)
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
    action: str | None,
    due_at: datetime | None,
    reason: str,
    now: datetime,
) -> Decision:
    """Propose new terms or a new date for one commitment in force; everyone consents again."""
    agreement, commitment = _changeable_commitment(repair, actor, commitment_id)
    if action is None and due_at is None:
        raise InvalidError("(body)", "give a new action, a new due_at, or both")
    if due_at is not None and due_at <= now:
        raise InvalidError("due_at", "must be in the future")
    old = commitment.terms
    unchanged = (action is None or action == old.action) and (
        due_at is None or due_at == old.due_at
    )
    if unchanged:
        raise InvalidError("(body)", "the new terms are the same as the terms in force")
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
        consent_required_from=_consent_parties(repair),
        commitment_id=commitment_id,
        reason=reason,
    )
    return _put_to_participants(repair, agreement, proposal)


def propose_release(
    repair: Repair, *, actor: PersonRef, commitment_id: UUID, reason: str, now: datetime
) -> Decision:
    """Propose that one commitment in force no longer stands; released only by everyone's consent."""
    agreement, _ = _changeable_commitment(repair, actor, commitment_id)
    standing = tuple(
        c.terms
        for c in agreement.commitments
        if c.status != CommitmentStatus.RELEASED and c.commitment_id != commitment_id
    )
    if not standing:
        raise ConflictError(
            "last_commitment_standing",
            "releasing the last commitment would leave no agreement; close the repair instead",
        )
    proposal = Proposal(
        version=agreement.latest_version + 1,
        kind=ProposalKind.RELEASE,
        commitments=standing,
        proposed_by=actor,
        proposed_at=now,
        consent_required_from=_consent_parties(repair),
        commitment_id=commitment_id,
        reason=reason,
    )
    return _put_to_participants(repair, agreement, proposal)


def give_consent(
    repair: Repair, *, participant: PersonRef, version: int, now: datetime
) -> Decision:
    """A responsible or affected participant consents to the current version; the last consent
    needed brings it into force."""
    agreement, proposal, consenting = _answerable_proposal(repair, participant, version)
    earlier = proposal.consent_of(participant.person_id)
    if earlier is not None and earlier.given:
        return Decision(repair)
    consent = Consent(person=consenting.person, given=True, at=now)
    proposal = _with_consent(proposal, consent)
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
    repair: Repair, *, participant: PersonRef, version: int, reason: str, now: datetime
) -> Decision:
    """A responsible or affected participant declines the current version, saying why."""
    agreement, proposal, declining = _answerable_proposal(repair, participant, version)
    earlier = proposal.consent_of(participant.person_id)
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
    pending = _with_consent(proposal, consent)
    return Decision(replace(repair, agreement=replace(agreement, pending=pending)), (event,))


def impose_outcome(
    repair: Repair,
    *,
    decided_by: PersonRef,
    reason: str,
    drafts: Sequence[CommitmentDraft],
    now: datetime,
    new_id: NewId,
) -> Decision:
    """Record an outcome decided without everyone's consent, so the response mode tells the truth.

    With `drafts`, the outcome is those new terms (nobody consented to them: `to`). Without,
    it is the pending proposal: `for` when every responsible participant consented to it
    (only the affected's voice is missing), `to` otherwise; with no proposal either, an
    outcome without commitments (`to`).
    """
    require_open(repair)
    agreement = repair.agreement
    if agreement is not None and agreement.in_force:
        raise ConflictError("agreement_in_force", "an agreement is already in force")
    latest = agreement.latest_version if agreement else 0
    pending = agreement.pending if agreement else None
    if drafts:
        terms = _terms_from_drafts(
            repair, drafts, previous=None, now=now, new_id=new_id, owners_must_take_part=False
        )
        version, mode = latest + 1, ResponseMode.TO
    elif pending is not None:
        terms, version = pending.commitments, pending.version
        mode = ResponseMode.FOR if _responsible_consented(repair, pending) else ResponseMode.TO
    else:
        terms, version, mode = (), latest + 1, ResponseMode.TO
    imposition = Imposition(
        decided_by=decided_by, response_mode=mode, reason=reason, imposed_at=now
    )
    imposed = Agreement(
        agreement_id=agreement.agreement_id if agreement else new_id(),
        status=AgreementStatus.IMPOSED,
        latest_version=version,
        in_force_version=version,
        commitments=tuple(Commitment(terms=t) for t in terms),
        in_force_since=now,
        imposition=imposition,
    )
    event = OutcomeImposedV1(
        repair_id=repair.repair_id,
        decided_by=decided_by,
        response_mode=mode,
        reason=reason,
        commitments=list(terms),
        imposed_at=now,
    )
    return Decision(replace(repair, agreement=imposed), (event,))


# --- commitments --------------------------------------------------------------------------------


def keep_commitment(
    repair: Repair, *, actor: PersonRef, commitment_id: UUID, kept_at: datetime, now: datetime
) -> Decision:
    """A commitment in force was kept (on time or late); a pending change of it falls away."""
    require_open(repair)
    require_participant(repair, actor)
    agreement = _agreement_in_force(repair, commitment_id)
    commitment = _commitment(agreement, commitment_id)
    _require_unsettled(commitment)
    if kept_at > now:
        raise InvalidError("kept_at", "must not be in the future")
    on_time = kept_at <= commitment.terms.due_at
    kept = replace(commitment, status=CommitmentStatus.KEPT, kept_at=kept_at, on_time=on_time)
    pending = agreement.pending
    if pending is not None and pending.commitment_id == commitment_id:
        pending = None  # a renegotiation or release of what is now done has nothing left to change
    agreement = replace(agreement, commitments=_replaced(agreement, kept), pending=pending)
    event = CommitmentKeptV1(
        repair_id=repair.repair_id,
        agreement_id=agreement.agreement_id,
        commitment_id=commitment_id,
        terms_version=commitment.terms.terms_version,
        owner=commitment.terms.owner,
        due_at=commitment.terms.due_at,
        kept_at=kept_at,
        on_time=on_time,
    )
    return Decision(replace(repair, agreement=agreement), (event,))


def record_lapse(repair: Repair, lapse: CommitmentLapsedV1) -> Repair:
    """Follow-up saw a commitment's date pass; stale news (terms since changed, kept, released,
    repair closed) changes nothing."""
    agreement = repair.agreement
    commitment = agreement.commitment(lapse.commitment_id) if agreement else None
    if agreement is None or commitment is None or repair.closure is not None:
        return repair
    if commitment.status != CommitmentStatus.OPEN:
        return repair
    if commitment.terms.terms_version != lapse.terms_version:
        return repair
    lapsed = replace(
        commitment,
        status=CommitmentStatus.LAPSED,
        lapse_count=max(commitment.lapse_count + 1, lapse.lapse_count),
        lapsed_at=lapse.lapsed_at,
    )
    return replace(repair, agreement=replace(agreement, commitments=_replaced(agreement, lapsed)))


# --- helpers ------------------------------------------------------------------------------------


def _consent_parties(repair: Repair) -> tuple[PersonRef, ...]:
    """Who must consent: every responsible and every affected participant, at least one of each."""
    responsible = repair.with_role(ParticipantRole.RESPONSIBLE)
    affected = repair.with_role(ParticipantRole.AFFECTED)
    if not responsible or not affected:
        missing = "a responsible" if not responsible else "an affected"
        raise ConflictError(
            "consent_parties_missing",
            f"{missing} participant must take part before terms are proposed",
        )
    return tuple(p.person for p in repair.participants if p.role in CONSENTING_ROLES)


def _terms_from_drafts(
    repair: Repair,
    drafts: Sequence[CommitmentDraft],
    *,
    previous: Proposal | None,
    now: datetime,
    new_id: NewId,
    owners_must_take_part: bool = True,
) -> tuple[CommitmentTerms, ...]:
    """Terms for drafted commitments; a revised commitment keeps its id and raises its terms
    version only when its terms changed."""
    if not drafts:
        raise InvalidError("commitments", "at least one commitment is needed")
    earlier = {t.commitment_id: t for t in previous.commitments} if previous else {}
    seen: set[UUID] = set()
    terms: list[CommitmentTerms] = []
    for index, draft in enumerate(drafts):
        field = f"commitments.{index}"
        if draft.due_at <= now:
            raise InvalidError(f"{field}.due_at", "must be in the future")
        if owners_must_take_part:
            owner = repair.participant(draft.owner.person_id)
            if owner is None or owner.person != draft.owner:
                raise InvalidError(f"{field}.owner", "is not a participant of this repair")
        before = None
        if draft.commitment_id is not None:
            before = earlier.get(draft.commitment_id)
            if before is None:
                raise InvalidError(
                    f"{field}.commitment_id", "is not a commitment of the proposal being revised"
                )
            if draft.commitment_id in seen:
                raise InvalidError(f"{field}.commitment_id", "appears twice")
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


def _changeable_commitment(
    repair: Repair, actor: PersonRef, commitment_id: UUID
) -> tuple[Agreement, Commitment]:
    require_open(repair)
    require_participant(repair, actor)
    agreement = _agreement_in_force(repair, commitment_id)
    commitment = _commitment(agreement, commitment_id)
    _require_unsettled(commitment)
    _consent_parties(repair)
    return agreement, commitment


def _agreement_in_force(repair: Repair, commitment_id: UUID) -> Agreement:
    agreement = repair.agreement
    if agreement is not None and agreement.in_force:
        return agreement
    proposed = agreement.pending.commitments if agreement and agreement.pending else ()
    if any(t.commitment_id == commitment_id for t in proposed):
        raise ConflictError(
            "agreement_not_in_force",
            "the agreement has not been reached: its commitments are not in force yet",
        )
    raise UnknownError("unknown_commitment", f"no commitment {commitment_id} in this repair")


def _commitment(agreement: Agreement, commitment_id: UUID) -> Commitment:
    commitment = agreement.commitment(commitment_id)
    if commitment is None:
        raise UnknownError("unknown_commitment", f"no commitment {commitment_id} in this repair")
    return commitment


def _require_unsettled(commitment: Commitment) -> None:
    if commitment.status == CommitmentStatus.KEPT:
        raise ConflictError("commitment_kept", f"commitment {commitment.commitment_id} was kept")
    if commitment.status == CommitmentStatus.RELEASED:
        raise ConflictError(
            "commitment_released", f"commitment {commitment.commitment_id} was released"
        )


def _replaced(agreement: Agreement, changed: Commitment) -> tuple[Commitment, ...]:
    return tuple(
        changed if c.commitment_id == changed.commitment_id else c for c in agreement.commitments
    )


def _answerable_proposal(
    repair: Repair, person: PersonRef, version: int
) -> tuple[Agreement, Proposal, Participant]:
    require_open(repair)
    participant = require_participant(repair, person)
    if participant.role not in CONSENTING_ROLES:
        raise ForbiddenError(
            "consent_not_asked",
            "consent is asked of responsible and affected participants only",
        )
    agreement = repair.agreement
    if agreement is None or agreement.pending is None:
        raise ConflictError("no_proposal_pending", "no terms are waiting for consent")
    if version != agreement.pending.version:
        raise ConflictError(
            "stale_version",
            f"version {version} is not the current one; version {agreement.pending.version} is",
        )
    return agreement, agreement.pending, participant


def _with_consent(proposal: Proposal, consent: Consent) -> Proposal:
    others = tuple(c for c in proposal.consents if c.person.person_id != consent.person.person_id)
    return replace(proposal, consents=(*others, consent))


def _everyone_consented(repair: Repair, proposal: Proposal) -> bool:
    # Whoever takes part now counts, including people who joined after the proposal.
    required = [p.person.person_id for p in repair.participants if p.role in CONSENTING_ROLES]
    given = {c.person.person_id for c in proposal.consents if c.given}
    return all(person_id in given for person_id in required)


def _responsible_consented(repair: Repair, proposal: Proposal) -> bool:
    responsible = repair.with_role(ParticipantRole.RESPONSIBLE)
    given = {c.person.person_id for c in proposal.consents if c.given}
    return bool(responsible) and all(p.person.person_id in given for p in responsible)


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
    else:
        assert proposal.commitment_id is not None
        assert proposal.reason is not None
        current = _commitment(agreement, proposal.commitment_id)
        if proposal.kind == ProposalKind.RENEGOTIATION:
            terms = next(
                t for t in proposal.commitments if t.commitment_id == current.commitment_id
            )
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
        agreement = replace(agreement, commitments=_replaced(agreement, changed))
    return Decision(replace(repair, agreement=agreement), (event,))
