"""What follow-up tells agreements: a commitment's date passed (CommitmentLapsed), and what a
participant answered at check-in (CheckInRecorded). Stale or repeated news changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from bridgework.agreements.domain.agreement import CommitmentStatus
from bridgework.agreements.domain.commitments import with_changed
from bridgework.agreements.domain.repair import CheckIn, Repair
from bridgework.common.contracts import CheckInRecordedV1, CommitmentLapsedV1

FollowupNews = CommitmentLapsedV1 | CheckInRecordedV1


def apply_news(repair: Repair, news: Iterable[FollowupNews]) -> Repair:
    """The repair after follow-up's news about it, in the order it arrived."""
    for fact in news:
        if isinstance(fact, CommitmentLapsedV1):
            repair = record_lapse(repair, fact)
        else:
            repair = record_check_in(repair, fact)
    return repair


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
    return replace(
        repair, agreement=replace(agreement, commitments=with_changed(agreement, lapsed))
    )


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
