"""Dashboard fields: every number the dashboard page draws, with its definition.

docs/metrics.md says the same in prose. Each figure is a sum over the rollups for one
department ('*' = the organisation) and a period of UTC days; a repair counts for every
department it concerns. Rates are null when their denominator is zero.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, timedelta
from enum import Enum

import strawberry

from bridgework.graphql_gateway import access, rollups
from bridgework.graphql_gateway.context import Context
from bridgework.graphql_gateway.errors import BadInputError, ForbiddenError
from bridgework.graphql_gateway.metrics import (
    NUDGE_KINDS,
    ORGANISATION,
    percentile_from_histogram,
)
from bridgework.graphql_gateway.pagination import PeriodInput
from bridgework.graphql_gateway.rollups import Period

Info = strawberry.Info[Context, None]
DEFAULT_PERIOD_DAYS = 365
MAX_PERIOD_DAYS = 366 * 20
MAX_TREND_POINTS = 800

TOTAL_METRICS = (
    "repairs",
    "response_mode",
    "participation",
    "consent",
    "time_to_agreement",
    "time_to_repair",
    "agreement_completion",
    "commitments",
    "nudges",
    "nudges_sent",
    "closures",
    "check_ins",
    "incidents",
)


@strawberry.enum(description="How a trend is bucketed: UTC days, ISO weeks (from Monday), months.")
class Granularity(Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


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
        return _rate(self.kept_on_time, self.settled())

    @strawberry.field(description="(keptOnTime + keptLate) / settled: agreements kept in full.")
    def kept_rate(self) -> float | None:
        return _rate(self.kept_on_time + self.kept_late, self.settled())

    @strawberry.field(description="partial / settled.")
    def partial_rate(self) -> float | None:
        return _rate(self.partial, self.settled())

    @strawberry.field(description="lapsed / settled.")
    def lapsed_rate(self) -> float | None:
        return _rate(self.lapsed, self.settled())

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
        return _rate(kept, kept + self.lapsed)


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
        return _rate(self.with_, self.with_ + self.to + self.for_ + self.not_)


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


@strawberry.type(
    description="Relationship health of a department pair, over repairs opened in the period "
    "that concern the pair. status: repaired = none open and every one closed repaired; "
    "mending = some still open; unrepaired = none open and some closed otherwise."
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

    @staticmethod
    def of(pair: tuple[str, str], counts: Counter[str]) -> RelationshipHealth:
        closed = sum(v for k, v in counts.items() if k.startswith("closed:"))
        repaired = counts["closed:repaired"]
        if counts["open"]:
            status = "mending"
        elif closed and repaired == closed:
            status = "repaired"
        else:
            status = "unrepaired"
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
            kept_rate=_rate(counts["commitments_kept"], counts["commitments"]),
            recurrences_within_90_days=counts["recurrence_90"],
            recurrences_within_180_days=counts["recurrence_180"],
            confirmed_by_affected=counts["confirmed"],
            check_ins=CheckInOutcomes(
                yes=counts["check_in:yes"],
                partly=counts["check_in:partly"],
                no=counts["check_in:no"],
            ),
            status=status,
        )


def resolve_period(info: Info, period: PeriodInput | None) -> Period:
    """The requested period, or the last 365 days up to today (UTC, by the gateway's clock)."""
    if period is None:
        today = info.context.clock.now().date()
        return Period(start=today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), end=today)
    if period.start > period.end:
        raise BadInputError("`period.from` must not be after `period.to`")
    if (period.end - period.start).days > MAX_PERIOD_DAYS:
        raise BadInputError(f"a period spans at most {MAX_PERIOD_DAYS} days")
    return Period(start=period.start, end=period.end)


def authorised_department(info: Info, department: str | None) -> str:
    """The rollup department the viewer may read, or FORBIDDEN."""
    allowed = access.aggregates_department(info.context.viewer, department)
    if allowed is None:
        raise ForbiddenError(
            "dashboards are for the change team, and for a department lead their own department"
        )
    return allowed


