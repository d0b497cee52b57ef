"""Which timers a repair's events set, move or cancel, folded in memory per repair.

A reminder goes out `lead_time` before the due date and a lapse check is set at the due
date, for each version of a commitment's terms. Kept, released, renegotiated, withdrawn
and closed cancel what no longer stands. When every commitment of a repair is kept or
released, each affected participant is asked at check-in whether things were made right.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

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
from bridgework.followup.domain.nudge_policy import NudgePolicy, PolicyOf, earlier_sending_time
from bridgework.followup.domain.schedule import (
    SETTLED,
    Cancellation,
    Commitment,
    CommitmentStatus,
    Participant,
    Timer,
    TimerKind,
    TrackedRepair,
    agreement_id_for_imposed,
)

# Events whose folding reads a nudge policy (to time a new commitment's reminder). Any other
# event reads one only through a check-in, which needs a commitment the repair already has.
EVENTS_READING_POLICIES = (AgreementReachedV1, OutcomeImposedV1, CommitmentRenegotiatedV1)


def track(opened: RepairOpenedV1) -> TrackedRepair:
    """The tracked repair a RepairOpened starts."""
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


def cancels(cancellation: Cancellation, timer: Timer) -> bool:
    """Whether `cancellation` names `timer`."""
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
