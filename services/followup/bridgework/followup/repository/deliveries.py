"""Deliveries: leased to one worker at a time, their outcomes recorded on the wall clock."""

from __future__ import annotations

from collections.abc import Sequence

from bridgework.common.postgres import Connection
from bridgework.followup.domain.deliveries import DeliveryJob, DeliveryOutcome
from bridgework.followup.repository.rows import person


async def claim_deliveries(
    connection: Connection, *, limit: int, lease_seconds: float
) -> list[DeliveryJob]:
    """Lease due deliveries to this worker (wall clock): another replica skips them until the
    lease ends, which only matters if this one dies mid-send."""
    rows = await connection.fetch(
        "UPDATE deliveries d SET leased_until = clock_timestamp() + make_interval(secs => $2),"
        " attempts = d.attempts + 1"
        " FROM nudges n"
        " WHERE n.nudge_id = d.nudge_id AND d.id IN ("
        "   SELECT id FROM deliveries WHERE status = 'pending'"
        "   AND next_attempt_at <= clock_timestamp()"
        "   AND (leased_until IS NULL OR leased_until < clock_timestamp())"
        "   ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)"
        " RETURNING d.id, d.channel, d.attempts, n.nudge_id, n.kind, n.repair_id,"
        " n.commitment_id, n.recipient_id, n.recipient_department, n.about_person_id,"
        " n.check_in_id, n.terms_version",
        limit,
        lease_seconds,
    )
    return [
        DeliveryJob(
            id=row["id"],
            channel=row["channel"],
            attempts=row["attempts"],
            nudge_id=row["nudge_id"],
            kind=row["kind"],
            repair_id=row["repair_id"],
            commitment_id=row["commitment_id"],
            recipient=person(row["recipient_id"], row["recipient_department"]),
            about_person_id=row["about_person_id"],
            check_in_id=row["check_in_id"],
            terms_version=row["terms_version"],
        )
        for row in rows
    ]


async def record_deliveries(
    connection: Connection,
    outcomes: Sequence[DeliveryOutcome],
) -> None:
    """Record each attempt's outcome: sent, failed, cancelled, or pending again."""
    if outcomes:
        await connection.execute(
            "UPDATE deliveries d SET status = o.status, last_error = o.error,"
            " leased_until = NULL,"
            " delivered_at = CASE WHEN o.status = 'sent' THEN clock_timestamp() END,"
            " next_attempt_at = CASE WHEN o.retry_in IS NULL THEN d.next_attempt_at"
            "   ELSE clock_timestamp() + make_interval(secs => o.retry_in) END"
            " FROM unnest($1::bigint[], $2::text[], $3::text[], $4::float8[])"
            "   AS o(id, status, error, retry_in) WHERE d.id = o.id",
            [o.id for o in outcomes],
            [o.status for o in outcomes],
            [o.error for o in outcomes],
            [o.retry_in for o in outcomes],
        )


async def count_due_deliveries(connection: Connection) -> int:
    """How many deliveries wait to be sent now (wall clock), leased ones included; those
    waiting to retry later are not counted."""
    count: int = await connection.fetchval(
        "SELECT count(*) FROM deliveries WHERE status = 'pending'"
        " AND next_attempt_at <= clock_timestamp()"
    )
    return count
