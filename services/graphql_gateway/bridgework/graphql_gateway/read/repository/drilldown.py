"""The repairs behind a dashboard figure: the drill-down index (`repair_figures`, kept by the
projection with the rollups) joined to the repairs the viewer may list, newest first."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from bridgework.common.postgres import Connection
from bridgework.graphql_gateway.read.domain.access import Scope
from bridgework.graphql_gateway.read.domain.drilldown import Behind, Overdue
from bridgework.graphql_gateway.read.domain.figures import ORGANISATION
from bridgework.graphql_gateway.read.domain.periods import utc_midnight
from bridgework.graphql_gateway.read.domain.records import RepairRecord
from bridgework.graphql_gateway.read.repository import rows as records

# The listings' own scope rule, so a drill-down never shows more than `repairs` would.
from bridgework.graphql_gateway.read.repository.listings import Where, _repair_scope
from bridgework.graphql_gateway.read.repository.rows import REPAIR_COLUMNS


def _filed(where: Where, behind: Behind, keys: tuple[str, ...] | None) -> str:
    """The repairs filed in the index under the figure's metric and `keys` (None: any) on a
    day of the period: the slots as projection/repository/rollups.py writes them."""
    period = behind.period
    days = [period.start + timedelta(days=n) for n in range((period.end - period.start).days + 1)]
    slots = [
        f"{behind.figure.metric}/{key}/{day.isoformat()}"
        for key in (keys if keys is not None else ("*",))
        for day in days
    ]
    return (
        "r.repair_id IN (SELECT f.repair_id FROM repair_figures f"
        f" WHERE f.slots && {where.bind(slots)}::text[])"
    )


def _incidents(where: Where, behind: Behind) -> str:
    """The repairs holding incidents of the categories reported in the period (for the
    department, as reporter or affected)."""
    condition = (
        f"i.category = ANY({where.bind(list(behind.figure.keys or ()))}::text[])"
        f" AND i.reported_at >= {where.bind(utc_midnight(behind.period.start))}"
        f" AND i.reported_at < {where.bind(utc_midnight(behind.period.end + timedelta(1)))}"
    )
    if behind.department != ORGANISATION:
        department = where.bind(behind.department)
        condition += (
            f" AND ({department} = i.department OR {department} = ANY(i.affected_departments))"
        )
    return (
        "EXISTS (SELECT 1 FROM repair_incidents ri JOIN incidents i USING (incident_id)"
        f" WHERE ri.repair_id = r.repair_id AND {condition})"
    )


def _figure(where: Where, behind: Behind) -> str:
    figure = behind.figure
    if figure.metric == "incidents":
        return _incidents(where, behind)
    if figure.overdue is Overdue.IGNORE:
        return _filed(where, behind, figure.keys)
    overdue = f"(r.status = 'open' AND r.agreement_due_by <= {where.bind(behind.now)})"
    if figure.overdue is Overdue.ADD:
        # `not`: decided or closed that way, or pending with its window passed (by the clock).
        return f"({_filed(where, behind, ('not',))} OR ({_filed(where, behind, ('pending',))} AND {overdue}))"
    return f"({_filed(where, behind, figure.keys)} AND NOT {overdue})"


async def repairs_behind(
    connection: Connection,
    *,
    scope: Scope,
    behind: Behind,
    limit: int,
    after: tuple[datetime, UUID] | None,
) -> list[RepairRecord]:
    """The repairs behind the figure that the viewer may list, newest opening first."""
    where = Where()
    where.add("r.opened_at IS NOT NULL")
    _repair_scope(where, scope)
    if behind.department != ORGANISATION:
        where.add(f"{where.bind(behind.department)} = ANY(r.departments)")
    if behind.pair is not None:
        a, b = where.bind(behind.pair[0]), where.bind(behind.pair[1])
        where.add(
            "EXISTS (SELECT 1 FROM repair_relationships rr WHERE rr.repair_id = r.repair_id"
            f" AND rr.department_a = {a} AND rr.department_b = {b})"
        )
    where.add(_figure(where, behind))
    if after is not None:
        where.add(f"(r.opened_at, r.repair_id) < ({where.bind(after[0])}, {where.bind(after[1])})")
    columns = ", ".join(f"r.{c.strip()}" for c in REPAIR_COLUMNS.split(","))
    rows = await connection.fetch(
        f"SELECT {columns} FROM repairs r WHERE {where.sql()}"
        f" ORDER BY r.opened_at DESC, r.repair_id DESC LIMIT {where.bind(limit)}",
        *where.params,
    )
    return [records.repair(row) for row in rows]
