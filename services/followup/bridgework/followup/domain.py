"""Follow-up's rules, pure: which timers a repair's events set, move or cancel, and what a
due timer does when it fires.

Timers of a commitment belong to one version of its terms. A reminder goes out `lead_time`
before the due date; at the due date, if the commitment is neither kept nor released, it
lapses (CommitmentLapsed) and its owner is offered help or a new date, repeated
`lapse_offer_repeats` times every `repeat_interval`. Repeated lapses (a second lapse of the
same commitment, or offers that went unanswered) bring an offer of the facilitator's support,
to the owner and, as a heads-up, to the facilitators: never an escalation to a manager. When
every commitment of a repair is kept or released, each affected participant is asked at
check-in whether things were made right.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from uuid import NAMESPACE_URL, UUID, uuid5

from bridgework.common.contracts import (
    AgreementReachedV1,
    CommitmentKeptV1,
    CommitmentReleasedV1,
    CommitmentRenegotiatedV1,
    CommitmentTerms,
    OutcomeImposedV1,
    ParticipantJoinedV1,
    ParticipantRole,
    PersonRef,
    RepairClosedV1,
    RepairEvent,
    RepairOpenedV1,
)
from bridgework.followup.policy import NudgePolicy, allows, earlier_sending_time, next_allowed

_IDS = uuid5(NAMESPACE_URL, "https://example.org/bridgework/followup")
# From the second lapse of one commitment on, the facilitator's support is offered at once.
FACILITATOR_AFTER_LAPSES = 2


class CommitmentStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    RELEASED = "released"
    WITHDRAWN = "withdrawn"  # left out of a later version of the agreement


SETTLED = (CommitmentStatus.KEPT, CommitmentStatus.RELEASED)


class TimerKind(StrEnum):
    REMINDER = "reminder"
    LAPSE = "lapse"  # the fact, at the due date; not a message
    LAPSE_OFFER = "lapse_offer"
    FACILITATOR_SUPPORT = "facilitator_support"
    CHECK_IN = "check_in"


@dataclass(frozen=True)
class TrackedRepair:
    """A repair follow-up keeps an eye on; its schedules hang off it."""

    repair_id: UUID
    opened_at: datetime
    departments: tuple[str, ...]
    closed_at: datetime | None = None
    check_ins_due_from: datetime | None = None


@dataclass(frozen=True)
class Participant:
    person: PersonRef
    role: ParticipantRole


@dataclass(frozen=True)
class Commitment:
    """One commitment's terms in force, and where it stands."""

    commitment_id: UUID
    repair_id: UUID
    agreement_id: UUID | None
    terms_version: int
    owner: PersonRef
    owed_to: tuple[PersonRef, ...]
    action: str
    due_at: datetime
    status: CommitmentStatus = CommitmentStatus.OPEN
    lapse_count: int = 0


@dataclass(frozen=True)
class Timer:
    """A moment at which follow-up will do something for one recipient."""

    kind: TimerKind
    repair_id: UUID
    recipient: PersonRef
    fire_at: datetime
    commitment_id: UUID | None = None
    terms_version: int | None = None
    sequence: int = 0

    @cached_property
    def key(self) -> str:
        """What the timer is for; unique, so each nudge is scheduled (and sent) once."""
        about = self.commitment_id if self.commitment_id is not None else self.repair_id
        return (
            f"{self.kind.value}:{about}:v{self.terms_version or 0}"
            f":{self.recipient.person_id}:{self.sequence}"
        )


@dataclass(frozen=True)
class Cancellation:
    """Pending timers that no longer stand: a commitment's (all, or all but one terms
    version's), or a whole repair's."""

    repair_id: UUID
    commitment_id: UUID | None = None
    keep_terms_version: int | None = None
    reason: str = "cancelled"


def track(opened: RepairOpenedV1) -> TrackedRepair:
    return TrackedRepair(
        repair_id=opened.repair_id,
        opened_at=opened.opened_at,
        departments=tuple(opened.departments),
    )


