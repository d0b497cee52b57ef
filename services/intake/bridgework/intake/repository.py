"""Intake's SQL."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from bridgework.common.contracts import IncidentReportedV1
from bridgework.common.postgres import Connection


async def insert_incident(
    connection: Connection, *, incident: IncidentReportedV1, received_at: datetime
) -> UUID | None:
    """Store a new incident; return None when its source reference was seen before."""
    inserted: UUID | None = await connection.fetchval(
        "INSERT INTO incidents (incident_id, department, source_tool, source_ref, body, received_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (department, source_tool, source_ref) DO NOTHING RETURNING incident_id",
        incident.incident_id,
        incident.department,
        incident.source.tool,
        incident.source.reference,
        incident.model_dump(mode="json"),
        received_at,
    )
    return inserted


async def find_by_source(
    connection: Connection, *, department: str, tool: str, reference: str
) -> UUID | None:
    """The incident already recorded for this source reference, if any."""
    found: UUID | None = await connection.fetchval(
        "SELECT incident_id FROM incidents"
        " WHERE department = $1 AND source_tool = $2 AND source_ref = $3",
        department,
        tool,
        reference,
    )
    return found
