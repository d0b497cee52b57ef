"""Agreements' rules, pure: no I/O, no clock, no framework.

A repair is one aggregate. Every command is a function of the repair as it
stands (and of `now`, given by the caller) that returns a `Decision`: the
repair as it stands afterwards and the events that say what changed. A command
that would break a rule raises a `DomainError` naming the rule instead.
This module holds the repair's state, its opening, people, conversation,
check-ins, linking, closing and response mode; agreement.py, as pure, holds
the agreement's rules (proposals, consent, imposed outcomes, commitments).

Decisions written down here (docs/agreements.md tells the same story):
- Consent: every responsible and every affected participant, as they stand
  when the last consent arrives, must have consented to the CURRENT version.
  Supporters and facilitators are not asked. A proposal needs at least one
  responsible and one affected participant, so that "everyone consented"
  never holds vacuously.
- Versions: one agreement per repair; every proposal (the initial terms, a
  renegotiation, a release) is the next version and asks everyone again. A new
  proposal supersedes a pending one. Terms carry their own version per
  commitment, raised only when that commitment's terms change.
- After the agreement is in force, single commitments change only by
  consent (renegotiation, release); a renegotiation consented to is announced
  by CommitmentRenegotiated, a release by CommitmentReleased (not by a second
  AgreementReached).
- Response mode: `with` once reached by consent; an imposed outcome is `to`
  unless it is the pending proposal that every responsible participant
  consented to, then `for` (only the affected's voice is missing); without
  either, `not` once `agreement_due_by` has passed. Returning a repair to the
  formal process is `to`. An agreement reached late still counts as `with`.
- Closing as repaired: every commitment kept or released, and at least one
  affected participant answered `yes` at check-in with no affected
  participant's latest answer `partly` or `no`. Only a facilitator closes.
- Who adds participants: a facilitator of the repair, in any role. A repair
  with no facilitator yet takes the facilitator taking the case first, joining
  themselves; nobody adds anyone before that.
- Recurrence, "the same matter": same incident category and at least one
  shared department pair, opened within the recurrence window (180 days by
  default); the newest few are linked, newest first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from uuid import UUID

from bridgework.common.contracts import (
    Answer,
    CheckInOutcome,
    CheckInRecordedV1,
    CommitmentTerms,
    ConversationRecordedV1,
    IncidentCategory,
    IncidentFacts,
    IncidentLinkedV1,
    ParticipantJoinedV1,
    ParticipantRole,
    PersonRef,
    Question,
    RelationshipPair,
    RepairClosedV1,
    RepairEvent,
    RepairOpenedV1,
    RepairOutcome,
    ResponseMode,
)

NewId = Callable[[], UUID]

# Which restorative questions each role answers. Supporters speak, like the
# affected, to what they saw and what it did to them and those around them.
QUESTIONS_OF_THE_RESPONSIBLE = frozenset(
    {
        Question.WHAT_HAPPENED,
        Question.THINKING_AT_THE_TIME,
        Question.THOUGHT_SINCE,
        Question.WHO_AFFECTED_AND_HOW,
        Question.MAKE_THINGS_RIGHT,
    }
)
QUESTIONS_OF_THE_AFFECTED = frozenset(
    {
        Question.THOUGHT_WHEN_REALISED,
        Question.IMPACT_ON_YOU_AND_OTHERS,
        Question.HARDEST_THING,
        Question.NEEDS_TO_HAPPEN,
    }
)
QUESTIONS_BY_ROLE: dict[ParticipantRole, frozenset[Question]] = {
    ParticipantRole.RESPONSIBLE: QUESTIONS_OF_THE_RESPONSIBLE,
    ParticipantRole.AFFECTED: QUESTIONS_OF_THE_AFFECTED,
    ParticipantRole.SUPPORTER: QUESTIONS_OF_THE_AFFECTED,
    ParticipantRole.FACILITATOR: frozenset(),
}
CONSENTING_ROLES = frozenset({ParticipantRole.RESPONSIBLE, ParticipantRole.AFFECTED})
# The reason code of a repair that closed because its incident joined another repair.
MERGED = "merged"


# --- errors -----------------------------------------------------------------------------------


class DomainError(Exception):
    """A command that would break a rule; `code` names the rule for clients."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class UnknownError(DomainError):
    """Something the command names does not exist."""


