"""The read model's SQL: writes from events, reads for GraphQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from bridgework.common.contracts import IncidentReportedV1, RepairOpenedV1
from bridgework.common.postgres import Connection

Row = dict[str, Any]


async def record_incidents(connection: Connection, incidents: Sequence[IncidentReportedV1]) -> None:
    if not incidents:
        return
    await connection.executemany(
        "INSERT INTO incidents (incident_id, department, category, severity, summary,"
        " occurred_at, reported_at, source_tool, source_ref)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (incident_id) DO NOTHING",
        [
            (
                i.incident_id,
                i.department,
                i.category.value,
                i.severity.value,
                i.summary,
                i.occurred_at,
                i.reported_at,
                i.source.tool,
                i.source.reference,
            )
            for i in incidents
        ],
    )


async def record_repairs(connection: Connection, repairs: Sequence[RepairOpenedV1]) -> None:
    if not repairs:
        return
    await connection.executemany(
        "INSERT INTO repairs (repair_id, status, opened_at, departments)"
        " VALUES ($1, 'open', $2, $3) ON CONFLICT (repair_id) DO NOTHING",
        [(r.repair_id, r.opened_at, r.departments) for r in repairs],
    )
    await connection.executemany(
        "INSERT INTO repair_incidents (repair_id, incident_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING",
        [(r.repair_id, incident_id) for r in repairs for incident_id in r.incident_ids],
    )
    await connection.executemany(
        "INSERT INTO repair_relationships (repair_id, department_a, department_b)"
        " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        [(r.repair_id, p.department_a, p.department_b) for r in repairs for p in r.relationships],
    )


async def repairs_by_ids(connection: Connection, ids: Sequence[UUID]) -> list[Row]:
    rows = await connection.fetch("SELECT * FROM repairs WHERE repair_id = ANY($1::uuid[])", ids)
    return [dict(row) for row in rows]


async def repairs_page(
    connection: Connection,
    *,
    limit: int,
    after: tuple[datetime, UUID] | None,
    department: str | None,
) -> list[Row]:
    """Newest first, keyset-paginated on (opened_at, repair_id)."""
    rows = await connection.fetch(
        "SELECT * FROM repairs"
        " WHERE ($2::timestamptz IS NULL OR (opened_at, repair_id) < ($2, $3))"
        " AND ($4::text IS NULL OR $4 = ANY(departments))"
        " ORDER BY opened_at DESC, repair_id DESC LIMIT $1",
        limit,
        after[0] if after else None,
        after[1] if after else None,
        department,
    )
    return [dict(row) for row in rows]


async def incidents_of_repairs(connection: Connection, repair_ids: Sequence[UUID]) -> list[Row]:
    rows = await connection.fetch(
        "SELECT ri.repair_id, i.* FROM repair_incidents ri"
        " JOIN incidents i USING (incident_id)"
        " WHERE ri.repair_id = ANY($1::uuid[]) ORDER BY i.reported_at",
        repair_ids,
    )
    return [dict(row) for row in rows]


async def relationships_of_repairs(connection: Connection, repair_ids: Sequence[UUID]) -> list[Row]:
    rows = await connection.fetch(
        "SELECT repair_id, department_a, department_b FROM repair_relationships"
        " WHERE repair_id = ANY($1::uuid[]) ORDER BY department_a, department_b",
        repair_ids,
    )
    return [dict(row) for row in rows]