def _commitment(
    repair_id: UUID, agreement_id: UUID | None, terms: CommitmentTerms, *, lapse_count: int = 0
) -> Commitment:
    return Commitment(
        commitment_id=terms.commitment_id,
        repair_id=repair_id,
        agreement_id=agreement_id,
        terms_version=terms.terms_version,
        owner=terms.owner,
        owed_to=tuple(terms.owed_to),
        action=terms.action,
        due_at=terms.due_at,
        lapse_count=lapse_count,
    )


def agreement_id_for_imposed(repair_id: UUID) -> UUID:
    """OutcomeImposed names no agreement: a stable stand-in id derived from the repair."""
    return uuid5(_IDS, f"imposed:{repair_id}")


def nudge_id(timer_key: str, recipient: PersonRef) -> UUID:
    return uuid5(_IDS, f"nudge:{timer_key}:{recipient.person_id}")


def check_in_id(timer_key: str) -> UUID:
    return uuid5(_IDS, f"check-in:{timer_key}")


@dataclass
class RepairPlan:
    """What a batch of one repair's events changes: the resulting state, and the timers to
    add or cancel. Applied in order, so a later event undoes what an earlier one planned."""

    repair_id: UUID
    tracked: TrackedRepair | None
    participants: list[Participant]
    commitments: dict[UUID, Commitment]
    new_timers: dict[str, Timer] = field(default_factory=dict)
    cancellations: list[Cancellation] = field(default_factory=list)
    changed_commitments: set[UUID] = field(default_factory=set)
    new_participants: list[Participant] = field(default_factory=list)
    tracked_changed: bool = False

    # --- events ---------------------------------------------------------------------------

    def apply(self, event: RepairEvent, *, now: datetime, policy_of: PolicyOf) -> None:
        """Fold one repair event into the plan."""
        if isinstance(event, RepairOpenedV1):
            if self.tracked is None:
                self.tracked = track(event)
                self.tracked_changed = True
        elif isinstance(event, ParticipantJoinedV1):
            joined = Participant(person=event.participant, role=event.role)
            if joined not in self.participants:
                self.participants.append(joined)
                self.new_participants.append(joined)
        elif isinstance(event, AgreementReachedV1):
            self._agree(event.agreement_id, event.commitments, event.reached_at, policy_of)
        elif isinstance(event, OutcomeImposedV1):
            agreements = {c.agreement_id for c in self.commitments.values() if c.agreement_id}
            agreement_id = (
                agreements.pop()
                if len(agreements) == 1
                else agreement_id_for_imposed(self.repair_id)
            )
            self._agree(agreement_id, event.commitments, event.imposed_at, policy_of)
        elif isinstance(event, CommitmentRenegotiatedV1):
            self._renegotiate(event, policy_of)
        elif isinstance(event, CommitmentKeptV1):
            self._settle(event.commitment_id, CommitmentStatus.KEPT, "kept")
        elif isinstance(event, CommitmentReleasedV1):
            self._settle(event.commitment_id, CommitmentStatus.RELEASED, "released")
        elif isinstance(event, RepairClosedV1):
            self._close(event.closed_at)
        self._maybe_check_in(now=now, policy_of=policy_of)

    def _agree(
        self,
        agreement_id: UUID,
        terms: Sequence[CommitmentTerms],
        decided_at: datetime,
        policy_of: PolicyOf,
    ) -> None:
        if self._closed:
            return
        listed = {t.commitment_id for t in terms}
        for known in list(self.commitments.values()):
            # A later version of the agreement that leaves a commitment out withdraws it.
            if (
                known.agreement_id == agreement_id
                and known.commitment_id not in listed
                and known.status == CommitmentStatus.OPEN
            ):
                self._set(replace(known, status=CommitmentStatus.WITHDRAWN))
                self._cancel(Cancellation(self.repair_id, known.commitment_id, None, "withdrawn"))
        for term in terms:
            earlier = self.commitments.get(term.commitment_id)
            if earlier is not None and (
                earlier.terms_version >= term.terms_version or earlier.status in SETTLED
            ):
                continue
            lapses = earlier.lapse_count if earlier else 0
            fresh = _commitment(self.repair_id, agreement_id, term, lapse_count=lapses)
            self._new_terms(fresh, decided_at, policy_of)

    def _renegotiate(self, event: CommitmentRenegotiatedV1, policy_of: PolicyOf) -> None:
        known = self.commitments.get(event.terms.commitment_id)
        if self._closed or (
            known is not None
            and (known.terms_version >= event.terms.terms_version or known.status in SETTLED)
        ):
            return
        fresh = _commitment(
            self.repair_id,
            event.agreement_id,
            event.terms,
            lapse_count=known.lapse_count if known else 0,
        )
        self._new_terms(fresh, event.renegotiated_at, policy_of)

    def _new_terms(self, fresh: Commitment, decided_at: datetime, policy_of: PolicyOf) -> None:
        self._set(fresh)
        self._cancel(
            Cancellation(self.repair_id, fresh.commitment_id, fresh.terms_version, "new_terms")
        )
        for timer in first_timers(fresh, decided_at=decided_at, policy=policy_of(fresh.owner)):
            self._schedule(timer)

    def _settle(self, commitment_id: UUID, status: CommitmentStatus, reason: str) -> None:
        known = self.commitments.get(commitment_id)
        if known is None or known.status in SETTLED:
            return
        self._set(replace(known, status=status))
        self._cancel(Cancellation(self.repair_id, commitment_id, None, reason))

    def _close(self, closed_at: datetime) -> None:
        if self.tracked is None:
            self.tracked = TrackedRepair(self.repair_id, closed_at, (), closed_at=closed_at)
        elif self.tracked.closed_at is None:
            self.tracked = replace(self.tracked, closed_at=closed_at)
        self.tracked_changed = True
        self._cancel(Cancellation(self.repair_id, None, None, "repair_closed"))

    def _maybe_check_in(self, *, now: datetime, policy_of: PolicyOf) -> None:
        """Once every commitment is kept or released, ask each affected person at check-in."""
        if self._closed or (self.tracked and self.tracked.check_ins_due_from is not None):
            return
        standing = [c for c in self.commitments.values() if c.status != CommitmentStatus.WITHDRAWN]
        if not standing or any(c.status not in SETTLED for c in standing):
            return
        for person in check_in_recipients(self.participants, standing):
            delay = policy_of(person).check_in_delay
            self._schedule(Timer(TimerKind.CHECK_IN, self.repair_id, person, now + delay))
        base = self.tracked or TrackedRepair(self.repair_id, now, ())
        self.tracked = replace(base, check_ins_due_from=now)
        self.tracked_changed = True

    # --- bookkeeping ----------------------------------------------------------------------

    @property
    def _closed(self) -> bool:
        return self.tracked is not None and self.tracked.closed_at is not None

    def _set(self, commitment: Commitment) -> None:
        self.commitments[commitment.commitment_id] = commitment
        self.changed_commitments.add(commitment.commitment_id)

    def _schedule(self, timer: Timer) -> None:
        self.new_timers.setdefault(timer.key, timer)

    def _cancel(self, cancellation: Cancellation) -> None:
        if self.new_timers:
            self.new_timers = {
                key: timer
                for key, timer in self.new_timers.items()
                if not cancels(cancellation, timer)
            }
        self.cancellations.append(cancellation)


