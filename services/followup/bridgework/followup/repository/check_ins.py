"""Check-ins asked of the affected: asked once, answered once, withdrawn when a repair closes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from bridgework.common.contracts.sealed import Sealed
from bridgework.common.postgres import Connection
from bridgework.followup.domain.check_ins import AskedCheckIn, CheckIn
from bridgework.followup.repository.rows import person


async def add_check_ins(connection: Connection, asked: Sequence[AskedCheckIn]) -> None:
    """Store check-ins just asked (a timer's check-in already there is left as it is)."""
    if asked:
        await connection.executemany(
            "INSERT INTO check_ins (check_in_id, repair_id, person_id, department, asked_at,"
            " expires_at, timer_id) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            [
                (
                    a.check_in_id,
                    a.repair_id,
                    a.person.person_id,
                    a.person.department,
                    a.asked_at,
                    a.expires_at,
                    a.timer_id,
                )
                for a in asked
            ],
        )


async def withdraw_check_ins(connection: Connection, repair_ids: Sequence[UUID]) -> None:
    """Withdraw the unanswered check-ins of repairs that closed."""
    if repair_ids:
        await connection.execute(
            "UPDATE check_ins SET status = 'withdrawn'"
            " WHERE status = 'asked' AND repair_id = ANY($1::uuid[])",
            list(repair_ids),
        )


async def get_check_in(connection: Connection, check_in_id: UUID) -> CheckIn | None:
    """A check-in and where it stands; None if there is none."""
    row = await connection.fetchrow(
        "SELECT repair_id, person_id, department, status, expires_at FROM check_ins"
        " WHERE check_in_id = $1",
        check_in_id,
    )
    if row is None:
        return None
    return CheckIn(
        check_in_id=check_in_id,
        repair_id=row["repair_id"],
        person=person(row["person_id"], row["department"]),
        status=row["status"],
        expires_at=row["expires_at"],
    )


async def check_in_expiries(
    connection: Connection, check_in_ids: Sequence[UUID]
) -> dict[UUID, datetime]:
    """When each still-asked check-in's link expires (answered or withdrawn ones: absent)."""
    rows = await connection.fetch(
        "SELECT check_in_id, expires_at FROM check_ins"
        " WHERE check_in_id = ANY($1::uuid[]) AND status = 'asked'",
        list(check_in_ids),
    )
    return {row["check_in_id"]: row["expires_at"] for row in rows}


async def answer_check_in(
    connection: Connection,
    check_in_id: UUID,
    *,
    outcome: str,
    comment: Sealed | None,
    answered_at: datetime,
) -> bool:
    """Record the answer if the check-in is still asked; False if it was not."""
    answered = await connection.fetchval(
        "UPDATE check_ins SET status = 'answered', outcome = $2, comment = $3, answered_at = $4"
        " WHERE check_in_id = $1 AND status = 'asked' RETURNING true",
        check_in_id,
        outcome,
        comment.model_dump(mode="json") if comment else None,
        answered_at,
    )
    return bool(answered)
