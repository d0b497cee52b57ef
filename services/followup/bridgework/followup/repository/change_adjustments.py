"""Adjustments agreed for planned changes, which were kept, and the reminders sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from bridgework.common.postgres import Connection
from bridgework.followup.domain.change_adjustments import AdjustmentReminder, AgreedAdjustment
from bridgework.followup.domain.change_nudges import TrackedChange


async def save_agreed(
    connection: Connection, agreed: Sequence[tuple[UUID, int, AgreedAdjustment]]
) -> None:
    """(change, agreed version, adjustment); a replay stores nothing twice."""
    await connection.executemany(
        "INSERT INTO change_adjustments (change_id, commitment_id, version, terms_version, kind,"
        " owner_department, owed_to, due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT DO NOTHING",
        [
            (change_id, a.commitment_id, version, a.terms_version, a.kind, a.owner_department,
             list(a.owed_to), a.due_at)
            for change_id, version, a in agreed
        ],
    )  # fmt: skip


async def save_kept(
    connection: Connection, kept: Sequence[tuple[UUID, UUID, int, datetime]]
) -> None:
    """(change, commitment, terms version, when kept)."""
    await connection.executemany(
        "INSERT INTO change_adjustments_kept (change_id, commitment_id, terms_version, kept_at)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        list(kept),
    )


async def open_adjustments(
    connection: Connection, changes: Sequence[TrackedChange]
) -> dict[UUID, list[AgreedAdjustment]]:
    """Per change, the adjustments of its latest agreed version not kept (at their terms)."""
    rows = await connection.fetch(
        "SELECT a.change_id, a.commitment_id, a.terms_version, a.kind, a.owner_department,"
        " a.owed_to, a.due_at FROM change_adjustments a"
        " WHERE a.change_id = ANY($1::uuid[]) AND a.version = (SELECT max(l.version)"
        " FROM change_adjustments l WHERE l.change_id = a.change_id)"
        " AND NOT EXISTS (SELECT 1 FROM change_adjustments_kept k WHERE k.change_id = a.change_id"
        " AND k.commitment_id = a.commitment_id AND k.terms_version >= a.terms_version)"
        " ORDER BY a.due_at, a.commitment_id",
        [c.change_id for c in changes],
    )
    found: dict[UUID, list[AgreedAdjustment]] = {}
    for r in rows:
        found.setdefault(r["change_id"], []).append(
            AgreedAdjustment(
                commitment_id=r["commitment_id"], terms_version=r["terms_version"],
                kind=r["kind"], owner_department=r["owner_department"],
                owed_to=tuple(r["owed_to"]), due_at=r["due_at"],
            )
        )  # fmt: skip
    return found


async def sent(
    connection: Connection, commitment_ids: Sequence[UUID]
) -> set[tuple[UUID, int, str]]:
    rows = await connection.fetch(
        "SELECT commitment_id, terms_version, recipient_id FROM change_adjustment_reminders"
        " WHERE commitment_id = ANY($1::uuid[])",
        list(commitment_ids),
    )
    return {(r["commitment_id"], r["terms_version"], r["recipient_id"]) for r in rows}


async def record_reminders(
    connection: Connection, reminders: Sequence[AdjustmentReminder], *, now: datetime
) -> list[AdjustmentReminder]:
    """Record the reminders; return those this call recorded (each goes out once)."""
    recorded = []
    for reminder in reminders:
        commitment_id, terms_version, recipient_id = reminder.key
        inserted = await connection.fetchval(
            "INSERT INTO change_adjustment_reminders (commitment_id, terms_version, recipient_id,"
            " change_id, sent_at, channels) VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT DO NOTHING RETURNING true",
            commitment_id, terms_version, recipient_id, reminder.change.change_id, now,
            list(reminder.channels),
        )  # fmt: skip
        if inserted:
            recorded.append(reminder)
    return recorded
