"""Follow-up's SQL, as SQL: rows in, values out. Batches use one statement per table."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from bridgework.common.contracts import ParticipantRole, PersonRef
from bridgework.common.postgres import Connection
from bridgework.followup.domain import (
    Cancellation,
    Commitment,
    CommitmentStatus,
    Participant,
    Timer,
    TimerKind,
    TrackedRepair,
)

# --- tracked repairs, participants, commitments ---------------------------------------------


def _tracked(row: asyncpg.Record) -> TrackedRepair:
    return TrackedRepair(
        repair_id=row["repair_id"],
        opened_at=row["opened_at"],
        departments=tuple(row["departments"]),
        closed_at=row["closed_at"],
        check_ins_due_from=row["check_ins_due_from"],
    )


# People recur in batch after batch (owners, the affected, facilitators). PersonRef is frozen,
# so one validated instance per person serves every row that names them.
_PEOPLE: dict[tuple[str, str], PersonRef] = {}
_PEOPLE_KEPT = 100_000


def _person(person_id: str, department: str) -> PersonRef:
    key = (person_id, department)
    person = _PEOPLE.get(key)
    if person is None:
        if len(_PEOPLE) >= _PEOPLE_KEPT:
            _PEOPLE.clear()
        person = _PEOPLE[key] = PersonRef(person_id=person_id, department=department)
    return person


def _commitment(row: asyncpg.Record) -> Commitment:
    return Commitment(
        commitment_id=row["commitment_id"],
        repair_id=row["repair_id"],
        agreement_id=row["agreement_id"],
        terms_version=row["terms_version"],
        owner=_person(row["owner_id"], row["owner_department"]),
        owed_to=tuple(_person(p["person_id"], p["department"]) for p in row["owed_to"]),
        action=row["action"],
        due_at=row["due_at"],
        status=CommitmentStatus(row["status"]),
        lapse_count=row["lapse_count"],
    )


async def tracked_repairs(
    connection: Connection, repair_ids: Sequence[UUID]
) -> dict[UUID, TrackedRepair]:
    rows = await connection.fetch(
        "SELECT repair_id, opened_at, departments, closed_at, check_ins_due_from"
        " FROM tracked_repairs WHERE repair_id = ANY($1::uuid[])",
        list(repair_ids),
    )
    return {row["repair_id"]: _tracked(row) for row in rows}


async def get_tracked(connection: Connection, repair_id: UUID) -> TrackedRepair | None:
    return (await tracked_repairs(connection, [repair_id])).get(repair_id)


async def participants(
    connection: Connection, repair_ids: Sequence[UUID]
) -> dict[UUID, list[Participant]]:
    rows = await connection.fetch(
        "SELECT repair_id, person_id, department, role FROM participants"
        " WHERE repair_id = ANY($1::uuid[]) ORDER BY repair_id, person_id, role",
        list(repair_ids),
    )
    found: dict[UUID, list[Participant]] = {}
    for row in rows:
        found.setdefault(row["repair_id"], []).append(
            Participant(_person(row["person_id"], row["department"]), ParticipantRole(row["role"]))
        )
    return found


_COMMITMENT_COLUMNS = (
    "commitment_id, repair_id, agreement_id, terms_version, owner_id, owner_department,"
    " owed_to, action, due_at, status, lapse_count"
)


async def commitments_of_repairs(
    connection: Connection, repair_ids: Sequence[UUID]
) -> dict[UUID, list[Commitment]]:
    rows = await connection.fetch(
        f"SELECT {_COMMITMENT_COLUMNS} FROM commitments WHERE repair_id = ANY($1::uuid[])"
        " ORDER BY due_at, commitment_id",
        list(repair_ids),
    )
    found: dict[UUID, list[Commitment]] = {}
    for row in rows:
        found.setdefault(row["repair_id"], []).append(_commitment(row))
    return found


@dataclass(frozen=True)
class RepairState:
    """What follow-up knows of one repair: the tracked row (if any), participants, commitments."""

    tracked: TrackedRepair | None
    participants: list[Participant]
    commitments: list[Commitment]


async def repair_states(
    connection: Connection, repair_ids: Sequence[UUID]
) -> dict[UUID, RepairState]:
    """The state of the repairs follow-up knows anything of, in one round trip (repairs it
    knows nothing of are absent). Participants and commitments come in the order of
    `participants` and `commitments_of_repairs`."""
    rows = await connection.fetch(
        "SELECT r.repair_id, t.repair_id IS NOT NULL AS tracked, t.opened_at, t.departments,"
        " t.closed_at, t.check_ins_due_from, p.people, c.promises"
        " FROM unnest($1::uuid[]) AS r(repair_id)"
        " LEFT JOIN tracked_repairs t ON t.repair_id = r.repair_id"
        " LEFT JOIN LATERAL (SELECT array_agg((pp.person_id, pp.department, pp.role)"
        "   ORDER BY pp.person_id, pp.role) AS people"
        "   FROM participants pp WHERE pp.repair_id = r.repair_id) p ON true"
        " LEFT JOIN LATERAL (SELECT array_agg((cc.commitment_id, cc.agreement_id,"
        "   cc.terms_version, cc.owner_id, cc.owner_department, cc.owed_to::text, cc.action,"
        "   cc.due_at, cc.status, cc.lapse_count) ORDER BY cc.due_at, cc.commitment_id) AS promises"
        "   FROM commitments cc WHERE cc.repair_id = r.repair_id) c ON true"
        " WHERE t.repair_id IS NOT NULL OR p.people IS NOT NULL OR c.promises IS NOT NULL",
        list(repair_ids),
    )
    states: dict[UUID, RepairState] = {}
    for row in rows:
        repair_id = row["repair_id"]
        states[repair_id] = RepairState(
            tracked=TrackedRepair(
                repair_id=repair_id,
                opened_at=row["opened_at"],
                departments=tuple(row["departments"]),
                closed_at=row["closed_at"],
                check_ins_due_from=row["check_ins_due_from"],
            )
            if row["tracked"]
            else None,
            participants=[
                Participant(_person(person_id, department), ParticipantRole(role))
                for person_id, department, role in row["people"] or ()
            ],
            commitments=[
                Commitment(
                    commitment_id=c[0],
                    repair_id=repair_id,
                    agreement_id=c[1],
                    terms_version=c[2],
                    owner=_person(c[3], c[4]),
                    owed_to=tuple(
                        _person(p["person_id"], p["department"]) for p in json.loads(c[5])
                    ),
                    action=c[6],
                    due_at=c[7],
                    status=CommitmentStatus(c[8]),
                    lapse_count=c[9],
                )
                for c in row["promises"] or ()
            ],
        )
    return states


async def commitments_by_id(
    connection: Connection, commitment_ids: Sequence[UUID]
) -> dict[UUID, Commitment]:
    rows = await connection.fetch(
        f"SELECT {_COMMITMENT_COLUMNS} FROM commitments WHERE commitment_id = ANY($1::uuid[])",
        list(commitment_ids),
    )
    return {row["commitment_id"]: _commitment(row) for row in rows}


def _last_by(key: str, items: Sequence[Any]) -> list[Any]:
    """One item per key, the last one given: what row-by-row upserts would have left."""
    return list({getattr(item, key): item for item in items}.values())


async def save_tracked(connection: Connection, repairs: Sequence[TrackedRepair]) -> None:
    """Insert or update tracked repairs, in one statement."""
    if not repairs:
        return
    repairs = _last_by("repair_id", repairs)
    await connection.execute(
        "INSERT INTO tracked_repairs"
        " (repair_id, opened_at, departments, tracked_at, closed_at, check_ins_due_from)"
        " SELECT r.repair_id, r.opened_at, string_to_array(r.departments, ' '), r.opened_at,"
        " r.closed_at, r.check_ins_due_from"
        " FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::timestamptz[],"
        "   $5::timestamptz[]) AS r(repair_id, opened_at, departments, closed_at, check_ins_due_from)"
        " ON CONFLICT (repair_id) DO UPDATE SET closed_at = EXCLUDED.closed_at,"
        " check_ins_due_from = EXCLUDED.check_ins_due_from",
        [r.repair_id for r in repairs],
        [r.opened_at for r in repairs],
        # Department slugs (`^[a-z][a-z0-9-]*$`) hold no spaces: one string per row.
        [" ".join(r.departments) for r in repairs],
        [r.closed_at for r in repairs],
        [r.check_ins_due_from for r in repairs],
    )


async def add_participants(
    connection: Connection, joined: Sequence[tuple[UUID, Participant]]
) -> None:
    """Add participants (one already there is left as it is), in one statement."""
    if not joined:
        return
    await connection.execute(
        "INSERT INTO participants (repair_id, person_id, department, role)"
        " SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])"
        " ON CONFLICT DO NOTHING",
        [repair_id for repair_id, _ in joined],
        [p.person.person_id for _, p in joined],
        [p.person.department for _, p in joined],
        [p.role.value for _, p in joined],
    )


async def save_commitments(
    connection: Connection, commitments: Sequence[Commitment], *, now: datetime
) -> None:
    """Insert or update commitments, in one statement."""
    if not commitments:
        return
    commitments = _last_by("commitment_id", commitments)
    await connection.execute(
        f"INSERT INTO commitments ({_COMMITMENT_COLUMNS}, updated_at)"
        " SELECT c.commitment_id, c.repair_id, c.agreement_id, c.terms_version, c.owner_id,"
        " c.owner_department, c.owed_to::jsonb, c.action, c.due_at, c.status, c.lapse_count, $12"
        " FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::text[], $6::text[],"
        "   $7::text[], $8::text[], $9::timestamptz[], $10::text[], $11::int[])"
        "   AS c(commitment_id, repair_id, agreement_id, terms_version, owner_id,"
        "   owner_department, owed_to, action, due_at, status, lapse_count)"
        " ON CONFLICT (commitment_id) DO UPDATE SET agreement_id = EXCLUDED.agreement_id,"
        " terms_version = EXCLUDED.terms_version, owner_id = EXCLUDED.owner_id,"
        " owner_department = EXCLUDED.owner_department, owed_to = EXCLUDED.owed_to,"
        " action = EXCLUDED.action, due_at = EXCLUDED.due_at, status = EXCLUDED.status,"
        # Only the scheduler counts lapses; a consumer's copy may be older than its count.
        " lapse_count = GREATEST(commitments.lapse_count, EXCLUDED.lapse_count),"
        " updated_at = EXCLUDED.updated_at",
        [c.commitment_id for c in commitments],
        [c.repair_id for c in commitments],
        [c.agreement_id for c in commitments],
        [c.terms_version for c in commitments],
        [c.owner.person_id for c in commitments],
        [c.owner.department for c in commitments],
        [_owed_to_json(c.owed_to) for c in commitments],
        [c.action for c in commitments],
        [c.due_at for c in commitments],
        [c.status.value for c in commitments],
        [c.lapse_count for c in commitments],
        now,
    )


def _owed_to_json(people: Sequence[PersonRef]) -> str:
    return json.dumps([p.model_dump() for p in people])


# --- timers -------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class StoredTimer:
    id: int
    timer: Timer


def _timer(row: asyncpg.Record) -> StoredTimer:
    return StoredTimer(
        id=row["id"],
        timer=Timer(
            kind=TimerKind(row["kind"]),
            repair_id=row["repair_id"],
            recipient=_person(row["recipient_id"], row["recipient_department"]),
            fire_at=row["fire_at"],
            commitment_id=row["commitment_id"],
            terms_version=row["terms_version"],
            sequence=row["sequence"],
        ),
    )


_TIMER_COLUMNS = (
    "id, kind, repair_id, commitment_id, terms_version, recipient_id, recipient_department,"
    " sequence, fire_at"
)


async def any_due_timer(connection: Connection, *, now: datetime) -> bool:
    """Whether some pending timer is due (a look, no lock: `claim_due_timers` decides)."""
    due: bool = await connection.fetchval(
        "SELECT EXISTS (SELECT FROM timers WHERE status = 'pending' AND fire_at <= $1)", now
    )
    return due


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
    connection: Connection, settled: Sequence[tuple[int, str, str | None]], *, now: datetime
) -> None:
    """Mark timers fired or skipped (id, status, outcome)."""
    if settled:
        await connection.execute(
            "UPDATE timers t SET status = s.status, outcome = s.outcome, settled_at = $4"
            " FROM unnest($1::bigint[], $2::text[], $3::text[]) AS s(id, status, outcome)"
            " WHERE t.id = s.id",
            [s[0] for s in settled],
            [s[1] for s in settled],
            [s[2] for s in settled],
            now,
        )


async def postpone_timers(connection: Connection, moved: Sequence[tuple[int, datetime]]) -> None:
    if moved:
        await connection.execute(
            "UPDATE timers t SET fire_at = m.fire_at"
            " FROM unnest($1::bigint[], $2::timestamptz[]) AS m(id, fire_at) WHERE t.id = m.id",
            [m[0] for m in moved],
            [m[1] for m in moved],
        )


async def record_lapses(connection: Connection, lapsed: Sequence[Commitment]) -> None:
    if lapsed:
        await connection.execute(
            "UPDATE commitments c SET lapse_count = l.lapse_count"
            " FROM unnest($1::uuid[], $2::int[]) AS l(commitment_id, lapse_count)"
            " WHERE c.commitment_id = l.commitment_id",
            [c.commitment_id for c in lapsed],
            [c.lapse_count for c in lapsed],
        )


async def timers_of_repair(connection: Connection, repair_id: UUID) -> list[asyncpg.Record]:
    return list(
        await connection.fetch(
            f"SELECT {_TIMER_COLUMNS}, status, outcome, settled_at FROM timers"
            " WHERE repair_id = $1 ORDER BY fire_at, id",
            repair_id,
        )
    )


# --- nudges, deliveries, check-ins ------------------------------------------------------


@dataclass(frozen=True)
class NewNudge:
    nudge_id: UUID
    timer_id: int
    kind: str
    repair_id: UUID
    commitment_id: UUID | None
    terms_version: int | None
    recipient: PersonRef
    about: PersonRef | None
    channels: tuple[str, ...]
    check_in_id: UUID | None
    sent_at: datetime


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


async def add_check_ins(
    connection: Connection, asked: Sequence[tuple[UUID, UUID, PersonRef, datetime, datetime]]
) -> None:
    """(check_in_id, repair_id, person, asked_at, expires_at) each."""
    if asked:
        await connection.executemany(
            "INSERT INTO check_ins (check_in_id, repair_id, person_id, department, asked_at,"
            " expires_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            [(c, r, p.person_id, p.department, a, e) for c, r, p, a, e in asked],
        )


async def withdraw_check_ins(connection: Connection, repair_ids: Sequence[UUID]) -> None:
    if repair_ids:
        await connection.execute(
            "UPDATE check_ins SET status = 'withdrawn'"
            " WHERE status = 'asked' AND repair_id = ANY($1::uuid[])",
            list(repair_ids),
        )


async def get_check_in(connection: Connection, check_in_id: UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await connection.fetchrow(
        "SELECT check_in_id, repair_id, person_id, department, asked_at, expires_at, status,"
        " outcome, comment, answered_at FROM check_ins WHERE check_in_id = $1",
        check_in_id,
    )
    return row


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
    comment: str | None,
    answered_at: datetime,
) -> bool:
    """Record the answer if the check-in is still asked; False if it was not."""
    answered = await connection.fetchval(
        "UPDATE check_ins SET status = 'answered', outcome = $2, comment = $3, answered_at = $4"
        " WHERE check_in_id = $1 AND status = 'asked' RETURNING true",
        check_in_id,
        outcome,
        comment,
        answered_at,
    )
    return bool(answered)


async def nudges_of_repair(connection: Connection, repair_id: UUID) -> list[asyncpg.Record]:
    return list(
        await connection.fetch(
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
    )


@dataclass(frozen=True)
class DeliveryJob:
    """One claimed delivery with what is needed to write and address it."""

    id: int
    channel: str
    attempts: int
    nudge_id: UUID
    kind: str
    repair_id: UUID
    commitment_id: UUID | None
    recipient: PersonRef
    about_person_id: str | None
    check_in_id: UUID | None


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
        " n.check_in_id",
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
            recipient=_person(row["recipient_id"], row["recipient_department"]),
            about_person_id=row["about_person_id"],
            check_in_id=row["check_in_id"],
        )
        for row in rows
    ]


async def record_deliveries(
    connection: Connection,
    outcomes: Sequence[tuple[int, str, str | None, float | None]],
) -> None:
    """(id, status, error, retry in seconds) each: sent, failed, cancelled, or pending again."""
    if outcomes:
        await connection.execute(
            "UPDATE deliveries d SET status = o.status, last_error = o.error,"
            " leased_until = NULL,"
            " delivered_at = CASE WHEN o.status = 'sent' THEN clock_timestamp() END,"
            " next_attempt_at = CASE WHEN o.retry_in IS NULL THEN d.next_attempt_at"
            "   ELSE clock_timestamp() + make_interval(secs => o.retry_in) END"
            " FROM unnest($1::bigint[], $2::text[], $3::text[], $4::float8[])"
            "   AS o(id, status, error, retry_in) WHERE d.id = o.id",
            [o[0] for o in outcomes],
            [o[1] for o in outcomes],
            [o[2] for o in outcomes],
            [o[3] for o in outcomes],
        )


# --- contacts, policies, webhooks, clock ------------------------------------------------


@dataclass(frozen=True)
class Contact:
    person_id: str
    display_name: str
    email: str | None = None
    webhook_url: str | None = None


async def contacts(connection: Connection, person_ids: Iterable[str]) -> dict[str, Contact]:
    rows = await connection.fetch(
        "SELECT person_id, display_name, email, webhook_url FROM contacts"
        " WHERE person_id = ANY($1::text[])",
        list(set(person_ids)),
    )
    return {row["person_id"]: Contact(**dict(row)) for row in rows}


async def put_contact(connection: Connection, contact: Contact, *, now: datetime) -> None:
    await connection.execute(
        "INSERT INTO contacts (person_id, display_name, email, webhook_url, updated_at)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (person_id) DO UPDATE SET"
        " display_name = EXCLUDED.display_name, email = EXCLUDED.email,"
        " webhook_url = EXCLUDED.webhook_url, updated_at = EXCLUDED.updated_at",
        contact.person_id,
        contact.display_name,
        contact.email,
        contact.webhook_url,
        now,
    )


async def erase_contact(connection: Connection, person_id: str) -> bool:
    """Delete a person's contact details and cancel what still waits to go to them."""
    await connection.execute(
        "UPDATE deliveries d SET status = 'cancelled', last_error = 'contact erased'"
        " FROM nudges n WHERE n.nudge_id = d.nudge_id AND d.status = 'pending'"
        " AND n.recipient_id = $1",
        person_id,
    )
    deleted = await connection.fetchval(
        "DELETE FROM contacts WHERE person_id = $1 RETURNING true", person_id
    )
    return bool(deleted)


