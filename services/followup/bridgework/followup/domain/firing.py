"""What a due timer does when it fires, decided from the state as it stands, not as planned.

At the due date an open commitment lapses (CommitmentLapsed) and its owner is offered help or a
new date, repeated `lapse_offer_repeats` times every `repeat_interval`. Repeated lapses (a
second lapse of the same commitment, or offers that went unanswered) bring an offer of the
facilitator's support, to the owner and, as a heads-up, to the facilitators: never an
escalation to a manager.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bridgework.common.contracts import PersonRef
from bridgework.followup.domain.nudge_policy import NudgePolicy, allows, next_allowed
from bridgework.followup.domain.schedule import (
    Commitment,
    CommitmentStatus,
    Timer,
    TimerKind,
    TrackedRepair,
)

# From the second lapse of one commitment on, the facilitator's support is offered at once.
FACILITATOR_AFTER_LAPSES = 2


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
