"""Nudges that went out, each with a pending delivery per e-mail and webhook channel."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from bridgework.common.postgres import Connection
from bridgework.followup.domain.deliveries import DeliveryRecord, NudgeRecord
from bridgework.followup.domain.nudges import NewNudge
from bridgework.followup.repository.rows import person


async def add_nudges(connection: Connection, nudges: Sequence[NewNudge]) -> None:
    """Store nudges and a pending delivery for each of their e-mail and webhook channels."""
    if not nudges:
        return
    await connection.executemany(
        "INSERT INTO nudges (nudge_id, timer_id, kind, repair_id, commitment_id, terms_version,"
        " recipient_id, recipient_department, about_person_id, channels, check_in_id, sent_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        [
            (
                n.nudge_id,
                n.timer_id,
                n.kind,
                n.repair_id,
                n.commitment_id,
                n.terms_version,
                n.recipient.person_id,
                n.recipient.department,
                n.about.person_id if n.about else None,
                list(n.channels),
                n.check_in_id,
                n.sent_at,
            )
            for n in nudges
        ],
    )
    deliveries = [
        (n.nudge_id, channel)
        for n in nudges
        for channel in n.channels
        if channel in ("email", "webhook")
    ]
    if deliveries:
        await connection.execute(
            "INSERT INTO deliveries (nudge_id, channel)"
            " SELECT * FROM unnest($1::uuid[], $2::text[])",
            [d[0] for d in deliveries],
            [d[1] for d in deliveries],
        )


async def nudges_of_repair(connection: Connection, repair_id: UUID) -> list[NudgeRecord]:
    """The nudges sent about a repair, oldest first, each with its deliveries by channel."""
    rows = await connection.fetch(
        "SELECT n.nudge_id, n.kind, n.commitment_id, n.terms_version, n.recipient_id,"
        " n.recipient_department, n.channels, n.sent_at,"
        " coalesce(json_agg(json_build_object('channel', d.channel, 'status', d.status,"
        "   'attempts', d.attempts, 'last_error', d.last_error,"
        "   'delivered_at', d.delivered_at) ORDER BY d.channel)"
        "   FILTER (WHERE d.id IS NOT NULL), '[]') AS deliveries"
        " FROM nudges n LEFT JOIN deliveries d ON d.nudge_id = n.nudge_id"
        " WHERE n.repair_id = $1 GROUP BY n.nudge_id ORDER BY n.sent_at, n.nudge_id",
        repair_id,
    )
    return [
        NudgeRecord(
            nudge_id=row["nudge_id"],
            kind=row["kind"],
            commitment_id=row["commitment_id"],
            terms_version=row["terms_version"],
            recipient=person(row["recipient_id"], row["recipient_department"]),
            channels=tuple(row["channels"]),
            sent_at=row["sent_at"],
            deliveries=tuple(_delivery(d) for d in row["deliveries"]),
        )
        for row in rows
    ]


def _delivery(built: dict[str, Any]) -> DeliveryRecord:
    delivered_at = built["delivered_at"]
    return DeliveryRecord(
        channel=built["channel"],
        status=built["status"],
        attempts=built["attempts"],
        last_error=built["last_error"],
        delivered_at=datetime.fromisoformat(delivered_at) if delivered_at else None,
    )
