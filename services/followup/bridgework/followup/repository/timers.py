"""Durable timers: scheduled once by key, claimed by one replica, settled in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from bridgework.common.postgres import Connection
from bridgework.followup.domain.nudges import SettledTimer
from bridgework.followup.domain.schedule import (
    Cancellation,
    ScheduledTimer,
    StoredTimer,
    Timer,
    TimerKind,
)
from bridgework.followup.repository.rows import person


async def cancel_timers(
    connection: Connection, cancellations: Sequence[Cancellation], *, now: datetime
) -> None:
    """Cancel the pending timers each cancellation names, in one statement."""
    if not cancellations:
        return
    await connection.execute(
        "UPDATE timers t SET status = 'cancelled', outcome = c.reason, settled_at = $5"
        " FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[])"
        "   AS c(repair_id, commitment_id, keep_version, reason)"
        " WHERE t.status = 'pending' AND t.repair_id = c.repair_id"
        "   AND (c.commitment_id IS NULL OR (t.commitment_id = c.commitment_id"
        "        AND (c.keep_version IS NULL OR t.terms_version IS DISTINCT FROM c.keep_version)))",
        [c.repair_id for c in cancellations],
        [c.commitment_id for c in cancellations],
        [c.keep_terms_version for c in cancellations],
        [c.reason for c in cancellations],
        now,
    )


async def schedule(connection: Connection, timers: Iterable[Timer], *, now: datetime) -> None:
    """Add timers; one whose key exists already (replay, another replica) is left as it is."""
    timers = list(timers)
    if not timers:
        return
    await connection.execute(
        "INSERT INTO timers (key, kind, repair_id, commitment_id, terms_version,"
        " recipient_id, recipient_department, sequence, fire_at, created_at)"
        " SELECT t.key, t.kind, t.repair_id, t.commitment_id, t.terms_version, t.recipient_id,"
        " t.recipient_department, t.sequence, t.fire_at, $10"
        " FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::int[],"
        "   $6::text[], $7::text[], $8::int[], $9::timestamptz[]) WITH ORDINALITY"
        "   AS t(key, kind, repair_id, commitment_id, terms_version, recipient_id,"
        "   recipient_department, sequence, fire_at, ord)"
        # Ids follow the order given (as with one row per statement): equal due times fire
        # in the order they were planned.
        " ORDER BY t.ord"
        " ON CONFLICT (key) DO NOTHING",
        [t.key for t in timers],
        [t.kind.value for t in timers],
        [t.repair_id for t in timers],
        [t.commitment_id for t in timers],
        [t.terms_version for t in timers],
        [t.recipient.person_id for t in timers],
        [t.recipient.department for t in timers],
        [t.sequence for t in timers],
        [t.fire_at for t in timers],
        now,
    )


_TIMER_COLUMNS = (
    "id, kind, repair_id, commitment_id, terms_version, recipient_id, recipient_department,"
    " sequence, fire_at"
)


def _timer(row: asyncpg.Record) -> StoredTimer:
    return StoredTimer(
        id=row["id"],
        timer=Timer(
            kind=TimerKind(row["kind"]),
            repair_id=row["repair_id"],
            recipient=person(row["recipient_id"], row["recipient_department"]),
            fire_at=row["fire_at"],
            commitment_id=row["commitment_id"],
            terms_version=row["terms_version"],
            sequence=row["sequence"],
        ),
    )


async def any_due_timer(connection: Connection, *, now: datetime) -> bool:
    """Whether some pending timer is due (a look, no lock: `claim_due_timers` decides)."""
    due: bool = await connection.fetchval(
        "SELECT EXISTS (SELECT FROM timers WHERE status = 'pending' AND fire_at <= $1)", now
    )
    return due


async def count_due_timers(connection: Connection, *, now: datetime) -> int:
    """How many pending timers are due at `now` (postponed ones wait for a later window)."""
    count: int = await connection.fetchval(
        "SELECT count(*) FROM timers WHERE status = 'pending' AND fire_at <= $1", now
    )
    return count


async def claim_due_timers(
    connection: Connection, *, now: datetime, limit: int
) -> list[StoredTimer]:
    """Lock up to `limit` due timers that no other replica holds, oldest first.

    Call inside the transaction that settles them: the row locks keep other replicas off
    until it commits, and by then the timers are no longer pending.
    """
    rows = await connection.fetch(
        f"SELECT {_TIMER_COLUMNS} FROM timers WHERE status = 'pending' AND fire_at <= $1"
        " ORDER BY fire_at, id LIMIT $2 FOR UPDATE SKIP LOCKED",
        now,
        limit,
    )
    return [_timer(row) for row in rows]


async def settle_timers(
    connection: Connection, settled: Sequence[SettledTimer], *, now: datetime
) -> None:
    """Mark timers fired or skipped, and why."""
    if settled:
        await connection.execute(
            "UPDATE timers t SET status = s.status, outcome = s.outcome, settled_at = $4"
            " FROM unnest($1::bigint[], $2::text[], $3::text[]) AS s(id, status, outcome)"
            " WHERE t.id = s.id",
            [s.id for s in settled],
            [s.status for s in settled],
            [s.outcome for s in settled],
            now,
        )


async def postpone_timers(connection: Connection, moved: Sequence[tuple[int, datetime]]) -> None:
    """Move timers (id, new fire_at) to the start of their recipient's next sending window."""
    if moved:
        await connection.execute(
            "UPDATE timers t SET fire_at = m.fire_at"
            " FROM unnest($1::bigint[], $2::timestamptz[]) AS m(id, fire_at) WHERE t.id = m.id",
            [m[0] for m in moved],
            [m[1] for m in moved],
        )


async def timers_of_repair(connection: Connection, repair_id: UUID) -> list[ScheduledTimer]:
    """Every timer of a repair, pending or settled, in the order they fall due."""
    rows = await connection.fetch(
        f"SELECT {_TIMER_COLUMNS}, status, outcome FROM timers"
        " WHERE repair_id = $1 ORDER BY fire_at, id",
        repair_id,
    )
    return [ScheduledTimer(_timer(row).timer, row["status"], row["outcome"]) for row in rows]
