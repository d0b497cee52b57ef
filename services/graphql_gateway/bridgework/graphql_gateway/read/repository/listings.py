"""Pages of the read model's entities: keyset-paginated, newest first, scoped to what the
viewer may see, with the schema's filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from asyncpg import Record

from bridgework.common.postgres import Connection
from bridgework.graphql_gateway.read.domain.access import Scope
from bridgework.graphql_gateway.read.domain.pagination import Filters
from bridgework.graphql_gateway.read.domain.periods import utc_midnight
from bridgework.graphql_gateway.read.domain.records import (
    CheckInRecord,
    CommitmentRecord,
    DepartmentRecord,
    IncidentRecord,
    NudgeRecord,
    RepairRecord,
)
from bridgework.graphql_gateway.read.repository import rows as records
from bridgework.graphql_gateway.read.repository.rows import INCIDENT_COLUMNS, REPAIR_COLUMNS


def _of(alias: str, columns: str) -> str:
    return ", ".join(f"{alias}.{column.strip()}" for column in columns.split(","))


@dataclass
class Where:
    """A WHERE clause of optional conditions (filters, scope, cursor) with numbered parameters.

    Conditions are SQL text written in this module; only values are bound."""

    params: list[Any] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)

    def bind(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}"

    def add(self, condition: str) -> None:
        self.conditions.append(condition)

    def sql(self) -> str:
        return " AND ".join(self.conditions) if self.conditions else "TRUE"


def _repair_scope(where: Where, scope: Scope, alias: str = "r") -> None:
    if scope.everything:
        return
    department = where.bind(scope.department)
    person = where.bind(scope.person_id)
    where.add(
        f"(({department}::text IS NOT NULL AND {department} = ANY({alias}.departments))"
        f" OR EXISTS (SELECT 1 FROM participants p WHERE p.repair_id = {alias}.repair_id"
        f" AND p.person_id = {person}))"
    )


def _period(where: Where, column: str, filters: Filters) -> None:
    if filters.start is not None:
        where.add(f"{column} >= {where.bind(utc_midnight(filters.start))}")
    if filters.end is not None:
        where.add(f"{column} < {where.bind(utc_midnight(filters.end + timedelta(days=1)))}")


def _after(where: Where, columns: tuple[str, str], after: tuple[datetime, UUID] | None) -> None:
    if after is not None:
        where.add(
            f"({columns[0]}, {columns[1]}) < ({where.bind(after[0])}, {where.bind(after[1])})"
        )


async def repairs_page(
    connection: Connection,
    *,
    scope: Scope,
    filters: Filters,
    limit: int,
    after: tuple[datetime, UUID] | None,
) -> list[RepairRecord]:
    """Opened repairs, newest first, keyset-paginated on (opened_at, repair_id)."""
    where = Where()
    where.add("r.opened_at IS NOT NULL")
    _repair_scope(where, scope)
    if filters.department is not None:
        where.add(f"{where.bind(filters.department)} = ANY(r.departments)")
    if filters.status is not None:
        where.add(f"r.status = {where.bind(filters.status)}")
    if filters.category is not None:
        where.add(f"r.category = {where.bind(filters.category)}")
    _period(where, "r.opened_at", filters)
    _after(where, ("r.opened_at", "r.repair_id"), after)
    rows = await connection.fetch(
        f"SELECT {_of('r', REPAIR_COLUMNS)} FROM repairs r WHERE {where.sql()}"
        f" ORDER BY r.opened_at DESC, r.repair_id DESC LIMIT {where.bind(limit)}",
        *where.params,
    )
    return [records.repair(row) for row in rows]


async def incidents_page(
    connection: Connection,
    *,
    scope: Scope,
    filters: Filters,
    limit: int,
    after: tuple[datetime, UUID] | None,
) -> list[IncidentRecord]:
    """Incidents, newest report first, keyset-paginated on (reported_at, incident_id)."""
    where = Where()
    if not scope.everything:
        department = where.bind(scope.department)
        person = where.bind(scope.person_id)
        where.add(
            f"(({department}::text IS NOT NULL AND ({department} = i.department"
            f" OR {department} = ANY(i.affected_departments)))"
            f" OR EXISTS (SELECT 1 FROM repair_incidents ri JOIN participants p USING (repair_id)"
            f" WHERE ri.incident_id = i.incident_id AND p.person_id = {person}))"
        )
    if filters.department is not None:
        department = where.bind(filters.department)
        where.add(f"({department} = i.department OR {department} = ANY(i.affected_departments))")
    if filters.category is not None:
        where.add(f"i.category = {where.bind(filters.category)}")
    if filters.status is not None:
        where.add(f"i.response_mode = {where.bind(filters.status)}")
    _period(where, "i.reported_at", filters)
    _after(where, ("i.reported_at", "i.incident_id"), after)
    rows = await connection.fetch(
        f"SELECT {_of('i', INCIDENT_COLUMNS)} FROM incidents i WHERE {where.sql()}"
        f" ORDER BY i.reported_at DESC, i.incident_id DESC LIMIT {where.bind(limit)}",
        *where.params,
    )
    return [records.incident(row) for row in rows]


@dataclass(frozen=True)
class _ChildList:
    """A list of things that belong to a repair: its table, the column `status` filters on,
    and the (time, id) columns it is ordered and paged by, newest first."""

    table: str
    status_column: str
    at: str
    key: str


_COMMITMENTS = _ChildList("commitments", "status", "due_at", "commitment_id")
_NUDGES = _ChildList("nudges", "kind", "sent_at", "nudge_id")
_CHECK_INS = _ChildList("check_ins", "outcome", "recorded_at", "check_in_id")


async def _children_page(
    connection: Connection,
    listing: _ChildList,
    *,
    scope: Scope,
    filters: Filters,
    limit: int,
    after: tuple[datetime, UUID] | None,
) -> list[Record]:
    # Identifiers come from the constants above, never from a caller: only values are bound.
    where = Where()
    where.add(f"x.{listing.at} IS NOT NULL")
    _repair_scope(where, scope)
    if filters.department is not None:
        where.add(f"{where.bind(filters.department)} = ANY(r.departments)")
    if filters.status is not None:
        where.add(f"x.{listing.status_column} = {where.bind(filters.status)}")
    if filters.category is not None:
        where.add(f"r.category = {where.bind(filters.category)}")
    _period(where, f"x.{listing.at}", filters)
    _after(where, (f"x.{listing.at}", f"x.{listing.key}"), after)
    rows = await connection.fetch(
        f"SELECT x.* FROM {listing.table} x JOIN repairs r USING (repair_id) WHERE {where.sql()}"
        f" ORDER BY x.{listing.at} DESC, x.{listing.key} DESC LIMIT {where.bind(limit)}",
        *where.params,
    )
    return list(rows)


async def commitments_page(
    connection: Connection,
    *,
    scope: Scope,
    filters: Filters,
    limit: int,
    after: tuple[datetime, UUID] | None,
) -> list[CommitmentRecord]:
    """Commitments, latest due date first; a department's are those of its repairs."""
    found = await _children_page(
        connection, _COMMITMENTS, scope=scope, filters=filters, limit=limit, after=after
    )
    return [records.commitment(row) for row in found]


