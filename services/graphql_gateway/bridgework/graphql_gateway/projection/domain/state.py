"""The read model's state of one repair or one incident, as the projection folds it. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from bridgework.common.contracts import CommitmentTerms, IncidentFacts, PersonRef
from bridgework.common.contracts.sealed import Sealed


@dataclass(frozen=True, order=True)
class Person:
    person_id: str
    department: str

    @staticmethod
    def of(ref: PersonRef) -> Person:
        return Person(ref.person_id, ref.department)


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
    # Confidential texts stay sealed here, as the events carry them (the owner's key).
    action: Sealed | None = None  # None while only a kept/lapsed event has told of this version
    in_force_at: datetime | None = None
    renegotiation_reason: Sealed | None = None
    kept_at: datetime | None = None
    kept_on_time: bool | None = None
    lapsed_terms_version: int | None = None
    lapsed_at: datetime | None = None
    lapse_count: int = 0
    released_at: datetime | None = None
    release_reason: Sealed | None = None

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
    reason: Sealed | None
    decided_at: datetime


@dataclass(frozen=True)
class ImposedState:
    decided_by: Person
    response_mode: str
    reason: Sealed | None  # None: stored in plain before texts were sealed, dropped then
    imposed_at: datetime


@dataclass(frozen=True)
class ClosedState:
    outcome: str
    reason_code: str | None
    reason: Sealed | None
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
    comment: Sealed | None
    recorded_at: datetime


@dataclass(frozen=True)
class OfferState:
    """A facilitator's offer to facilitate, and its answer once given (decision None: waiting)."""

    person: Person
    offered_at: datetime
    decision: str | None = None  # approved | declined
    answered_by: str | None = None
    reason: Sealed | None = None
    answered_at: datetime | None = None


REPAIR_DICTS = (
    "incidents", "participants", "proposals", "consents", "agreements", "commitments", "nudges",
    "check_ins", "facilitation_offers",
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
    # Keyed by (person id, offered at): a person may offer again after a decline.
    facilitation_offers: dict[tuple[str, datetime], OfferState] = field(default_factory=dict)

    def copy(self) -> RepairState:
        """An independent copy to fold into (its values are immutable; only the dicts are not).
        Copied attribute by attribute: dataclasses.replace would re-run __init__."""
        copied = object.__new__(RepairState)
        copied.__dict__.update(self.__dict__)
        for name in REPAIR_DICTS:
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
