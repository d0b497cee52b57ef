"""Follow-up's SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from bridgework.common.postgres import Connection
from bridgework.followup.domain import TrackedRepair


async def insert_tracked(
    connection: Connection, repairs: Sequence[TrackedRepair], *, tracked_at: datetime
) -> None:
    await connection.executemany(
        "INSERT INTO tracked_repairs (repair_id, opened_at, departments, tracked_at)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (repair_id) DO NOTHING",
        [(r.repair_id, r.opened_at, list(r.departments), tracked_at) for r in repairs],
    )


async def get_tracked(connection: Connection, repair_id: UUID) -> TrackedRepair | None:
    row = await connection.fetchrow(
        "SELECT repair_id, opened_at, departments FROM tracked_repairs WHERE repair_id = $1",
        repair_id,
    )
    if row is None:
        return None
    return TrackedRepair(
        repair_id=row["repair_id"],
        opened_at=row["opened_at"],
        departments=tuple(row["departments"]),
    )
