"""The dashboard's reads: sums over the rollup a DashboardScope names."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from bridgework.common.postgres import Pool
from bridgework.graphql_gateway.read.domain.dashboards import DashboardScope
from bridgework.graphql_gateway.read.domain.periods import trend_buckets
from bridgework.graphql_gateway.read.repository import rollups

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
