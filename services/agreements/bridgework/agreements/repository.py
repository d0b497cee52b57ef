"""Agreements' SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from bridgework.agreements.domain import Repair
from bridgework.common.contracts import IncidentReportedV1
from bridgework.common.postgres import Connection


async def insert_new_incidents(
    connection: Connection, incidents: Sequence[IncidentReportedV1]
) -> set[UUID]:
    """Store incidents not known yet; return the ids that were new."""
    if not incidents:
        return set()
    rows = await connection.fetch(
        "INSERT INTO incidents"
        " (incident_id, department, category, severity, occurred_at, reported_at, body)"
        " SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[],"
        "                      $5::timestamptz[], $6::timestamptz[], $7::jsonb[])"
        " ON CONFLICT (incident_id) DO NOTHING RETURNING incident_id",
        [i.incident_id for i in incidents],
        [i.department for i in incidents],
        [i.category.value for i in incidents],
        [i.severity.value for i in incidents],
        [i.occurred_at for i in incidents],
        [i.reported_at for i in incidents],
        [i.model_dump(mode="json") for i in incidents],
    )
    return {row["incident_id"] for row in rows}


async def insert_repairs(connection: Connection, repairs: Sequence[Repair]) -> None:
    """Store newly opened repairs with their incidents and relationships."""
    await connection.executemany(
        "INSERT INTO repairs (repair_id, status, opened_at, departments) VALUES ($1, $2, $3, $4)",
        [(r.repair_id, r.status.value, r.opened_at, list(r.departments)) for r in repairs],
    )
    await connection.executemany(
        "INSERT INTO repair_incidents (repair_id, incident_id) VALUES ($1, $2)",
        [(r.repair_id, incident_id) for r in repairs for incident_id in r.incident_ids],
    )
    await connection.executemany(
        "INSERT INTO repair_relationships (repair_id, department_a, department_b)"
        " VALUES ($1, $2, $3)",
        [
            (r.repair_id, pair.department_a, pair.department_b)
            for r in repairs
            for pair in r.relationships
        ],
    )


@dataclass(frozen=True)
class RepairView:
    repair_id: UUID
    status: str
    opened_at: datetime
    departments: list[str]
    incident_ids: list[UUID]


_REPAIR_VIEW = (
    "SELECT r.repair_id, r.status, r.opened_at, r.departments,"
    " array_agg(ri.incident_id ORDER BY ri.incident_id) AS incident_ids"
    " FROM repairs r JOIN repair_incidents ri USING (repair_id)"
)


async def get_repair(connection: Connection, repair_id: UUID) -> RepairView | None:
    row = await connection.fetchrow(
        _REPAIR_VIEW + " WHERE r.repair_id = $1 GROUP BY r.repair_id", repair_id
    )
    return RepairView(**dict(row)) if row else None


async def find_repair_of_incident(connection: Connection, incident_id: UUID) -> UUID | None:
    found: UUID | None = await connection.fetchval(
        "SELECT repair_id FROM repair_incidents WHERE incident_id = $1", incident_id
    )
    return found


async def list_repairs(
    connection: Connection, *, limit: int, before: datetime | None
) -> list[RepairView]:
    """Newest first; `before` pages through older ones."""
    rows = await connection.fetch(
        _REPAIR_VIEW + " WHERE ($2::timestamptz IS NULL OR r.opened_at < $2)"
        " GROUP BY r.repair_id ORDER BY r.opened_at DESC LIMIT $1",
        limit,
        before,
    )
    return [RepairView(**dict(row)) for row in rows]