class ConflictError(DomainError):
    """The command does not fit the state the repair is in."""


class ForbiddenError(DomainError):
    """The acting person may not do this in this repair."""


class InvalidError(DomainError):
    """A field of the command is wrong given the repair; `field` is its dotted path."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__("validation_failed", f"{field}: {reason}")
        self.field = field
        self.reason = reason


# --- state ------------------------------------------------------------------------------------


class RepairStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class AgreementStatus(StrEnum):
    PROPOSED = "proposed"  # terms are on the table; nothing in force yet
    REACHED = "reached"  # in force by everyone's consent
    IMPOSED = "imposed"  # in force without it


class ProposalKind(StrEnum):
    TERMS = "terms"  # the whole set of commitments, before anything is in force
    RENEGOTIATION = "renegotiation"  # new terms or date for one commitment in force
    RELEASE = "release"  # one commitment in force no longer to stand


class CommitmentStatus(StrEnum):
    OPEN = "open"
    LAPSED = "lapsed"
    KEPT = "kept"
    RELEASED = "released"


class CloseReason(StrEnum):
    """Why a repair closed other than repaired (RepairClosed.reason_code)."""

    NO_AGREEMENT = "no_agreement"
    COMMITMENTS_NOT_KEPT = "commitments_not_kept"
    NOT_MADE_RIGHT = "not_made_right"
    PARTICIPANT_WITHDREW = "participant_withdrew"
    UNSAFE_TO_CONTINUE = "unsafe_to_continue"
    OUTSIDE_RESTORATIVE_SCOPE = "outside_restorative_scope"
    OTHER = "other"


@dataclass(frozen=True)
class Participant:
    person: PersonRef
    role: ParticipantRole
    joined_at: datetime


@dataclass(frozen=True)
class Consent:
    """One participant's latest answer to one proposal."""

    person: PersonRef
    given: bool
    at: datetime
    reason: str | None = None


@dataclass(frozen=True)
class Proposal:
    """A version of the agreement put to the participants, waiting for their consent."""

    version: int
    kind: ProposalKind
    commitments: tuple[CommitmentTerms, ...]
    proposed_by: PersonRef
    proposed_at: datetime
    consent_required_from: tuple[PersonRef, ...]
    consents: tuple[Consent, ...] = ()
    commitment_id: UUID | None = None  # the commitment a renegotiation or release is about
    reason: str | None = None

    def consent_of(self, person_id: str) -> Consent | None:
        return next((c for c in self.consents if c.person.person_id == person_id), None)


@dataclass(frozen=True)
class Commitment:
    """A commitment in force: its current terms, where it stands, and the terms it had before."""

    terms: CommitmentTerms
    status: CommitmentStatus = CommitmentStatus.OPEN
    kept_at: datetime | None = None
    on_time: bool | None = None
    lapse_count: int = 0
    lapsed_at: datetime | None = None
    released_at: datetime | None = None
    released_reason: str | None = None
    earlier_terms: tuple[CommitmentTerms, ...] = ()

    @property
    def commitment_id(self) -> UUID:
        return self.terms.commitment_id

    @property
    def settled(self) -> bool:
        return self.status in (CommitmentStatus.KEPT, CommitmentStatus.RELEASED)


@dataclass(frozen=True)
class Imposition:
    decided_by: PersonRef
    response_mode: ResponseMode
    reason: str
    imposed_at: datetime


@dataclass(frozen=True)
class Agreement:
    """The one agreement of a repair: its latest version, what is in force, what is pending."""

    agreement_id: UUID
    status: AgreementStatus
    latest_version: int
    in_force_version: int | None = None
    commitments: tuple[Commitment, ...] = ()
    consented_by: tuple[PersonRef, ...] = ()
    pending: Proposal | None = None
    in_force_since: datetime | None = None
    imposition: Imposition | None = None

    @property
    def in_force(self) -> bool:
        return self.status in (AgreementStatus.REACHED, AgreementStatus.IMPOSED)

    def commitment(self, commitment_id: UUID) -> Commitment | None:
        return next((c for c in self.commitments if c.commitment_id == commitment_id), None)


