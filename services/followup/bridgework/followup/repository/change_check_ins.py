"""Change check-ins: asked once per (change, department, lead), answered once per department."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import Enum
from uuid import UUID

import asyncpg

from bridgework.common.contracts.sealed import Sealed
from bridgework.common.postgres import Connection
from bridgework.followup.domain.change_check_ins import ChangeCheckIn, ChangeCheckInAsk
from bridgework.followup.domain.change_nudges import TrackedChange
from bridgework.followup.repository.rows import person


class Answered(Enum):
    RECORDED = "recorded"
    NOT_ASKED = "not_asked"  # answered already (this lead's own check-in)
    DEPARTMENT_ANSWERED = "department_answered"  # another lead of the department was first


async def changes_to_check_in(
    connection: Connection, *, now: datetime, delay: timedelta, ttl: timedelta
) -> list[TrackedChange]:
    """Live changes whose check-in window [go-live + delay, + ttl) holds `now`."""
    rows = await connection.fetch(
        "SELECT change_id, title, owner_department, affected_departments, planned_go_live,"
        " went_live_at FROM tracked_changes"
        " WHERE went_live_at <= $1::timestamptz - $2::interval"
        " AND went_live_at > $1::timestamptz - $2::interval - $3::interval"
        " ORDER BY went_live_at, change_id",
        now,
        delay,
        ttl,
    )
    return [
        TrackedChange(
            change_id=r["change_id"], title=r["title"], owner_department=r["owner_department"],
            affected_departments=tuple(r["affected_departments"]),
            planned_go_live=r["planned_go_live"], went_live_at=r["went_live_at"],
        )
        for r in rows
    ]  # fmt: skip


async def asked_and_answered(
    connection: Connection, change_ids: Iterable[UUID]
) -> tuple[set[tuple[UUID, str, str]], set[tuple[UUID, str]]]:
    """(change, department, lead) already asked; (change, department) already answered."""
    rows = await connection.fetch(
        "SELECT change_id, department, person_id, status FROM change_check_ins"
        " WHERE change_id = ANY($1::uuid[])",
        list(change_ids),
    )
    asked = {(r["change_id"], r["department"], r["person_id"]) for r in rows}
    answered = {(r["change_id"], r["department"]) for r in rows if r["status"] == "answered"}
    return asked, answered


async def record_asks(
    connection: Connection, asks: Sequence[ChangeCheckInAsk]
) -> list[ChangeCheckInAsk]:
    """Store the check-ins; return those this call stored (another replica's are left out,
    so each link goes out once). Few a day: one statement each."""
    recorded = []
    for ask in asks:
        inserted = await connection.fetchval(
            "INSERT INTO change_check_ins (check_in_id, change_id, department, person_id,"
            " asked_at, expires_at, channels) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT DO NOTHING RETURNING true",
            ask.check_in_id, ask.change.change_id, ask.department, ask.recipient.person_id,
            ask.asked_at, ask.expires_at, list(ask.channels),
        )  # fmt: skip
        if inserted:
            recorded.append(ask)
    return recorded


async def get_change_check_in(connection: Connection, check_in_id: UUID) -> ChangeCheckIn | None:
    row = await connection.fetchrow(
        "SELECT change_id, department, person_id, status, expires_at FROM change_check_ins"
        " WHERE check_in_id = $1",
        check_in_id,
    )
    if row is None:
        return None
    return ChangeCheckIn(
        check_in_id=check_in_id,
        change_id=row["change_id"],
        department=row["department"],
        person=person(row["person_id"], row["department"]),
        status=row["status"],
        expires_at=row["expires_at"],
    )


async def answer_change_check_in(
    connection: Connection,
    check_in: ChangeCheckIn,
    *,
    outcome: str,
    comment: Sealed | None,
    answered_at: datetime,
) -> Answered:
    """Record the department's answer through this lead's check-in, if nobody answered yet."""
    try:
        done = await connection.fetchval(
            "UPDATE change_check_ins SET status = 'answered', outcome = $2, comment = $3,"
            " answered_at = $4 WHERE check_in_id = $1 AND status = 'asked'"
            " AND NOT EXISTS (SELECT 1 FROM change_check_ins o WHERE o.change_id = $5"
            " AND o.department = $6 AND o.status = 'answered') RETURNING true",
            check_in.check_in_id, outcome,
            comment.model_dump(mode="json") if comment else None, answered_at,
            check_in.change_id, check_in.department,
        )  # fmt: skip
    except asyncpg.UniqueViolationError:
        # Two leads at once: the partial unique index lets the first commit win. The caller's
        # transaction is aborted now; it must raise (use_cases/change_check_ins.py does).
        return Answered.DEPARTMENT_ANSWERED
    if done:
        return Answered.RECORDED
    mine = await get_change_check_in(connection, check_in.check_in_id)
    if mine is not None and mine.status == "answered":
        return Answered.NOT_ASKED
    return Answered.DEPARTMENT_ANSWERED
