"""The dashboard's reads: sums over the rollup a DashboardScope names."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from bridgework.common.postgres import Pool
from bridgework.graphql_gateway.read.domain.access import scope_of
from bridgework.graphql_gateway.read.domain.dashboards import DashboardScope
from bridgework.graphql_gateway.read.domain.drilldown import Behind
from bridgework.graphql_gateway.read.domain.pagination import check_page_size, decode_cursor
from bridgework.graphql_gateway.read.domain.periods import trend_buckets
from bridgework.graphql_gateway.read.domain.records import RepairRecord
from bridgework.graphql_gateway.read.domain.viewer import Viewer
from bridgework.graphql_gateway.read.repository import drilldown, rollups

TOTAL_METRICS = (
    "repairs", "response_mode", "participation", "consent", "time_to_agreement",
    "time_to_repair", "agreement_completion", "commitments", "nudges", "nudges_sent",
    "closures", "check_ins", "incidents",
)  # fmt: skip


async def totals(*, pool: Pool, scope: DashboardScope) -> dict[str, Counter[str]]:
    """Every total the dashboard shows, in one query."""
    async with pool.acquire() as connection:
        return await rollups.totals(
            connection, department=scope.rollup, period=scope.period, metrics=TOTAL_METRICS
        )


async def trend(
    *, pool: Pool, scope: DashboardScope, metric: str, granularity: str, key: str | None = None
) -> list[tuple[date, Counter[str]]]:
    """A metric per bucket of the period, empty buckets included."""
    starts = trend_buckets(scope.period, granularity)
    async with pool.acquire() as connection:
        found = await rollups.trend(
            connection,
            department=scope.rollup,
            period=scope.period,
            metric=metric,
            granularity=granularity,
            key=key,
        )
    return [(start, found.get(start, Counter())) for start in starts]


async def overdue(
    *, pool: Pool, scope: DashboardScope, now: datetime, granularity: str
) -> dict[date, int]:
    """Repairs opened in the period still waiting for an agreement past their window, now."""
    async with pool.acquire() as connection:
        return await rollups.overdue_awaiting_agreement(
            connection,
            department=scope.rollup,
            period=scope.period,
            now=now,
            granularity=granularity,
        )


async def relationships(
    *, pool: Pool, scope: DashboardScope
) -> list[tuple[tuple[str, str], Counter[str]]]:
    """Every department pair's counts over the period, pairs in order."""
    async with pool.acquire() as connection, connection.transaction():
        pairs = await rollups.relationship_totals(
            connection, department=scope.rollup, period=scope.period
        )
    return sorted(pairs.items())


async def people_per_role(*, pool: Pool, scope: DashboardScope) -> Counter[str]:
    """Distinct people per role who joined repairs opened in the period."""
    async with pool.acquire() as connection:
        return await rollups.people_per_role(
            connection, department=scope.rollup, period=scope.period
        )


async def pair_trend(
    *, pool: Pool, scope: DashboardScope, key: str, granularity: str
) -> tuple[list[date], dict[tuple[str, str], dict[date, int]]]:
    """The period's buckets, and one relationship count per bucket for every pair."""
    starts = trend_buckets(scope.period, granularity)
    async with pool.acquire() as connection:
        found = await rollups.pair_trend(
            connection,
            department=scope.rollup,
            period=scope.period,
            key=key,
            granularity=granularity,
        )
    return starts, found


async def repairs_behind(
    *,
    pool: Pool,
    viewer: Viewer,
    behind: Behind,
    first: int,
    after: str | None,
    max_page_size: int,
) -> list[RepairRecord]:
    """A page of the repairs behind a figure that the viewer may list (one more than
    `first`, to tell whether more follow)."""
    check_page_size(first, max_page_size)
    cursor = decode_cursor(after)
    async with pool.acquire() as connection:
        return await drilldown.repairs_behind(
            connection, scope=scope_of(viewer), behind=behind, limit=first + 1, after=cursor
        )