@dataclass(frozen=True)
class CheckIn:
    check_in_id: UUID
    participant: PersonRef
    outcome: CheckInOutcome
    recorded_at: datetime
    comment: str | None = None


@dataclass(frozen=True)
class Closure:
    outcome: RepairOutcome
    response_mode: ResponseMode
    closed_at: datetime
    reason_code: str | None = None
    reason: str | None = None
    merged_into: UUID | None = None


@dataclass(frozen=True)
class Repair:
    """A restorative case: the facts it opened with and everything that happened since."""

    repair_id: UUID
    incident_ids: tuple[UUID, ...]
    category: IncidentCategory
    opened_at: datetime
    agreement_due_by: datetime
    departments: tuple[str, ...]
    relationships: tuple[RelationshipPair, ...]
    recurrence_of: tuple[UUID, ...] = ()
    participants: tuple[Participant, ...] = ()
    agreement: Agreement | None = None
    check_ins: tuple[CheckIn, ...] = ()
    closure: Closure | None = None

    @property
    def status(self) -> RepairStatus:
        return RepairStatus.CLOSED if self.closure else RepairStatus.OPEN

    def participant(self, person_id: str) -> Participant | None:
        return next((p for p in self.participants if p.person.person_id == person_id), None)

    def with_role(self, *roles: ParticipantRole) -> tuple[Participant, ...]:
        return tuple(p for p in self.participants if p.role in roles)

    def opened_event(self) -> RepairOpenedV1:
        return RepairOpenedV1(
            repair_id=self.repair_id,
            incident_ids=list(self.incident_ids),
            category=self.category,
            opened_at=self.opened_at,
            agreement_due_by=self.agreement_due_by,
            departments=list(self.departments),
            relationships=list(self.relationships),
            recurrence_of=list(self.recurrence_of),
        )


@dataclass(frozen=True)
class Decision:
    """The repair after a command, and the events that announce the change (none: nothing changed)."""

    repair: Repair
    events: tuple[RepairEvent, ...] = ()


@dataclass(frozen=True)
class CommitmentDraft:
    """A commitment as proposed; `commitment_id` set revises one of the proposal it replaces."""

    owner: PersonRef
    action: str
    due_at: datetime
    owed_to: tuple[PersonRef, ...] = ()
    owed_to_departments: tuple[str, ...] = ()
    commitment_id: UUID | None = None


@dataclass(frozen=True)
class PriorRepair:
    """An earlier repair, as far as recurrence needs to know it."""

    repair_id: UUID
    category: IncidentCategory
    relationships: tuple[RelationshipPair, ...]
    opened_at: datetime


# --- opening ----------------------------------------------------------------------------------


def strained_relationships(incident: IncidentFacts) -> list[RelationshipPair]:
    """Every pair (responsible department, affected department) of two different departments."""
    return list(_sides_of(incident).relationships)


def same_matter_keys(
    incidents: Iterable[IncidentFacts],
) -> list[tuple[IncidentCategory, RelationshipPair]]:
    """What recurrence looks for, for each incident: its category with each strained pair."""
    return [
        (incident.category, pair)
        for incident in incidents
        for pair in _sides_of(incident).relationships
    ]


@dataclass(frozen=True)
class _Sides:
    """What opening a repair derives from an incident's departments alone."""

    departments: tuple[str, ...]  # every department concerned, sorted
    relationships: tuple[RelationshipPair, ...]  # the strained pairs, sorted


def _sides_of(incident: IncidentFacts) -> _Sides:
    return _sides(
        incident.department,
        tuple([person.department for person in incident.responsible]),
        tuple(incident.affected_departments),
        tuple([person.department for person in incident.affected_people]),
    )