class PolicyOf:
    """The effective policy for a person: their department's, or the defaults."""

    def __init__(self, defaults: NudgePolicy, by_department: dict[str, NudgePolicy]) -> None:
        self.defaults = defaults
        self.by_department = by_department

    def __call__(self, person: PersonRef) -> NudgePolicy:
        return self.by_department.get(person.department, self.defaults)


def cancels(cancellation: Cancellation, timer: Timer) -> bool:
    if timer.repair_id != cancellation.repair_id:
        return False
    if cancellation.commitment_id is None:
        return True
    return timer.commitment_id == cancellation.commitment_id and (
        cancellation.keep_terms_version is None
        or timer.terms_version != cancellation.keep_terms_version
    )


def check_in_recipients(
    participants: Iterable[Participant], commitments: Iterable[Commitment]
) -> list[PersonRef]:
    """The affected participants; failing those, the people the commitments were owed to."""
    affected = [p.person for p in participants if p.role == ParticipantRole.AFFECTED]
    if not affected:
        affected = [person for c in commitments for person in c.owed_to]
    unique: dict[str, PersonRef] = {}
    for person in affected:
        unique.setdefault(person.person_id, person)
    return list(unique.values())


def first_timers(
    commitment: Commitment, *, decided_at: datetime, policy: NudgePolicy
) -> list[Timer]:
    """A new version of terms: a reminder before the due date (unless the terms were agreed
    after the reminder would have gone: the people just settled on that date), and the lapse
    check at the due date."""
    timers = [
        Timer(
            TimerKind.LAPSE,
            commitment.repair_id,
            commitment.owner,
            commitment.due_at,
            commitment.commitment_id,
            commitment.terms_version,
        )
    ]
    remind_at = earlier_sending_time(policy, commitment.due_at - policy.lead_time)
    if decided_at < remind_at < commitment.due_at:
        timers.append(
            Timer(
                TimerKind.REMINDER,
                commitment.repair_id,
                commitment.owner,
                remind_at,
                commitment.commitment_id,
                commitment.terms_version,
            )
        )
    return timers


