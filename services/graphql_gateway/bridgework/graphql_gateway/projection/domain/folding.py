"""How events fold into the state of one repair or one incident. Pure: no I/O.

Every fold is order-independent (later terms versions win, earliest times win, a latest
decision is chosen by its own timestamp), because the three streams arrive in any order
relative to each other, and replaying them must rebuild the same state.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from bridgework.common.contracts import (
    AgreementProposedV1,
    AgreementReachedV1,
    CheckInRecordedV1,
    CommitmentKeptV1,
    CommitmentLapsedV1,
    CommitmentReleasedV1,
    CommitmentRenegotiatedV1,
    CommitmentTerms,
    ConsentDeclinedV1,
    ConsentGivenV1,
    Contract,
    FacilitationOfferAnsweredV1,
    FacilitationOfferedV1,
    IncidentFacts,
    IncidentLinkedV1,
    IncidentUpdatedV1,
    NudgeSentV1,
    OutcomeImposedV1,
    ParticipantJoinedV1,
    PersonRef,
    RepairClosedV1,
    RepairOpenedV1,
)
from bridgework.graphql_gateway.projection.domain.state import (
    AgreementState,
    CheckInState,
    ClosedState,
    CommitmentState,
    ConsentState,
    ImposedState,
    IncidentState,
    NudgeState,
    OfferState,
    Person,
    ProposalState,
    RepairState,
)


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def fold_incident(state: IncidentState | None, facts: IncidentFacts) -> IncidentState:
    """Keep the highest revision (a report is revision 1)."""
    revision = facts.revision if isinstance(facts, IncidentUpdatedV1) else 1
    if state is not None and state.revision >= revision:
        return state
    return IncidentState(incident_id=facts.incident_id, revision=revision, facts=facts)


def _merge_terms(
    state: RepairState,
    *,
    commitment_id: UUID,
    terms_version: int,
    owner: PersonRef,
    due_at: datetime | None,
    agreement_id: UUID | None,
    terms: CommitmentTerms | None = None,
    in_force_at: datetime | None = None,
) -> CommitmentState:
    """Fold terms (whole, or the partial terms a kept/lapsed event repeats) into a commitment."""
    known = state.commitments.get(commitment_id)
    if known is None:
        known = CommitmentState(
            commitment_id=commitment_id,
            repair_id=state.repair_id,
            terms_version=terms_version,
            owner=Person.of(owner),
            due_at=due_at,
        )
    if terms_version > known.terms_version:
        known = replace(
            known,
            terms_version=terms_version,
            owner=Person.of(owner),
            due_at=due_at,
            owed_to=(),
            owed_to_departments=(),
            action=None,
            renegotiation_reason=None,
        )
    if terms is not None and terms_version == known.terms_version and known.action is None:
        # Whole terms are authoritative for their version (a release does not carry a due date).
        known = replace(
            known,
            owner=Person.of(terms.owner),
            due_at=terms.due_at,
            owed_to=tuple(Person.of(p) for p in terms.owed_to),
            owed_to_departments=tuple(terms.owed_to_departments),
            action=terms.action,
        )
    if known.due_at is None and terms_version == known.terms_version:
        known = replace(known, due_at=due_at)
    if known.agreement_id is None and agreement_id is not None:
        known = replace(known, agreement_id=agreement_id)
    known = replace(known, in_force_at=_earliest(known.in_force_at, in_force_at))
    state.commitments[commitment_id] = known
    return known


def _merge_whole_terms(
    state: RepairState, terms: CommitmentTerms, agreement_id: UUID | None, in_force_at: datetime
) -> CommitmentState:
    return _merge_terms(
        state,
        commitment_id=terms.commitment_id,
        terms_version=terms.terms_version,
        owner=terms.owner,
        due_at=terms.due_at,
        agreement_id=agreement_id,
        terms=terms,
        in_force_at=in_force_at,
    )


def fold_repair(state: RepairState, event: Contract) -> None:
    """Fold one repair or follow-up fact into `state` (in place)."""
    match event:
        case RepairOpenedV1():
            state.opened_at = _earliest(state.opened_at, event.opened_at)
            state.category = event.category.value
            state.departments = tuple(sorted(set(event.departments)))
            state.relationships = tuple(
                sorted((p.department_a, p.department_b) for p in event.relationships)
            )
            state.recurrence_of = tuple(sorted(set(event.recurrence_of)))
            state.agreement_due_by = event.agreement_due_by
            for incident_id in event.incident_ids:
                state.incidents[incident_id] = _earliest(
                    state.incidents.get(incident_id), event.opened_at
                )
        case IncidentLinkedV1():
            state.incidents[event.incident_id] = _earliest(
                state.incidents.get(event.incident_id), event.linked_at
            )
        case ParticipantJoinedV1():
            key = (event.participant.person_id, event.role.value)
            joined = state.participants.get(key)
            at = event.joined_at if joined is None else min(joined[1], event.joined_at)
            state.participants[key] = (Person.of(event.participant), at)
        case FacilitationOfferedV1() | FacilitationOfferAnsweredV1():
            _fold_offer(state, event)
        case AgreementProposedV1():
            state.proposals[(event.agreement_id, event.version)] = ProposalState(
                agreement_id=event.agreement_id,
                version=event.version,
                proposed_by=Person.of(event.proposed_by),
                proposed_at=event.proposed_at,
                consent_required_from=tuple(Person.of(p) for p in event.consent_required_from),
                commitments=tuple(event.commitments),
            )
        case ConsentGivenV1() | ConsentDeclinedV1():
            _fold_consent(state, event)
        case AgreementReachedV1():
            _fold_reached(state, event)
        case OutcomeImposedV1():
            imposed = ImposedState(
                decided_by=Person.of(event.decided_by),
                response_mode=event.response_mode.value,
                reason=event.reason,
                imposed_at=event.imposed_at,
            )
            if state.imposed is None or _imposed_order(imposed) > _imposed_order(state.imposed):
                state.imposed = imposed
            for terms in event.commitments:
                _merge_whole_terms(state, terms, None, event.imposed_at)
        case CommitmentKeptV1():
            kept = _merge_terms(
                state,
                commitment_id=event.commitment_id,
                terms_version=event.terms_version,
                owner=event.owner,
                due_at=event.due_at,
                agreement_id=event.agreement_id,
            )
            if kept.kept_at is None or event.kept_at < kept.kept_at:
                state.commitments[kept.commitment_id] = replace(
                    kept, kept_at=event.kept_at, kept_on_time=event.on_time
                )
        case CommitmentRenegotiatedV1():
            renegotiated = _merge_whole_terms(
                state, event.terms, event.agreement_id, event.renegotiated_at
            )
            if renegotiated.terms_version == event.terms.terms_version:
                state.commitments[renegotiated.commitment_id] = replace(
                    renegotiated, renegotiation_reason=event.reason
                )
        case CommitmentReleasedV1():
            released = _merge_terms(
                state,
                commitment_id=event.commitment_id,
                terms_version=event.terms_version,
                owner=event.owner,
                due_at=None,
                agreement_id=event.agreement_id,
            )
            if released.released_at is None or event.released_at < released.released_at:
                state.commitments[released.commitment_id] = replace(
                    released, released_at=event.released_at, release_reason=event.reason
                )
        case CommitmentLapsedV1():
            _fold_lapse(state, event)
        case RepairClosedV1():
            closed = ClosedState(
                outcome=event.outcome.value,
                reason_code=event.reason_code,
                reason=event.reason,
                response_mode=event.response_mode.value,
                closed_at=event.closed_at,
            )
            if state.closed is None or _closed_order(closed) > _closed_order(state.closed):
                state.closed = closed
        case NudgeSentV1():
            state.nudges[event.nudge_id] = NudgeState(
                nudge_id=event.nudge_id,
                kind=event.kind.value,
                commitment_id=event.commitment_id,
                terms_version=event.terms_version,
                recipient=Person.of(event.recipient),
                channels=tuple(sorted(c.value for c in event.channels)),
                sent_at=event.sent_at,
            )
        case CheckInRecordedV1():
            state.check_ins[event.check_in_id] = CheckInState(
                check_in_id=event.check_in_id,
                person=Person.of(event.participant),
                outcome=event.outcome.value,
                comment=event.comment,
                recorded_at=event.recorded_at,
            )
        case _:
            # Conversations are stored as they come (they change no derived state).
            pass


def _fold_offer(
    state: RepairState, event: FacilitationOfferedV1 | FacilitationOfferAnsweredV1
) -> None:
    """An offer and its answer, in either order: the answer names the offer it answers."""
    key = (event.facilitator.person_id, event.offered_at)
    known = state.facilitation_offers.get(key) or OfferState(
        person=Person.of(event.facilitator), offered_at=event.offered_at
    )
    if isinstance(event, FacilitationOfferAnsweredV1):
        answer = (event.answered_at, event.decision.value)
        if known.answered_at is None or answer > (known.answered_at, known.decision or ""):
            known = replace(
                known,
                decision=event.decision.value,
                answered_by=event.answered_by,
                reason=event.reason,
                answered_at=event.answered_at,
            )
    state.facilitation_offers[key] = known


def _fold_consent(state: RepairState, event: ConsentGivenV1 | ConsentDeclinedV1) -> None:
    if isinstance(event, ConsentGivenV1):
        decision, reason, at = "given", None, event.given_at
    else:
        decision, reason, at = "declined", event.reason, event.declined_at
    consent = ConsentState(
        agreement_id=event.agreement_id,
        version=event.version,
        person=Person.of(event.participant),
        role=event.role.value,
        decision=decision,
        reason=reason,
        decided_at=at,
    )
    key = (event.agreement_id, event.version, event.participant.person_id)
    known = state.consents.get(key)
    # The later answer stands; at the same instant a decline outranks a consent.
    if known is None or (at, decision) > (known.decided_at, known.decision):
        state.consents[key] = consent


def _fold_reached(state: RepairState, event: AgreementReachedV1) -> None:
    known = state.agreements.get(event.agreement_id)
    first = event.reached_at if known is None else min(known.first_reached_at, event.reached_at)
    if known is None or event.version >= known.version:
        state.agreements[event.agreement_id] = AgreementState(
            agreement_id=event.agreement_id,
            version=event.version,
            reached_at=event.reached_at,
            first_reached_at=first,
            response_mode=event.response_mode.value,
            consented_by=tuple(sorted(Person.of(p) for p in event.consented_by)),
        )
    else:
        state.agreements[event.agreement_id] = replace(known, first_reached_at=first)
    for terms in event.commitments:
        _merge_whole_terms(state, terms, event.agreement_id, event.reached_at)


def _fold_lapse(state: RepairState, event: CommitmentLapsedV1) -> None:
    lapsed = _merge_terms(
        state,
        commitment_id=event.commitment_id,
        terms_version=event.terms_version,
        owner=event.owner,
        due_at=event.due_at,
        agreement_id=event.agreement_id,
    )
    newer = lapsed.lapsed_terms_version is None or event.terms_version > lapsed.lapsed_terms_version
    same = lapsed.lapsed_terms_version == event.terms_version
    lapsed_at = lapsed.lapsed_at
    if newer:
        lapsed_at = event.lapsed_at
    elif same:
        lapsed_at = _earliest(lapsed.lapsed_at, event.lapsed_at)
    state.commitments[lapsed.commitment_id] = replace(
        lapsed,
        lapsed_terms_version=max(lapsed.lapsed_terms_version or 0, event.terms_version),
        lapsed_at=lapsed_at,
        lapse_count=max(lapsed.lapse_count, event.lapse_count),
    )


def _imposed_order(imposed: ImposedState) -> tuple[datetime, str, str]:
    # The ciphertext breaks a tie the same way in any order of arrival (an event's is fixed).
    reason = imposed.reason.ciphertext if imposed.reason else ""
    return (imposed.imposed_at, imposed.response_mode, reason)


def _closed_order(closed: ClosedState) -> tuple[datetime, str, str]:
    return (closed.closed_at, closed.outcome, closed.response_mode)