@lru_cache(maxsize=4096)
def _sides(
    reporter: str,
    responsible_people: tuple[str, ...],
    affected: tuple[str, ...],
    affected_people: tuple[str, ...],
) -> _Sides:
    # Cached by departments: the same few pairs of departments come again and again, and
    # building (validating) the pairs costs more than the rest of opening a repair.
    # The side that caused the harm: the responsible people's departments, else the reporter.
    responsible = set(responsible_people) or {reporter}
    # The side that bore the harm: named departments and the affected people's departments.
    harmed = set(affected) | set(affected_people)
    pairs = {(a, b) if a < b else (b, a) for a in responsible for b in harmed if a != b}
    return _Sides(
        departments=tuple(sorted({reporter} | responsible | harmed)),
        relationships=tuple(relationship(a, b) for a, b in sorted(pairs)),
    )


@lru_cache(maxsize=4096)
def relationship(department_a: str, department_b: str) -> RelationshipPair:
    """The pair, validated once and shared (it is immutable)."""
    return RelationshipPair(department_a=department_a, department_b=department_b)


def recurrence_of(
    category: IncidentCategory,
    relationships: Iterable[RelationshipPair],
    earlier: Iterable[PriorRepair],
    *,
    now: datetime,
    window: timedelta,
    limit: int,
) -> tuple[UUID, ...]:
    """Earlier repairs about the same matter: same category, a shared department pair, within
    the window; the newest `limit` of them, newest first."""
    pairs = {_spelling(pair) for pair in relationships}
    since = now - window
    matching = {
        prior.repair_id: prior
        for prior in earlier
        if prior.category == category
        and since <= prior.opened_at <= now
        and any(_spelling(pair) in pairs for pair in prior.relationships)
    }
    newest_first = sorted(matching.values(), key=_opened_at, reverse=True)
    return tuple(prior.repair_id for prior in newest_first[:limit])


def _spelling(pair: RelationshipPair) -> tuple[str, str]:
    # Plain tuples: hashing pydantic models costs more than the rest of opening a repair.
    return pair.department_a, pair.department_b


def _opened_at(prior: PriorRepair) -> datetime:
    return prior.opened_at


class SameMatterIndex:
    """Earlier repairs by (category, department pair), the newest `limit` of each kept, so a
    batch of thousands of incidents finds its recurrences without comparing all pairs."""

    def __init__(self, earlier: Iterable[PriorRepair], *, limit: int) -> None:
        self.limit = limit
        self._by_key: dict[tuple[IncidentCategory, str, str], list[PriorRepair]] = {}
        for prior in earlier:
            self.add(prior)

    def add(self, prior: PriorRepair) -> None:
        """Remember a repair (one opened a moment ago, or found in storage)."""
        for pair in prior.relationships:
            kept = self._by_key.setdefault((prior.category, *_spelling(pair)), [])
            # Newest first; of repairs opened at the same instant, the one added last.
            at = 0
            while at < len(kept) and kept[at].opened_at > prior.opened_at:
                at += 1
            kept.insert(at, prior)
            del kept[self.limit :]

    def candidates(
        self, category: IncidentCategory, relationships: Iterable[RelationshipPair]
    ) -> list[PriorRepair]:
        """The kept repairs of this category sharing any of these department pairs."""
        return [
            prior
            for pair in relationships
            for prior in self._by_key.get((category, *_spelling(pair)), ())
        ]

    def recurrence_of(
        self,
        category: IncidentCategory,
        relationships: Sequence[RelationshipPair],
        *,
        now: datetime,
        window: timedelta,
    ) -> tuple[UUID, ...]:
        """`recurrence_of(category, relationships, self.candidates(…), …)`, faster: every
        candidate already has the category and a shared pair, and each pair's are kept
        newest first."""
        since = now - window
        if len(relationships) == 1:
            kept = self._by_key.get((category, *_spelling(relationships[0])), ())
            within = [p.repair_id for p in kept if since <= p.opened_at <= now]
            return tuple(within[: self.limit])
        return recurrence_of(
            category,
            relationships,
            self.candidates(category, relationships),
            now=now,
            window=window,
            limit=self.limit,
        )