@strawberry.type(
    description="Every dashboard figure for one department (or the organisation) and period."
)
class Dashboard:
    department: str | None = strawberry.field(description="null: the whole organisation.")
    period: PeriodRange
    rollup: strawberry.Private[str]
    _totals: strawberry.Private[asyncio.Future[dict[str, Counter[str]]] | None] = None

    @property
    def range(self) -> Period:
        return Period(self.period.start, self.period.end)

    async def totals(self, info: Info) -> dict[str, Counter[str]]:
        """One query for every total a request asks for (however many fields read them)."""
        if self._totals is None:
            self._totals = asyncio.ensure_future(self._load_totals(info))
        return await asyncio.shield(self._totals)

    async def _load_totals(self, info: Info) -> dict[str, Counter[str]]:
        async with info.context.pool.acquire() as connection:
            return await rollups.totals(
                connection, department=self.rollup, period=self.range, metrics=TOTAL_METRICS
            )

    async def _overdue(self, info: Info, granularity: str) -> dict[date, int]:
        async with info.context.pool.acquire() as connection:
            return await rollups.overdue_awaiting_agreement(
                connection,
                department=self.rollup,
                period=self.range,
                now=info.context.clock.now(),
                granularity=granularity,
            )

    @strawberry.field(description="Repairs opened in the period.")
    async def repairs_opened(self, info: Info) -> int:
        return (await self.totals(info))["repairs"]["opened"]

    @strawberry.field
    async def completion(self, info: Info) -> Completion:
        return Completion.of((await self.totals(info))["agreement_completion"])

    @strawberry.field
    async def commitments(self, info: Info) -> CommitmentOutcomes:
        counts = (await self.totals(info))["commitments"]
        return CommitmentOutcomes(
            kept_on_time=counts["kept_on_time"],
            kept_late=counts["kept_late"],
            lapsed=counts["lapsed"],
            open=counts["open"],
            released=counts["released"],
            renegotiated=counts["renegotiated"],
        )

    @strawberry.field(
        description="From the first report of a repair's incidents to its first agreement, "
        "for agreements first reached in the period."
    )
    async def time_to_agreement(self, info: Info) -> DurationPercentiles:
        return DurationPercentiles.of((await self.totals(info))["time_to_agreement"])

    @strawberry.field(
        description="From the first agreement to the affected's confirmation (every affected "
        "person's latest check-in is yes; the last of those answers), for repairs confirmed "
        "in the period."
    )
    async def time_to_repair(self, info: Info) -> DurationPercentiles:
        return DurationPercentiles.of((await self.totals(info))["time_to_repair"])

    @strawberry.field
    async def participation(self, info: Info) -> Participation:
        counts = (await self.totals(info))["participation"]
        roles = sorted(k for k in counts if k.startswith("role:"))
        return Participation(
            named=counts["named"],
            joined=counts["joined"],
            rate=_rate(counts["joined"], counts["named"]),
            by_role=[RoleCount(role=k.removeprefix("role:"), people=counts[k]) for k in roles],
        )

    @strawberry.field
    async def consent(self, info: Info) -> ConsentRate:
        counts = (await self.totals(info))["consent"]
        return ConsentRate(
            requested=counts["requested"],
            given=counts["given"],
            declined=counts["declined"],
            rate=_rate(counts["given"], counts["requested"]),
            declined_rate=_rate(counts["declined"], counts["requested"]),
        )

    @strawberry.field
    async def response_modes(self, info: Info) -> ResponseModeMix:
        # Both at once, on two connections: neither waits for the other's round trip.
        totals, overdue = await asyncio.gather(self.totals(info), self._overdue(info, "month"))
        return _mix(totals["response_mode"], sum(overdue.values()))

    @strawberry.field(description="The social discipline window per bucket of opening days.")
    async def response_mode_trend(
        self, info: Info, granularity: Granularity = Granularity.WEEK
    ) -> list[ResponseModePoint]:
        points, overdue = await asyncio.gather(
            self._trend(info, "response_mode", granularity),
            self._overdue(info, granularity.value),
        )
        return [
            ResponseModePoint(start=start, modes=_mix(counts, overdue.get(start, 0)))
            for start, counts in points
        ]

    @strawberry.field(description="Agreement completion per bucket of settling days.")
    async def completion_trend(
        self, info: Info, granularity: Granularity = Granularity.MONTH
    ) -> list[CompletionPoint]:
        points = await self._trend(info, "agreement_completion", granularity)
        return [CompletionPoint(start=s, completion=Completion.of(c)) for s, c in points]

    @strawberry.field(
        description="Incidents reported per bucket, of one category (default shadow_it), for "
        "the department as reporter or as affected."
    )
    async def incident_trend(
        self,
        info: Info,
        granularity: Granularity = Granularity.WEEK,
        category: str = "shadow_it",
    ) -> list[CountPoint]:
        points = await self._trend(info, "incidents", granularity, key=category)
        return [CountPoint(start=s, count=c[category]) for s, c in points]

    @strawberry.field(description="Incidents reported in the period, per category.")
    async def incidents_by_category(self, info: Info) -> list[CategoryCount]:
        counts = (await self.totals(info))["incidents"]
        return [CategoryCount(category=k, count=v) for k, v in sorted(counts.items())]

    @strawberry.field
    async def nudge_effectiveness(self, info: Info) -> NudgeEffectiveness:
        totals = await self.totals(info)
        counts = totals["nudges"]
        kinds = [
            NudgeKindEffect(
                kind=kind,
                nudged=counts[f"nudged:{kind}"],
                kept_after=counts[f"kept_after:{kind}"],
                rate=_rate(counts[f"kept_after:{kind}"], counts[f"nudged:{kind}"]),
            )
            for kind in ("any", *NUDGE_KINDS)
        ]
        return NudgeEffectiveness(
            kinds=kinds,
            unnudged=counts["unnudged"],
            kept_unnudged=counts["kept:unnudged"],
            unnudged_kept_rate=_rate(counts["kept:unnudged"], counts["unnudged"]),
            sent=[
                CategoryCount(category=k, count=v) for k, v in sorted(totals["nudges_sent"].items())
            ],
        )

    @strawberry.field
    async def return_to_punitive(self, info: Info) -> ReturnToPunitive:
        counts = (await self.totals(info))["closures"]
        returned = counts["outcome:returned_to_formal_process"]
        reasons = sorted(
            (
                ReasonCount(reason_code=k.removeprefix("returned_reason:"), count=v)
                for k, v in counts.items()
                if k.startswith("returned_reason:")
            ),
            key=lambda r: (-r.count, r.reason_code),
        )
        return ReturnToPunitive(
            closed=counts["closed"],
            returned=returned,
            rate=_rate(returned, counts["closed"]),
            reasons=reasons,
            repaired=counts["outcome:repaired"],
            unrepaired=counts["outcome:unrepaired"],
        )

    @strawberry.field
    async def check_ins(self, info: Info) -> CheckInOutcomes:
        counts = (await self.totals(info))["check_ins"]
        return CheckInOutcomes(yes=counts["yes"], partly=counts["partly"], no=counts["no"])

    @strawberry.field(
        description="Relationship health of every department pair (with this department)."
    )
    async def relationships(self, info: Info) -> list[RelationshipHealth]:
        return await relationship_health(info, self.rollup, self.range)

    async def _trend(
        self, info: Info, metric: str, granularity: Granularity, key: str | None = None
    ) -> list[tuple[date, Counter[str]]]:
        starts = rollups.buckets(self.range, granularity.value)
        if len(starts) > MAX_TREND_POINTS:
            raise BadInputError(
                f"a trend has at most {MAX_TREND_POINTS} points: choose a coarser granularity"
            )
        async with info.context.pool.acquire() as connection:
            found = await rollups.trend(
                connection,
                department=self.rollup,
                period=self.range,
                metric=metric,
                granularity=granularity.value,
                key=key,
            )
        return [(start, found.get(start, Counter())) for start in starts]


async def relationship_health(info: Info, rollup: str, period: Period) -> list[RelationshipHealth]:
    """Every pair's health over the period ('*': all pairs; else pairs with the department)."""
    async with info.context.pool.acquire() as connection:
        pairs = await rollups.relationship_totals(connection, department=rollup, period=period)
    return [RelationshipHealth.of(pair, counts) for pair, counts in sorted(pairs.items())]


def _mix(counts: Counter[str], overdue: int) -> ResponseModeMix:
    return ResponseModeMix(
        with_=counts["with"],
        to=counts["to"],
        for_=counts["for"],
        not_=counts["not"] + overdue,
        pending=max(counts["pending"] - overdue, 0),
    )


def make_dashboard(info: Info, department: str | None, period: PeriodInput | None) -> Dashboard:
    """A dashboard the viewer may read; its fields load lazily, in one query for the totals."""
    rollup = authorised_department(info, department)
    span = resolve_period(info, period)
    return Dashboard(
        department=None if rollup == ORGANISATION else rollup,
        period=PeriodRange(start=span.start, end=span.end),
        rollup=rollup,
    )