async def nudges_page(
    connection: Connection,
    *,
    scope: Scope,
    filters: Filters,
    limit: int,
    after: tuple[datetime, UUID] | None,
) -> list[NudgeRecord]:
    """Nudges sent, latest first; `status` filters by kind."""
    found = await _children_page(
        connection, _NUDGES, scope=scope, filters=filters, limit=limit, after=after
    )
    return [records.nudge(row) for row in found]


async def check_ins_page(
    connection: Connection,
    *,
    scope: Scope,
    filters: Filters,
    limit: int,
    after: tuple[datetime, UUID] | None,
) -> list[CheckInRecord]:
    """Check-ins, latest first; `status` filters by outcome."""
    found = await _children_page(
        connection, _CHECK_INS, scope=scope, filters=filters, limit=limit, after=after
    )
    return [records.check_in(row) for row in found]


async def viewer_repair_ids(connection: Connection, person_id: str) -> set[UUID]:
    """The repairs a person takes part in (in any role)."""
    rows = await connection.fetch(
        "SELECT DISTINCT repair_id FROM participants WHERE person_id = $1", person_id
    )
    return {row["repair_id"] for row in rows}


async def departments(connection: Connection) -> list[DepartmentRecord]:
    """Every department events have named, by slug."""
    rows = await connection.fetch("SELECT slug, first_seen_at FROM departments ORDER BY slug")
    return [DepartmentRecord(slug=row["slug"], first_seen_at=row["first_seen_at"]) for row in rows]


# --- batched lookups (one query per DataLoader round) ----------------------------------