def open_repair(
    incident: IncidentFacts,
    *,
    repair_id: UUID,
    now: datetime,
    agreement_window: timedelta,
    earlier: SameMatterIndex | None = None,
    recurrence_window: timedelta = timedelta(days=180),
) -> Repair:
    """Open a repair for a newly reported incident; an agreement is due within the window, and
    it links back to the earlier repairs about the same matter that `earlier` knows."""
    sides = _sides_of(incident)
    index = earlier or SameMatterIndex((), limit=0)
    return Repair(
        repair_id=repair_id,
        incident_ids=(incident.incident_id,),
        category=incident.category,
        opened_at=now,
        agreement_due_by=now + agreement_window,
        departments=sides.departments,
        relationships=sides.relationships,
        recurrence_of=index.recurrence_of(
            incident.category, sides.relationships, now=now, window=recurrence_window
        ),
    )


def open_repairs(
    incidents: Iterable[IncidentFacts],
    *,
    new_id: NewId,
    now: datetime,
    agreement_window: timedelta,
    earlier: SameMatterIndex,
    recurrence_window: timedelta = timedelta(days=180),
) -> list[Repair]:
    """Open a repair for each incident, in order: a later incident about the same matter
    recurs the earlier ones of the same batch too (`earlier` learns each repair opened)."""
    repairs: list[Repair] = []
    for incident in incidents:
        repair = open_repair(
            incident,
            repair_id=new_id(),
            now=now,
            agreement_window=agreement_window,
            earlier=earlier,
            recurrence_window=recurrence_window,
        )
        repairs.append(repair)
        earlier.add(as_prior(repair))
    return repairs


def as_prior(repair: Repair) -> PriorRepair:
    return PriorRepair(
        repair_id=repair.repair_id,
        category=repair.category,
        relationships=repair.relationships,
        opened_at=repair.opened_at,
    )


# --- participants and conversation --------------------------------------------------------------


def join(
    repair: Repair, person: PersonRef, role: ParticipantRole, *, actor: PersonRef, now: datetime
) -> Decision:
    """The actor adds a person to the repair in one role.

    Who may add whom:
    - a repair that has a facilitator: only one of its facilitators adds participants, in any
      role (another facilitator too); anyone else is refused `not_the_facilitator`;
    - a repair with no facilitator yet: the next to join is the facilitator taking the case,
      joining themselves (actor and person the same, role facilitator); anything else is
      refused `facilitator_first`.
    Joining again in the same role changes nothing, for an actor who may add that person; in
    another role it is a conflict.
    """
    require_open(repair)
    _require_may_add(repair, actor=actor, person=person, role=role)
    present = repair.participant(person.person_id)
    if present is not None:
        if present.person == person and present.role == role:
            return Decision(repair)
        raise ConflictError(
            "already_participant",
            f"{person.person_id} already takes part as {present.role.value}"
            f" from {present.person.department}",
        )
    joined = Participant(person=person, role=role, joined_at=now)
    event = ParticipantJoinedV1(
        repair_id=repair.repair_id, participant=person, role=role, joined_at=now
    )
    return Decision(replace(repair, participants=(*repair.participants, joined)), (event,))


def _require_may_add(
    repair: Repair, *, actor: PersonRef, person: PersonRef, role: ParticipantRole
) -> None:
    """The rule of `join`: a facilitator of the repair adds people; the first is the facilitator
    taking the case, joining themselves."""
    if repair.with_role(ParticipantRole.FACILITATOR):
        acting = repair.participant(actor.person_id)
        if acting is None or acting.person != actor:
            raise ForbiddenError(
                "not_the_facilitator",
                f"{actor.person_id} does not take part in this repair; only one of its"
                " facilitators adds participants",
            )
        if acting.role != ParticipantRole.FACILITATOR:
            raise ForbiddenError(
                "not_the_facilitator",
                f"{actor.person_id} takes part as {acting.role.value}; only one of the"
                " repair's facilitators adds participants",
            )
        return
    if actor != person or role != ParticipantRole.FACILITATOR:
        raise ForbiddenError(
            "facilitator_first",
            "this repair has no facilitator yet: the facilitator taking the case joins"
            " first, themselves, in the facilitator role",
        )


