"""The Dashboard type: every figure for one department (or the organisation) and period.

docs/metrics.md says the same in prose. Each figure is a sum over the rollups for one
department ('*' = the organisation) and a period of UTC days; a repair counts for every
department it concerns. Rates are null when their denominator is zero.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date

import strawberry

from bridgework.common.postgres import Pool
from bridgework.graphql_gateway.read.domain.dashboards import DashboardScope, dashboard_scope
from bridgework.graphql_gateway.read.domain.figures import NUDGE_KINDS, ORGANISATION, rate
from bridgework.graphql_gateway.read.domain.periods import Period
from bridgework.graphql_gateway.read.entrypoints.graphql.context import Context
from bridgework.graphql_gateway.read.entrypoints.graphql.figures import (
    SHADOW_IT_KEY,
    CategoryCount,
    CheckInOutcomes,
    CommitmentOutcomes,
    Completion,
    CompletionPoint,
    ConsentRate,
    CountPoint,
    DurationPercentiles,
    Granularity,
    NudgeEffectiveness,
    NudgeKindEffect,
    Participation,
    PeriodRange,
    ReasonCount,
    RelationshipHealth,
    ResponseModeMix,
    ResponseModePoint,
    ReturnToPunitive,
    RoleCount,
    response_mode_mix,
)
from bridgework.graphql_gateway.read.entrypoints.graphql.pagination import PeriodInput
from bridgework.graphql_gateway.read.use_cases import dashboard

Info = strawberry.Info[Context, None]
PairSeries = tuple[list[date], dict[tuple[str, str], dict[date, int]]]


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

    @property
    def scope(self) -> DashboardScope:
        return DashboardScope(rollup=self.rollup, period=self.range)

    async def totals(self, info: Info) -> dict[str, Counter[str]]:
        """One query for every total a request asks for (however many fields read them)."""
        if self._totals is None:
            self._totals = asyncio.ensure_future(self._load_totals(info))
        return await asyncio.shield(self._totals)

    async def _load_totals(self, info: Info) -> dict[str, Counter[str]]:
        return await dashboard.totals(pool=info.context.pool, scope=self.scope)

    async def _overdue(self, info: Info, granularity: str) -> dict[date, int]:
        return await dashboard.overdue(
            pool=info.context.pool,
            scope=self.scope,
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
        totals, people = await asyncio.gather(
            self.totals(info), dashboard.people_per_role(pool=info.context.pool, scope=self.scope)
        )
        counts = totals["participation"]
        return Participation(
            named=counts["named"],
            joined=counts["joined"],
            rate=rate(counts["joined"], counts["named"]),
            by_role=[RoleCount(role=role, people=people[role]) for role in sorted(people)],
        )

    @strawberry.field
    async def consent(self, info: Info) -> ConsentRate:
        counts = (await self.totals(info))["consent"]
        return ConsentRate(
            requested=counts["requested"],
            given=counts["given"],
            declined=counts["declined"],
            rate=rate(counts["given"], counts["requested"]),
            declined_rate=rate(counts["declined"], counts["requested"]),
        )

    @strawberry.field
    async def response_modes(self, info: Info) -> ResponseModeMix:
        # Both at once, on two connections: neither waits for the other's round trip.
        totals, overdue = await asyncio.gather(self.totals(info), self._overdue(info, "month"))
        return response_mode_mix(totals["response_mode"], sum(overdue.values()))

    @strawberry.field(description="The social discipline window per bucket of opening days.")
    async def response_mode_trend(
        self, info: Info, granularity: Granularity = Granularity.WEEK
    ) -> list[ResponseModePoint]:
        points, overdue = await asyncio.gather(
            self._trend(info, "response_mode", granularity),
            self._overdue(info, granularity.value),
        )
        return [
            ResponseModePoint(start=start, modes=response_mode_mix(counts, overdue.get(start, 0)))
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
                rate=rate(counts[f"kept_after:{kind}"], counts[f"nudged:{kind}"]),
            )
            for kind in ("any", *NUDGE_KINDS)
        ]
        return NudgeEffectiveness(
            kinds=kinds,
            unnudged=counts["unnudged"],
            kept_unnudged=counts["kept:unnudged"],
            unnudged_kept_rate=rate(counts["kept:unnudged"], counts["unnudged"]),
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
            rate=rate(returned, counts["closed"]),
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
        return await relationship_health(info, self.scope)

    async def _trend(
        self, info: Info, metric: str, granularity: Granularity, key: str | None = None
    ) -> list[tuple[date, Counter[str]]]:
        return await dashboard.trend(
            pool=info.context.pool,
            scope=self.scope,
            metric=metric,
            granularity=granularity.value,
            key=key,
        )


async def relationship_health(info: Info, scope: DashboardScope) -> list[RelationshipHealth]:
    """Every pair's health over the period ('*': all pairs; else pairs with the department)."""
    pairs = await dashboard.relationships(pool=info.context.pool, scope=scope)
    trends = ShadowItTrends(info.context.pool, scope)
    return [RelationshipHealth.of(pair, counts, trends) for pair, counts in pairs]


class ShadowItTrends:
    """Every pair's shadow IT trend in one query per granularity, however many pairs ask."""

    def __init__(self, pool: Pool, scope: DashboardScope) -> None:
        self._pool = pool
        self._scope = scope
        self._loading: dict[str, asyncio.Future[PairSeries]] = {}

    async def __call__(self, granularity: str) -> PairSeries:
        if granularity not in self._loading:
            self._loading[granularity] = asyncio.ensure_future(
                dashboard.pair_trend(
                    pool=self._pool, scope=self._scope, key=SHADOW_IT_KEY, granularity=granularity
                )
            )
        return await asyncio.shield(self._loading[granularity])


def make_dashboard(info: Info, department: str | None, period: PeriodInput | None) -> Dashboard:
    """A dashboard the viewer may read; its fields load lazily, in one query for the totals."""
    scope = dashboard_scope(
        viewer=info.context.viewer,
        department=department,
        period=None if period is None else Period(period.start, period.end),
        today=info.context.clock.now().date(),
    )
    return Dashboard(
        department=None if scope.rollup == ORGANISATION else scope.rollup,
        period=PeriodRange(start=scope.period.start, end=scope.period.end),
        rollup=scope.rollup,
    )