async def policy_overrides(
    connection: Connection, departments: Iterable[str] | None = None
) -> dict[str, dict[str, Any]]:
    if departments is None:
        rows = await connection.fetch("SELECT department, overrides FROM department_policies")
    else:
        rows = await connection.fetch(
            "SELECT department, overrides FROM department_policies"
            " WHERE department = ANY($1::text[])",
            list(set(departments)),
        )
    return {row["department"]: row["overrides"] for row in rows}


async def put_policy_overrides(
    connection: Connection, department: str, overrides: dict[str, Any], *, now: datetime
) -> None:
    await connection.execute(
        "INSERT INTO department_policies (department, overrides, updated_at) VALUES ($1, $2, $3)"
        " ON CONFLICT (department) DO UPDATE SET overrides = EXCLUDED.overrides,"
        " updated_at = EXCLUDED.updated_at",
        department,
        overrides,
        now,
    )


async def delete_policy_overrides(connection: Connection, department: str) -> bool:
    return bool(
        await connection.fetchval(
            "DELETE FROM department_policies WHERE department = $1 RETURNING true", department
        )
    )


@dataclass(frozen=True)
class Webhook:
    department: str
    url: str
    kinds: tuple[str, ...]


async def webhooks(connection: Connection, departments: Iterable[str]) -> dict[str, Webhook]:
    rows = await connection.fetch(
        "SELECT department, url, kinds FROM department_webhooks WHERE department = ANY($1::text[])",
        list(set(departments)),
    )
    return {
        row["department"]: Webhook(row["department"], row["url"], tuple(row["kinds"]))
        for row in rows
    }


async def put_webhook(connection: Connection, webhook: Webhook, *, now: datetime) -> None:
    await connection.execute(
        "INSERT INTO department_webhooks (department, url, kinds, updated_at)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (department) DO UPDATE SET url = EXCLUDED.url,"
        " kinds = EXCLUDED.kinds, updated_at = EXCLUDED.updated_at",
        webhook.department,
        webhook.url,
        list(webhook.kinds),
        now,
    )


async def delete_webhook(connection: Connection, department: str) -> bool:
    return bool(
        await connection.fetchval(
            "DELETE FROM department_webhooks WHERE department = $1 RETURNING true", department
        )
    )


async def clock_offset(connection: Connection) -> float:
    seconds = await connection.fetchval("SELECT seconds FROM clock_offset")
    return float(seconds or 0.0)


async def set_clock_offset(connection: Connection, seconds: float) -> None:
    await connection.execute(
        "INSERT INTO clock_offset (singleton, seconds) VALUES (true, $1)"
        " ON CONFLICT (singleton) DO UPDATE SET seconds = EXCLUDED.seconds",
        seconds,
    )