def record_conversation(
    repair: Repair,
    *,
    actor: PersonRef,
    participant: PersonRef,
    answers: Sequence[Answer],
    now: datetime,
) -> Decision:
    """Record a participant's answers (by themselves or a facilitator); later answers add to earlier."""
    require_open(repair)
    acting = require_participant(repair, actor)
    speaker = repair.participant(participant.person_id)
    if speaker is None or speaker.person != participant:
        raise InvalidError("participant", "is not a participant of this repair")
    if acting.person != participant and acting.role != ParticipantRole.FACILITATOR:
        raise ForbiddenError(
            "not_your_answers", "only the participant or a facilitator records these answers"
        )
    if not answers:
        raise InvalidError("answers", "at least one answer is needed")
    asked = QUESTIONS_BY_ROLE[speaker.role]
    seen: set[Question] = set()
    for index, answer in enumerate(answers):
        if answer.question not in asked:
            raise InvalidError(
                f"answers.{index}.question",
                f"{answer.question.value} is not asked of a {speaker.role.value} participant",
            )
        if answer.question in seen:
            raise InvalidError(f"answers.{index}.question", "answered twice in one record")
        seen.add(answer.question)
    event = ConversationRecordedV1(
        repair_id=repair.repair_id,
        participant=speaker.person,
        role=speaker.role,
        answers=list(answers),
        recorded_at=now,
    )
    return Decision(repair, (event,))


def record_check_in(repair: Repair, check_in: CheckInRecordedV1) -> Repair:
    """Keep what a participant answered at check-in (once per check-in)."""
    if any(c.check_in_id == check_in.check_in_id for c in repair.check_ins):
        return repair
    answered = CheckIn(
        check_in_id=check_in.check_in_id,
        participant=check_in.participant,
        outcome=check_in.outcome,
        recorded_at=check_in.recorded_at,
        comment=check_in.comment,
    )
    return replace(repair, check_ins=(*repair.check_ins, answered))


# --- linking and closing --------------------------------------------------------------------


def link_incident(
    repair: Repair,
    *,
    actor: PersonRef,
    incident_id: UUID,
    incident_repair: Repair,
    now: datetime,
) -> tuple[Decision, Decision | None]:
    """A further incident about the same harm joins this repair.

    Every reported incident opened a repair of its own. If that one is untouched (open, one
    incident, nobody joined, nothing proposed) it is merged: closed with reason code
    `merged`. A repair already under way keeps its incident.
    """
    require_open(repair)
    _require_facilitator(repair, actor)
    if incident_id in repair.incident_ids:
        return Decision(repair), None
    if not _untouched(incident_repair):
        raise ConflictError(
            "incident_in_another_repair",
            f"incident {incident_id} belongs to repair {incident_repair.repair_id},"
            " which is already under way",
        )
    linked = replace(repair, incident_ids=(*repair.incident_ids, incident_id))
    linked_event = IncidentLinkedV1(
        repair_id=repair.repair_id, incident_id=incident_id, linked_at=now
    )
    closure = Closure(
        outcome=RepairOutcome.UNREPAIRED,
        response_mode=ResponseMode.NOT,
        closed_at=now,
        reason_code=MERGED,
        reason=f"merged into repair {repair.repair_id}",
        merged_into=repair.repair_id,
    )
    merged = replace(incident_repair, incident_ids=(), closure=closure)
    return Decision(linked, (linked_event,)), Decision(merged, (_closed_event(merged, closure),))


def unmet_for_repaired(repair: Repair) -> list[str]:
    """What still stands between the repair and closing as repaired (empty: nothing)."""
    agreement = repair.agreement
    if agreement is None or not agreement.in_force:
        return ["no agreement is in force"]
    unmet = [
        f"commitment {c.commitment_id} is {c.status.value}"
        for c in agreement.commitments
        if not c.settled
    ]
    affected = {p.person.person_id for p in repair.with_role(ParticipantRole.AFFECTED)}
    latest: dict[str, CheckIn] = {}
    for check_in in sorted(repair.check_ins, key=lambda c: c.recorded_at):
        if check_in.participant.person_id in affected:
            latest[check_in.participant.person_id] = check_in
    if not latest:
        unmet.append(
            "no affected participant has confirmed at check-in that things were made right"
        )
    unmet.extend(
        f"{person_id} answered {check_in.outcome.value} at check-in"
        for person_id, check_in in sorted(latest.items())
        if check_in.outcome != CheckInOutcome.YES
    )
    return unmet


