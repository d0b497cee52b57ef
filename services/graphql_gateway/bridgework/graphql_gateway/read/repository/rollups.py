"""The dashboards' SQL: sums over the rollups, never GROUP BYs over raw history.

A period is read as whole months from the month grain plus the days at its edges from
the day grain (domain/periods.split_period), so a year costs a few dozen rows per key; the
relationship rollup, with a row per department pair, also keeps weeks for the edges.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from bridgework.common.postgres import Connection
from bridgework.graphql_gateway.read.domain.figures import ORGANISATION
from bridgework.graphql_gateway.read.domain.periods import (
    Period,
    split_period,
    split_weeks,
    utc_midnight,
)


def _ranges(
    where_day: str,
    period: Period,
    params: list[Any],
    *,
    weeks: bool = False,
    split: list[tuple[str, date, date]] | None = None,
) -> str:
    """A condition on (grain, day) that covers the period exactly once (by `split`, or by
    whole months and the edges' weeks or days)."""
    parts: list[str] = []
    ranges = split if split is not None else split_period(period.start, period.end, weeks=weeks)
    for grain, first, last in ranges:
        params.extend([grain, first, last])
        n = len(params)
        parts.append(f"(grain = ${n - 2} AND {where_day} BETWEEN ${n - 1} AND ${n})")
    return "(" + " OR ".join(parts) + ")"


async def totals(
    connection: Connection, *, department: str, period: Period, metrics: Sequence[str]
) -> dict[str, Counter[str]]:
    """Every key's sum over the period, for each metric."""
    params: list[Any] = [list(metrics), department]
    condition = _ranges("day", period, params)
    rows = await connection.fetch(
        "SELECT metric, key, sum(value)::bigint AS value FROM dashboard_counts"
        f" WHERE metric = ANY($1::text[]) AND department = $2 AND {condition}"
        " GROUP BY metric, key",
        *params,
    )
    result: dict[str, Counter[str]] = {metric: Counter() for metric in metrics}
    for row in rows:
        result[row["metric"]][row["key"]] += row["value"]
    return result


async def trend(
    connection: Connection,
    *,
    department: str,
    period: Period,
    metric: str,
    granularity: str,
    key: str | None = None,
) -> dict[date, Counter[str]]:
    """The metric's keys (or only `key`) summed per day, week or month of the period."""
    params: list[Any] = [metric, department]
    if granularity == "month":
        condition = _ranges("day", period, params)
    else:
        params.extend([period.start, period.end])
        condition = "(grain = 'd' AND day BETWEEN $3 AND $4)"
    if key is not None:
        params.append(key)
        condition += f" AND key = ${len(params)}"
    params.append(granularity)
    rows = await connection.fetch(
        f"SELECT date_trunc(${len(params)}, day)::date AS bucket, key, sum(value)::bigint AS value"
        f" FROM dashboard_counts WHERE metric = $1 AND department = $2 AND {condition}"
        " GROUP BY 1, 2",
        *params,
    )
    result: dict[date, Counter[str]] = defaultdict(Counter)
    for row in rows:
        result[row["bucket"]][row["key"]] += row["value"]
    return result


async def relationship_totals(
    connection: Connection, *, department: str, period: Period
) -> dict[tuple[str, str], Counter[str]]:
    """Every department pair's counts over the period (pairs with the department, or all)."""
    params: list[Any] = []
    condition = _ranges("day", period, params, weeks=True)
    columns = "department_a, department_b, key, value FROM relationship_counts"
    if department == ORGANISATION:
        source = f"SELECT {columns} WHERE {condition}"
    else:
        # Each side through its own index, (department_x, grain, day): with `a = $n OR b = $n`
        # Postgres read the whole department index (docs/gateway.md).
        params.append(department)
        n = len(params)
        source = (
            f"SELECT {columns} WHERE department_a = ${n} AND {condition} UNION ALL"
            f" SELECT {columns} WHERE department_b = ${n} AND department_a <> ${n} AND {condition}"
        )
    # One row per pair with its keys and sums side by side: fewer rows to decode.
    query = (
        "SELECT department_a, department_b, array_agg(key) AS keys, array_agg(value) AS sums"
        " FROM (SELECT department_a, department_b, key, sum(value)::bigint AS value"
        f" FROM ({source}) AS counts GROUP BY 1, 2, 3) AS per_key GROUP BY 1, 2"
    )
    # Without parallel workers: starting them costs more than the whole read, and Postgres
    # chose them for a department's year (docs/gateway.md).
    await connection.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    rows = await connection.fetch(query, *params)
    return {(row[0], row[1]): Counter(dict(zip(row[2], row[3], strict=True))) for row in rows}


async def overdue_awaiting_agreement(
    connection: Connection, *, department: str, period: Period, now: datetime, granularity: str
) -> dict[date, int]:
    """Repairs opened in the period, still without an agreement after their window: the `not`
    of the social discipline window that no event announces (it depends on the clock)."""
    params: list[Any] = [now, utc_midnight(period.start), utc_midnight(period.end + timedelta(1))]
    condition = ""
    if department != ORGANISATION:
        params.append(department)
        condition = f" AND ${len(params)} = ANY(departments)"
    params.append(granularity)
    rows = await connection.fetch(
        f"SELECT date_trunc(${len(params)}, opened_at AT TIME ZONE 'UTC')::date AS bucket,"
        " count(*) AS value FROM repairs"
        " WHERE status = 'open' AND agreement_due_by <= $1"
        f" AND opened_at >= $2 AND opened_at < $3{condition} GROUP BY 1",
        *params,
    )
    return {row["bucket"]: row["value"] for row in rows}


async def people_per_role(
    connection: Connection, *, department: str, period: Period
) -> Counter[str]:
    """Distinct people per role who joined repairs opened in the period: the `people` keys
    (`<role>:<person id>`) whose sum over the period is positive, counted per role."""
    params: list[Any] = [department]
    condition = _ranges("day", period, params)
    rows = await connection.fetch(
        "SELECT split_part(key, ':', 1) AS role, count(*) AS people FROM ("
        " SELECT key FROM dashboard_counts"
        f" WHERE metric = 'people' AND department = $1 AND {condition}"
        " GROUP BY key HAVING sum(value) > 0) AS joined GROUP BY 1",
        *params,
    )
    return Counter({row["role"]: row["people"] for row in rows})


async def pair_trend(
    connection: Connection, *, department: str, period: Period, key: str, granularity: str
) -> dict[tuple[str, str], dict[date, int]]:
    """One relationship key summed per bucket of the period, for every pair (with the
    department). Months read month rows, weeks week rows, plus days at the edges."""
    params: list[Any] = [key]
    if granularity == "day":
        params.extend(["d", period.start, period.end])
        condition = "(grain = $2 AND day BETWEEN $3 AND $4)"
    else:
        weeks = granularity == "week"
        ranges = split_weeks(period.start, period.end) if weeks else None
        condition = _ranges("day", period, params, split=ranges)
    if department != ORGANISATION:
        params.append(department)
        condition += f" AND ${len(params)} IN (department_a, department_b)"
    params.append(granularity)
    rows = await connection.fetch(
        f"SELECT department_a, department_b, date_trunc(${len(params)}, day)::date AS bucket,"
        " sum(value)::bigint AS value FROM relationship_counts"
        f" WHERE key = $1 AND {condition} GROUP BY 1, 2, 3",
        *params,
    )
    result: dict[tuple[str, str], dict[date, int]] = defaultdict(dict)
    for row in rows:
        result[(row[0], row[1])][row["bucket"]] = row["value"]
    return result
