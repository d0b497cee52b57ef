"""The dashboard's figures as GraphQL types, each with its definition; built from the
rollups' counts with domain/figures.py's rules."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import date
from enum import Enum

import strawberry

from bridgework.graphql_gateway.read.domain.figures import (
    overdue_split,
    percentile_from_histogram,
    rate,
    relationship_status,
)

# The relationship rollup's key for shadow IT incidents between a pair.
SHADOW_IT_KEY = "incidents:shadow_it"


@strawberry.enum(description="How a trend is bucketed: UTC days, ISO weeks (from Monday), months.")
class Granularity(Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@strawberry.type(description="A range of UTC days, both ends included.")
class PeriodRange:
    start: date = strawberry.field(name="from")
    end: date = strawberry.field(name="to")


@strawberry.type(
    description="Agreement completion: each repair's plan (its commitments, released ones "
    "aside), counted on the day it was settled (first agreement reached, or outcome "
    "imposed). keptOnTime: every commitment kept, all on time; keptLate: every one kept, "
    "some late; partial: some kept and some lapsed; lapsed: some lapsed, none kept; "
    "inProgress: none lapsed, some still open. Rates are over settled plans: keptOnTime + "
    "keptLate + partial + lapsed."
)
class Completion:
    kept_on_time: int
    kept_late: int
    partial: int
    lapsed: int
    in_progress: int
    released: int

    @strawberry.field(description="keptOnTime + keptLate + partial + lapsed.")
    def settled(self) -> int:
        return self.kept_on_time + self.kept_late + self.partial + self.lapsed

    @strawberry.field(description="keptOnTime / settled.")
    def kept_on_time_rate(self) -> float | None:
        return rate(self.kept_on_time, self.settled())

    @strawberry.field(description="(keptOnTime + keptLate) / settled: agreements kept in full.")
    def kept_rate(self) -> float | None:
        return rate(self.kept_on_time + self.kept_late, self.settled())

    @strawberry.field(description="partial / settled.")
    def partial_rate(self) -> float | None:
        return rate(self.partial, self.settled())

    @strawberry.field(description="lapsed / settled.")
    def lapsed_rate(self) -> float | None:
        return rate(self.lapsed, self.settled())

    @staticmethod
    def of(counts: Counter[str]) -> Completion:
        return Completion(
            kept_on_time=counts["kept_on_time"],
            kept_late=counts["kept_late"],
            partial=counts["partial"],
            lapsed=counts["lapsed"],
            in_progress=counts["in_progress"],
            released=counts["released"],
        )


@strawberry.type(
    description="Commitments by the due date of their terms in force: what became of each. "
    "renegotiated counts those whose terms changed at least once (any status)."
)
class CommitmentOutcomes:
    kept_on_time: int
    kept_late: int
    lapsed: int
    open: int
    released: int
    renegotiated: int

    @strawberry.field(description="(keptOnTime + keptLate) / (keptOnTime + keptLate + lapsed).")
    def kept_rate(self) -> float | None:
        kept = self.kept_on_time + self.kept_late
        return rate(kept, kept + self.lapsed)


@strawberry.type(
    description="Durations as nearest-rank percentiles over a histogram (bucket bounds in "
    "hours: 1, 2, 4, 8, 12, 24, 36, 48, 72, 96, 120, 168, 240, 336, 504, 720, 1080, 1440, "
    "2160, 4320, 8760); each percentile is the upper bound of its bucket, null when "
    "nothing was measured or it lies beyond a year."
)
class DurationPercentiles:
    count: int
    p50_hours: float | None
    p75_hours: float | None
    p90_hours: float | None

    @staticmethod
    def of(counts: Counter[str]) -> DurationPercentiles:
        return DurationPercentiles(
            count=sum(counts.values()),
            p50_hours=percentile_from_histogram(counts, 50),
            p75_hours=percentile_from_histogram(counts, 75),
            p90_hours=percentile_from_histogram(counts, 90),
        )


@strawberry.type
class RoleCount:
    role: str
    people: int


@strawberry.type(
    description="Participation, over repairs opened in the period: named = the distinct "
    "people its incidents name (responsible and affected); joined = those of them who took "
    "part in the repair in any role; rate = joined / named."
)
class Participation:
    named: int
    joined: int
    rate: float | None
    by_role: list[RoleCount] = strawberry.field(
        description="Distinct people per role who joined (facilitators and supporters too)."
    )


@strawberry.type(
    description="Consent, over agreement versions proposed in the period: requested = "
    "everyone whose consent each version required; given / declined = their latest answer "
    "to that version; rate = given / requested."
)
class ConsentRate:
    requested: int
    given: int
    declined: int
    rate: float | None
    declined_rate: float | None


@strawberry.type(
    description="The social discipline window over repairs opened in the period: with "
    "(agreement by everyone's consent), to (imposed over the responsible), for (decided "
    "without the affected's voice), not (no agreement by the window set for it: closed "
    "that way, or still waiting past agreementDueBy now); pending: still within its window. "
    "The latest decision or the closure counts."
)
class ResponseModeMix:
    with_: int = strawberry.field(name="with")
    to: int
    for_: int = strawberry.field(name="for")
    not_: int = strawberry.field(name="not")
    pending: int

    @strawberry.field(description="with / (with + to + for + not).")
    def restorative_rate(self) -> float | None:
        return rate(self.with_, self.with_ + self.to + self.for_ + self.not_)


@strawberry.type
class ResponseModePoint:
    start: date = strawberry.field(description="The first day of the bucket.")
    modes: ResponseModeMix


@strawberry.type
class CompletionPoint:
    start: date
    completion: Completion


@strawberry.type
class CountPoint:
    start: date
    count: int


@strawberry.type
class CategoryCount:
    category: str
    count: int


@strawberry.type(description="Check-in outcomes recorded in the period (every answer counts).")
class CheckInOutcomes:
    yes: int
    partly: int
    no: int


@strawberry.type(
    description="For commitments due in the period (released ones aside): nudged = those "
    "that got a nudge of this kind; keptAfter = those kept at or after their first such "
    "nudge; rate = keptAfter / nudged. kind `any` is reminders and lapse offers together."
)
class NudgeKindEffect:
    kind: str
    nudged: int
    kept_after: int
    rate: float | None


@strawberry.type(
    description="Nudge effectiveness: nudged commitments kept after the nudge, beside the "
    "kept rate of commitments never nudged; sent counts every nudge sent in the period."
)
class NudgeEffectiveness:
    kinds: list[NudgeKindEffect]
    unnudged: int
    kept_unnudged: int
    unnudged_kept_rate: float | None
    sent: list[CategoryCount]


@strawberry.type
class ReasonCount:
    reason_code: str
    count: int


@strawberry.type(
    description="Return to punitive handling, over repairs closed in the period: returned = "
    "closed as returned_to_formal_process; rate = returned / closed; reasons by reason code "
    "(`unspecified` when none was given)."
)
class ReturnToPunitive:
    closed: int
    returned: int
    rate: float | None
    reasons: list[ReasonCount]
    repaired: int
    unrepaired: int


# Loads one relationship count per bucket for every pair at once: (bucket starts, counts).
PairTrends = Callable[[str], Awaitable[tuple[list[date], dict[tuple[str, str], dict[date, int]]]]]


@strawberry.type(
    description="Relationship health of a department pair, over repairs opened in the period "
    "that concern the pair (and incidents reported in it that strain the pair). status: "
    "repaired = at least two thirds of them ended repaired; unrepaired = at least half ended "
    "otherwise (unrepaired or returned to the formal process); mending = in between (some "
    "still open, or a mixed record); unaddressed = incidents between the pair but no repair "
    "opened in the period."
)
class RelationshipHealth:
    department_a: str
    department_b: str
    repairs: int
    open_harms: int = strawberry.field(description="Repairs not closed yet.")
    repairs_closed: int
    closed_repaired: int
    returned_to_formal_process: int
    commitments: int = strawberry.field(description="Commitments, released ones aside.")
    commitments_kept: int
    kept_rate: float | None
    recurrences_within_90_days: int = strawberry.field(
        description="Repairs naming an earlier repair of the same matter opened at most 90 days before."
    )
    recurrences_within_180_days: int
    confirmed_by_affected: int = strawberry.field(
        description="Repairs whose affected all answered yes at their latest check-in."
    )
    check_ins: CheckInOutcomes
    status: str
    shadow_it: int = strawberry.field(
        description="Shadow IT incidents reported in the period that strain the pair: the "
        "side that caused them (their responsible people's departments, else the reporter) "
        "and a side that bore them."
    )
    trends: strawberry.Private[PairTrends | None] = None

    @strawberry.field(description="shadowIt per bucket of report days, empty buckets included.")
    async def shadow_it_trend(
        self, granularity: Granularity = Granularity.MONTH
    ) -> list[CountPoint]:
        if self.trends is None:
            return []
        starts, pairs = await self.trends(granularity.value)
        counts = pairs.get((self.department_a, self.department_b), {})
        return [CountPoint(start=start, count=counts.get(start, 0)) for start in starts]

    @staticmethod
    def of(
        pair: tuple[str, str], counts: Counter[str], trends: PairTrends | None = None
    ) -> RelationshipHealth:
        closed = sum(v for k, v in counts.items() if k.startswith("closed:"))
        repaired = counts["closed:repaired"]
        return RelationshipHealth(
            department_a=pair[0],
            department_b=pair[1],
            repairs=counts["repairs"],
            open_harms=counts["open"],
            repairs_closed=closed,
            closed_repaired=repaired,
            returned_to_formal_process=counts["closed:returned_to_formal_process"],
            commitments=counts["commitments"],
            commitments_kept=counts["commitments_kept"],
            kept_rate=rate(counts["commitments_kept"], counts["commitments"]),
            recurrences_within_90_days=counts["recurrence_90"],
            recurrences_within_180_days=counts["recurrence_180"],
            confirmed_by_affected=counts["confirmed"],
            check_ins=CheckInOutcomes(
                yes=counts["check_in:yes"],
                partly=counts["check_in:partly"],
                no=counts["check_in:no"],
            ),
            status=relationship_status(counts),
            shadow_it=counts[SHADOW_IT_KEY],
            trends=trends,
        )


def response_mode_mix(counts: Counter[str], overdue: int) -> ResponseModeMix:
    """The window's counts, with repairs waiting past their window counted as `not`."""
    not_, pending = overdue_split(counts["pending"], counts["not"], overdue)
    return ResponseModeMix(
        with_=counts["with"], to=counts["to"], for_=counts["for"], not_=not_, pending=pending
    )