def close_repair(
    repair: Repair,
    *,
    actor: PersonRef,
    outcome: RepairOutcome,
    reason_code: CloseReason | None,
    reason: str | None,
    now: datetime,
) -> Decision:
    """A facilitator closes the repair: `repaired` only when nothing in `unmet_for_repaired`
    stands; otherwise `unrepaired` or `returned_to_formal_process`, with a reason code."""
    require_open(repair)
    _require_facilitator(repair, actor)
    if outcome == RepairOutcome.REPAIRED:
        if reason_code is not None:
            raise InvalidError("reason_code", "a repaired repair closes without a reason code")
        unmet = unmet_for_repaired(repair)
        if unmet:
            raise ConflictError("not_repaired_yet", "; ".join(unmet))
    elif reason_code is None:
        raise InvalidError("reason_code", f"required to close as {outcome.value}")
    elif reason_code == CloseReason.OTHER and not reason:
        raise InvalidError("reason", "required with reason code `other`")
    if outcome == RepairOutcome.RETURNED_TO_FORMAL_PROCESS:
        mode = ResponseMode.TO  # the formal process is done to people, whatever came before
    else:
        mode = _settled_mode(repair.agreement) or ResponseMode.NOT
    closure = Closure(
        outcome=outcome,
        response_mode=mode,
        closed_at=now,
        reason_code=reason_code.value if reason_code else None,
        reason=reason,
    )
    agreement = replace(repair.agreement, pending=None) if repair.agreement else None
    closed = replace(repair, agreement=agreement, closure=closure)
    return Decision(closed, (_closed_event(closed, closure),))


# --- response mode ------------------------------------------------------------------------------


def response_mode(repair: Repair, *, now: datetime) -> ResponseMode | None:
    """How the organisation responded, derived from what happened (None: not decided yet)."""
    if repair.closure is not None:
        return repair.closure.response_mode
    return settled_or_overdue_mode(
        _settled_mode(repair.agreement), agreement_due_by=repair.agreement_due_by, now=now
    )


def settled_or_overdue_mode(
    settled: ResponseMode | None, *, agreement_due_by: datetime, now: datetime
) -> ResponseMode | None:
    """The mode an agreement or outcome set; else `not` once the window for an agreement passed."""
    if settled is not None:
        return settled
    return ResponseMode.NOT if now >= agreement_due_by else None


def recorded_mode(repair: Repair) -> ResponseMode | None:
    """The mode that facts recorded so far fix, without the clock (what storage keeps)."""
    if repair.closure is not None:
        return repair.closure.response_mode
    return _settled_mode(repair.agreement)


# --- helpers ------------------------------------------------------------------------------------


def _settled_mode(agreement: Agreement | None) -> ResponseMode | None:
    if agreement is None:
        return None
    if agreement.status == AgreementStatus.REACHED:
        return ResponseMode.WITH
    if agreement.imposition is not None:
        return agreement.imposition.response_mode
    return None


def require_open(repair: Repair) -> None:
    """Nothing changes in a closed repair."""
    if repair.closure is not None:
        raise ConflictError("repair_closed", f"repair {repair.repair_id} is closed")


def require_participant(repair: Repair, actor: PersonRef) -> Participant:
    """The actor's place in the repair; who takes no part may not act in it."""
    participant = repair.participant(actor.person_id)
    if participant is None or participant.person != actor:
        raise ForbiddenError(
            "not_a_participant", f"{actor.person_id} does not take part in this repair"
        )
    return participant


def _require_facilitator(repair: Repair, actor: PersonRef) -> None:
    if require_participant(repair, actor).role != ParticipantRole.FACILITATOR:
        raise ForbiddenError("facilitator_only", "only a facilitator of this repair may do this")


def _untouched(repair: Repair) -> bool:
    return (
        repair.closure is None
        and len(repair.incident_ids) == 1
        and not repair.participants
        and repair.agreement is None
    )


def _closed_event(repair: Repair, closure: Closure) -> RepairClosedV1:
    return RepairClosedV1(
        repair_id=repair.repair_id,
        outcome=closure.outcome,
        reason_code=closure.reason_code,
        reason=closure.reason,
        response_mode=closure.response_mode,
        closed_at=closure.closed_at,
    )
