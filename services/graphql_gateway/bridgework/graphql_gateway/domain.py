"""How events fold into the read model's state of one repair or one incident. Pure: no I/O.

Every fold is order-independent (later terms versions win, earliest times win, a latest
decision is chosen by its own timestamp), because the three streams arrive in any order
relative to each other, and replaying them must rebuild the same state.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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


@dataclass(frozen=True, order=True)
class Person:
    person_id: str
    department: str

    @staticmethod
    def of(ref: PersonRef) -> Person:
        return Person(ref.person_id, ref.department)


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


@dataclass(frozen=True)
class CommitmentState:
    """One promise: its terms in force (highest version known) and what became of it."""

    commitment_id: UUID
    repair_id: UUID
    terms_version: int
    owner: Person
    due_at: datetime | None  # None while only a release has told of this commitment
    agreement_id: UUID | None = None
    owed_to: tuple[Person, ...] = ()
    owed_to_departments: tuple[str, ...] = ()
    action: str | None = None  # None while only a kept/lapsed event has told of this version
    in_force_at: datetime | None = None
    renegotiation_reason: str | None = None
    kept_at: datetime | None = None
    kept_on_time: bool | None = None
    lapsed_terms_version: int | None = None
    lapsed_at: datetime | None = None
    lapse_count: int = 0
    released_at: datetime | None = None
    release_reason: str | None = None

    @property
    def status(self) -> str:
        """released > kept > lapsed (the terms in force) > open; renegotiation reopens a lapse."""
        if self.released_at is not None:
            return "released"
        if self.kept_at is not None:
            return "kept"
        if (
            self.lapsed_terms_version is not None
            and self.lapsed_terms_version >= self.terms_version
        ):
            return "lapsed"
        return "open"


@dataclass(frozen=True)
class AgreementState:
    agreement_id: UUID
    version: int
    reached_at: datetime
    first_reached_at: datetime
    response_mode: str
    consented_by: tuple[Person, ...]


@dataclass(frozen=True)
class ProposalState:
    agreement_id: UUID
    version: int
    proposed_by: Person
    proposed_at: datetime
    consent_required_from: tuple[Person, ...]
    commitments: tuple[CommitmentTerms, ...]


@dataclass(frozen=True)
class ConsentState:
    agreement_id: UUID
    version: int
    person: Person
    role: str
    decision: str  # given | declined
    reason: str | None
    decided_at: datetime


@dataclass(frozen=True)
class ImposedState:
    decided_by: Person
    response_mode: str
    reason: str
    imposed_at: datetime


@dataclass(frozen=True)
class ClosedState:
    outcome: str
    reason_code: str | None
    reason: str | None
    response_mode: str
    closed_at: datetime


@dataclass(frozen=True)
class NudgeState:
    nudge_id: UUID
    kind: str
    commitment_id: UUID | None
    terms_version: int | None
    recipient: Person
    channels: tuple[str, ...]
    sent_at: datetime


@dataclass(frozen=True)
class CheckInState:
    check_in_id: UUID
    person: Person
    outcome: str
    comment: str | None
    recorded_at: datetime


_REPAIR_DICTS = (
    "incidents", "participants", "proposals", "consents", "agreements", "commitments", "nudges",
    "check_ins",
)  # fmt: skip


@dataclass
class RepairState:
    """Everything the read model knows of one repair; `opened_at` is None until it is opened."""

    repair_id: UUID
    opened_at: datetime | None = None
    category: str | None = None
    departments: tuple[str, ...] = ()
    relationships: tuple[tuple[str, str], ...] = ()
    recurrence_of: tuple[UUID, ...] = ()
    agreement_due_by: datetime | None = None
    incidents: dict[UUID, datetime | None] = field(default_factory=dict)
    participants: dict[tuple[str, str], tuple[Person, datetime]] = field(default_factory=dict)
    proposals: dict[tuple[UUID, int], ProposalState] = field(default_factory=dict)
    consents: dict[tuple[UUID, int, str], ConsentState] = field(default_factory=dict)
    agreements: dict[UUID, AgreementState] = field(default_factory=dict)
    imposed: ImposedState | None = None
    closed: ClosedState | None = None
    commitments: dict[UUID, CommitmentState] = field(default_factory=dict)
    nudges: dict[UUID, NudgeState] = field(default_factory=dict)
    check_ins: dict[UUID, CheckInState] = field(default_factory=dict)

    def copy(self) -> RepairState:
        """An independent copy to fold into (its values are immutable; only the dicts are not).
        Copied attribute by attribute: dataclasses.replace re-runs __init__, ~4x slower."""
        copied = object.__new__(RepairState)
        copied.__dict__.update(self.__dict__)
        for name in _REPAIR_DICTS:
            setattr(copied, name, dict(getattr(self, name)))
        return copied

    @property
    def first_reached_at(self) -> datetime | None:
        times = [a.first_reached_at for a in self.agreements.values()]
        return min(times) if times else None

    def decision(self) -> tuple[datetime, str, str] | None:
        """The latest decision on the outcome: (when, 'agreed'|'imposed', response mode)."""
        decisions = [(a.reached_at, "agreed", a.response_mode) for a in self.agreements.values()]
        if self.imposed is not None:
            decisions.append((self.imposed.imposed_at, "imposed", self.imposed.response_mode))
        return max(decisions) if decisions else None

    @property
    def status(self) -> str:
        """open (no decision yet), agreed, imposed, or closed."""
        if self.closed is not None:
            return "closed"
        decision = self.decision()
        return decision[1] if decision else "open"

    @property
    def response_mode(self) -> str | None:
        """with/to/for/not as far as events tell; None while the repair awaits an agreement
        (an overdue wait counts as `not` at query time, since it depends on the clock)."""
        if self.closed is not None:
            return self.closed.response_mode
        decision = self.decision()
        return decision[2] if decision else None

    @property
    def confirmed_at(self) -> datetime | None:
        """When the affected confirmed things were made right: every person's latest
        check-in says yes; the time is the last of those answers."""
        latest: dict[str, CheckInState] = {}
        for check_in in self.check_ins.values():
            known = latest.get(check_in.person.person_id)
            if known is None or (check_in.recorded_at, check_in.outcome) > (
                known.recorded_at,
                known.outcome,
            ):
                latest[check_in.person.person_id] = check_in
        if not latest or any(c.outcome != "yes" for c in latest.values()):
            return None
        return max(c.recorded_at for c in latest.values())

    @property
    def participant_ids(self) -> frozenset[str]:
        return frozenset(person_id for person_id, _ in self.participants)

    def facilitator_ids(self) -> frozenset[str]:
        return frozenset(pid for pid, role in self.participants if role == "facilitator")


@dataclass
class IncidentState:
    """The latest revision of an incident, as intake reported it."""

    incident_id: UUID
    revision: int
    facts: IncidentFacts


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
    return (imposed.imposed_at, imposed.response_mode, imposed.reason)


def _closed_order(closed: ClosedState) -> tuple[datetime, str, str]:
    return (closed.closed_at, closed.outcome, closed.response_mode)
