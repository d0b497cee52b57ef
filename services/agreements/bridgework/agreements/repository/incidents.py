"""Agreements' copies of incidents (newest revision kept), and which repair each belongs to."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from bridgework.common.contracts import IncidentFacts, IncidentUpdatedV1
from bridgework.common.postgres import Connection


async def insert_new_incidents(
    connection: Connection, incidents: Sequence[IncidentFacts]
) -> set[UUID]:
    """Store incidents not known yet; return the ids that were new."""
    if not incidents:
        return set()
    # Bodies travel as JSON text (pydantic writes it in one step; Postgres makes it jsonb);
    # enum members are str, so they travel as they are.
    rows = await connection.fetch(
        "INSERT INTO incidents"
        " (incident_id, department, category, severity, occurred_at, reported_at, body, revision)"
        " SELECT u.incident_id, u.department, u.category, u.severity, u.occurred_at,"
        "        u.reported_at, u.body::jsonb, u.revision"
        " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[],"
        "             $6::timestamptz[], $7::text[], $8::int[])"
        "   AS u(incident_id, department, category, severity, occurred_at, reported_at, body,"
        "        revision)"
        " ON CONFLICT (incident_id) DO NOTHING RETURNING incident_id",
        [i.incident_id for i in incidents],
        [i.department for i in incidents],
        [i.category for i in incidents],
        [i.severity for i in incidents],
        [i.occurred_at for i in incidents],
        [i.reported_at for i in incidents],
        [i.model_dump_json() for i in incidents],
        [_revision(i) for i in incidents],
    )
    return {row["incident_id"] for row in rows}


def _revision(incident: IncidentFacts) -> int:
    return incident.revision if isinstance(incident, IncidentUpdatedV1) else 1


async def refresh_incidents(connection: Connection, updates: Sequence[IncidentUpdatedV1]) -> int:
    """Replace the copies of updated incidents with their newer revision; older news is ignored."""
    newest: dict[UUID, IncidentUpdatedV1] = {}
    for update in updates:
        known = newest.get(update.incident_id)
        if known is None or update.revision > known.revision:
            newest[update.incident_id] = update
    if not newest:
        return 0
    latest = list(newest.values())
    result: str = await connection.execute(
        "UPDATE incidents i SET department = u.department, category = u.category,"
        " severity = u.severity, occurred_at = u.occurred_at, body = u.body::jsonb,"
        " revision = u.revision"
        " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[],"
        "             $6::text[], $7::int[])"
        "   AS u(incident_id, department, category, severity, occurred_at, body, revision)"
        " WHERE i.incident_id = u.incident_id AND i.revision < u.revision",
        [u.incident_id for u in latest],
        [u.department for u in latest],
        [u.category.value for u in latest],
        [u.severity.value for u in latest],
        [u.occurred_at for u in latest],
        [u.model_dump_json() for u in latest],
        [u.revision for u in latest],
    )
    return int(result.split()[-1])


async def incidents_of(connection: Connection, repair_id: UUID) -> list[IncidentFacts]:
    """The stored facts (latest revision) of a repair's incidents, oldest first."""
    rows = await connection.fetch(
        "SELECT i.body FROM repair_incidents ri JOIN incidents i USING (incident_id)"
        " WHERE ri.repair_id = $1 ORDER BY i.reported_at, i.incident_id",
        repair_id,
    )
    return [IncidentFacts.model_validate(dict(row["body"])) for row in rows]


async def find_repair_of_incident(connection: Connection, incident_id: UUID) -> UUID | None:
    """The id of the repair an incident belongs to, None if it was never heard of."""
    found: UUID | None = await connection.fetchval(
        "SELECT repair_id FROM repair_incidents WHERE incident_id = $1", incident_id
    )
    return found


async def move_incident(connection: Connection, incident_id: UUID, *, to_repair: UUID) -> None:
    """An incident now belongs to another repair (it was linked there)."""
    await connection.execute(
        "UPDATE repair_incidents SET repair_id = $2 WHERE incident_id = $1", incident_id, to_repair
    )
