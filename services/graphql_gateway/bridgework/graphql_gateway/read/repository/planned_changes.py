"""Planned changes as the read side sees them: the change with its go-live, response mode and
each affected department's engagement, and the incidents linked to changes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from asyncpg import Record

from bridgework.common.postgres import Connection
from bridgework.graphql_gateway.read.domain.planned_changes import (
    ChangeRecord,
    EngagementRow,
    LinkedIncident,
    standings,
)

_CHANGES = """
    SELECT c.change_id, c.title, c.kind, c.department, c.owner_department,
           c.affected_departments, c.planned_go_live, c.recorded_at, g.went_live_at,
           m.response_mode, p.version AS current_version,
           COALESCE((SELECT jsonb_agg(jsonb_build_object(
                        'department', e.department, 'engaged', e.engaged_at IS NOT NULL,
                        'decision', e.decision, 'decision_version', e.decision_version))
                     FROM planned_change_engagements e WHERE e.change_id = c.change_id),
                    '[]'::jsonb)::text AS engagements,
           COALESCE((SELECT jsonb_object_agg(k.department, k.outcome)
                     FROM planned_change_check_ins k WHERE k.change_id = c.change_id),
                    '{}'::jsonb)::text AS check_ins
    FROM planned_changes c
    LEFT JOIN planned_change_go_lives g ON g.change_id = c.change_id
    LEFT JOIN planned_change_modes m ON m.change_id = c.change_id
    LEFT JOIN planned_change_proposals p ON p.change_id = c.change_id
"""

# The change an incident names: by id, or (naming no id) by its tool item, and by the
# recording department when the incident names one.
_LINKED = """
    SELECT c.change_id, i.incident_id, i.occurred_at
    FROM change_incidents i
    JOIN planned_changes c ON (i.change_id = c.change_id) OR (
        i.change_id IS NULL AND i.ref_tool = c.source_tool AND i.ref_reference = c.source_reference
        AND (i.ref_department IS NULL OR i.ref_department = c.department))
    WHERE c.change_id = ANY($1::uuid[])
    ORDER BY i.incident_id, c.change_id
"""


def _change(row: Record) -> ChangeRecord:
    engagement_rows = [
        EngagementRow(
            department=e["department"],
            engaged=e["engaged"],
            decision=e["decision"],
            decision_version=e["decision_version"],
        )
        for e in json.loads(row["engagements"])
    ]
    affected = tuple(row["affected_departments"])
    return ChangeRecord(
        change_id=row["change_id"],
        title=row["title"],
        kind=row["kind"],
        department=row["department"],
        owner_department=row["owner_department"],
        affected_departments=affected,
        planned_go_live=row["planned_go_live"],
        recorded_at=row["recorded_at"],
        went_live_at=row["went_live_at"],
        response_mode=row["response_mode"],
        engagements=standings(
            affected, engagement_rows, row["current_version"], json.loads(row["check_ins"])
        ),
    )


async def change(connection: Connection, change_id: UUID) -> ChangeRecord | None:
    row = await connection.fetchrow(_CHANGES + " WHERE c.change_id = $1", change_id)
    return None if row is None else _change(row)


async def changes_by_id(connection: Connection, change_ids: Sequence[UUID]) -> list[ChangeRecord]:
    rows = await connection.fetch(
        _CHANGES + " WHERE c.change_id = ANY($1::uuid[]) ORDER BY c.change_id", list(change_ids)
    )
    return [_change(row) for row in rows]


async def changes_concerning(connection: Connection, department: str | None) -> list[ChangeRecord]:
    """Every change (department None), or those a department owns or is affected by."""
    params: list[Any] = []
    where = ""
    if department is not None:
        params.append(department)
        where = " WHERE c.owner_department = $1 OR $1 = ANY(c.affected_departments)"
    rows = await connection.fetch(
        _CHANGES + where + " ORDER BY c.planned_go_live, c.change_id", *params
    )
    return [_change(row) for row in rows]


async def linked_incidents(
    connection: Connection, change_ids: Sequence[UUID]
) -> list[LinkedIncident]:
    rows = await connection.fetch(_LINKED, list(change_ids))
    return [
        LinkedIncident(
            change_id=row["change_id"],
            incident_id=row["incident_id"],
            occurred_at=row["occurred_at"],
        )
        for row in rows
    ]
