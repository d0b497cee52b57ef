"""Who takes part in planned changes' engagements, as the read side asks: one person's parts,
and whether one person takes part in one change."""

from __future__ import annotations

from uuid import UUID

from bridgework.common.postgres import Connection
from bridgework.graphql_gateway.read.domain.my_changes import Participation


async def participations_of(connection: Connection, person_id: str) -> list[Participation]:
    rows = await connection.fetch(
        "SELECT change_id, department, role, joined_at FROM change_participants"
        " WHERE person_id = $1 ORDER BY change_id, department, role",
        person_id,
    )
    return [
        Participation(
            change_id=row["change_id"],
            department=row["department"],
            role=row["role"],
            joined_at=row["joined_at"],
        )
        for row in rows
    ]


async def takes_part(connection: Connection, change_id: UUID, person_id: str) -> bool:
    found = await connection.fetchval(
        "SELECT 1 FROM change_participants WHERE change_id = $1 AND person_id = $2 LIMIT 1",
        change_id,
        person_id,
    )
    return found is not None