# --- firing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Firing:
    """What a due timer does.

    `outcome` is `fired` or `skipped` (with why in `note`), or `later`: outside the
    recipient's sending window, so the timer waits until `fire_at`.
    """

    outcome: str
    note: str | None = None
    fire_at: datetime | None = None
    recipients: tuple[PersonRef, ...] = ()
    lapsed: Commitment | None = None
    follow_ups: tuple[Timer, ...] = ()


def fire(
    timer: Timer,
    *,
    commitment: Commitment | None,
    repair: TrackedRepair | None,
    facilitators: Sequence[PersonRef],
    policy: NudgePolicy,
    now: datetime,
) -> Firing:
    """Decide what a due timer does now; the state is as it stands, not as it was planned."""
    if repair is not None and repair.closed_at is not None:
        return Firing("skipped", "repair_closed")
    if timer.kind == TimerKind.CHECK_IN:
        if not allows(policy, now):
            return Firing("later", fire_at=next_allowed(policy, now))
        return Firing("fired", recipients=(timer.recipient,))
    if (
        commitment is None
        or commitment.status != CommitmentStatus.OPEN
        or commitment.terms_version != timer.terms_version
    ):
        return Firing("skipped", "no_longer_open")
    if timer.kind == TimerKind.LAPSE:
        return _lapse(timer, commitment, now)
    if timer.kind == TimerKind.REMINDER and now >= commitment.due_at:
        return Firing("skipped", "already_due")  # e.g. it fell due while follow-up was down
    if not allows(policy, now):
        return Firing("later", fire_at=next_allowed(policy, now))
    if timer.kind == TimerKind.REMINDER:
        return Firing("fired", recipients=(commitment.owner,))
    if timer.kind == TimerKind.LAPSE_OFFER:
        return Firing(
            "fired",
            recipients=(commitment.owner,),
            follow_ups=_after_offer(timer, commitment, policy, now),
        )
    return Firing("fired", recipients=(commitment.owner, *facilitators))


def _lapse(timer: Timer, commitment: Commitment, now: datetime) -> Firing:
    lapsed = replace(commitment, lapse_count=commitment.lapse_count + 1)
    follow_ups = [replace(timer, kind=TimerKind.LAPSE_OFFER, fire_at=now)]
    if lapsed.lapse_count >= FACILITATOR_AFTER_LAPSES:
        follow_ups.append(replace(timer, kind=TimerKind.FACILITATOR_SUPPORT, fire_at=now))
    return Firing("fired", lapsed=lapsed, follow_ups=tuple(follow_ups))


def _after_offer(
    timer: Timer, commitment: Commitment, policy: NudgePolicy, now: datetime
) -> tuple[Timer, ...]:
    later = now + policy.repeat_interval
    if timer.sequence < policy.lapse_offer_repeats:
        return (replace(timer, sequence=timer.sequence + 1, fire_at=later),)
    if commitment.lapse_count < FACILITATOR_AFTER_LAPSES:
        # The offers went unanswered: the facilitator's support, offered once.
        return (replace(timer, kind=TimerKind.FACILITATOR_SUPPORT, sequence=0, fire_at=later),)
    return ()
