"""A person's rows in follow-up: found by their id's digest (PersonErased names nobody), erased
and tombstoned, or read for an export.

Where a person id sits: (table, column) below. A timer's key ends with `:<recipient>:<n>`,
so it is rewritten with its recipient, keeping every key unique.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bridgework.common.postgres import Connection

# Every column of follow-up that holds a bare person id.
PERSON_COLUMNS: tuple[tuple[str, str], ...] = (
    ("participants", "person_id"),
    ("commitments", "owner_id"),
    ("timers", "recipient_id"),
    ("nudges", "recipient_id"),
    ("nudges", "about_person_id"),
    ("check_ins", "person_id"),
    ("consent_requests", "person_id"),
    ("change_nudges", "recipient_id"),  # leads told of a change (use_cases/changes.py)
    ("change_check_ins", "person_id"),
    (
        "change_adjustment_reminders",
        "recipient_id",
    ),  # use_cases/change_adjustments.py  # leads asked after go-live (use_cases/change_check_ins.py)
    ("contacts", "person_id"),
)
_DIGEST = "encode(sha256(convert_to({column}, 'UTF8')), 'hex')"


# Erasures and the batches that write person ids take turns: an erasure waits for batches in
# flight, and a batch after it reads its record (so no raw id is written after the rewrite).
# One lock per schema (its service's), so services never wait on each other's erasures.
_ERASURE_LOCK = "hashtext(current_schema() || ':erasure')"


async def hold_out_erasures(connection: Connection) -> dict[str, str]:
    """Taken by a batch that writes person ids (shared, until its transaction ends); returns
    every erasure heard of, digest -> tombstone, in the same round trip."""
    rows = await connection.fetch(
        "SELECT e.person_digest, e.tombstone"
        f" FROM (SELECT pg_advisory_xact_lock_shared({_ERASURE_LOCK})) AS locked"
        " LEFT JOIN erased_people e ON true"
    )
    return {row["person_digest"]: row["tombstone"] for row in rows if row["person_digest"]}


async def exclude_batches(connection: Connection) -> None:
    """Taken by an erasure, until its transaction ends (exclusive)."""
    await connection.execute(f"SELECT pg_advisory_xact_lock({_ERASURE_LOCK})")


async def record_erasures(
    connection: Connection, erasures: Sequence[tuple[str, str, datetime]]
) -> None:
    """(digest, tombstone, erased at), once each."""
    await connection.execute(
        "INSERT INTO erased_people (person_digest, tombstone, erased_at)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])"
        " ON CONFLICT (person_digest) DO NOTHING",
        [digest for digest, _, _ in erasures],
        [tombstone for _, tombstone, _ in erasures],
        [at for _, _, at in erasures],
    )


async def people_with_digests(connection: Connection, digests: Sequence[str]) -> dict[str, str]:
    """The person ids follow-up holds whose digest is among `digests`: id -> digest."""
    selects = " UNION ".join(
        f"SELECT {column} AS person_id FROM {table} WHERE {column} IS NOT NULL"
        for table, column in PERSON_COLUMNS
    )
    digest = _DIGEST.format(column="person_id")
    rows = await connection.fetch(
        f"SELECT person_id, {digest} AS digest FROM ({selects}) AS held"
        f" WHERE {digest} = ANY($1::text[])",
        list(digests),
    )
    return {row["person_id"]: row["digest"] for row in rows}


@dataclass(frozen=True)
class ErasedHere:
    contact_deleted: bool
    timers_cancelled: int


async def erase_person(
    connection: Connection, person_id: str, tombstone: str, *, now: datetime
) -> ErasedHere:
    """Delete the contact, cancel what waits to go to the person, tombstone every reference."""
    await connection.execute(
        "UPDATE deliveries d SET status = 'cancelled', last_error = 'person erased'"
        " FROM nudges n WHERE n.nudge_id = d.nudge_id AND d.status = 'pending'"
        " AND n.recipient_id = $1",
        person_id,
    )
    deleted = await connection.fetchval(
        "DELETE FROM contacts WHERE person_id = $1 RETURNING true", person_id
    )
    cancelled = await connection.fetch(
        "UPDATE timers SET status = 'cancelled', outcome = 'person erased', settled_at = $2"
        " WHERE recipient_id = $1 AND status = 'pending' RETURNING id",
        person_id,
        now,
    )
    await connection.execute(
        "UPDATE timers SET key = left(key, length(key) - length(':' || recipient_id || ':'"
        " || sequence)) || ':' || $2 || ':' || sequence, recipient_id = $2"
        " WHERE recipient_id = $1",
        person_id,
        tombstone,
    )
    for table, column in PERSON_COLUMNS:
        if (table, column) not in (("timers", "recipient_id"), ("contacts", "person_id")):
            await connection.execute(
                f"UPDATE {table} SET {column} = $2 WHERE {column} = $1", person_id, tombstone
            )
    # owed_to holds PersonRefs as JSON; ids need no JSON escaping (the pseudonym pattern).
    await connection.execute(
        "UPDATE commitments SET owed_to = replace(owed_to::text, $1, $2)::jsonb"
        " WHERE strpos(owed_to::text, $1) > 0",
        f'"{person_id}"',
        f'"{tombstone}"',
    )
    return ErasedHere(bool(deleted), len(cancelled))


@dataclass(frozen=True)
class HeldByFollowup:
    """What follow-up holds about one person, as stored (sealed texts still sealed)."""

    contact: dict[str, Any] | None
    commitments: list[dict[str, Any]]
    nudges: list[dict[str, Any]]
    check_ins: list[dict[str, Any]]
    pending_timers: list[dict[str, Any]]
    # Planned changes: a lead told before go-live, asked after it, reminded of adjustments.
    change_nudges: list[dict[str, Any]]
    change_check_ins: list[dict[str, Any]]
    change_reminders: list[dict[str, Any]]

    def holds_anything(self) -> bool:
        rows = self.commitments + self.nudges + self.check_ins + self.pending_timers
        rows += self.change_nudges + self.change_check_ins + self.change_reminders
        return self.contact is not None or bool(rows)


async def held_about(connection: Connection, person_id: str) -> HeldByFollowup:
    contact = await connection.fetchrow(
        "SELECT person_id, display_name, email, webhook_url, updated_at FROM contacts"
        " WHERE person_id = $1",
        person_id,
    )
    commitments = await connection.fetch(
        "SELECT commitment_id, repair_id, terms_version, action, due_at, status, lapse_count"
        " FROM commitments WHERE owner_id = $1 ORDER BY due_at, commitment_id",
        person_id,
    )
    nudges = await connection.fetch(
        "SELECT nudge_id, repair_id, kind, commitment_id, channels, sent_at FROM nudges"
        " WHERE recipient_id = $1 ORDER BY sent_at, nudge_id",
        person_id,
    )
    check_ins = await connection.fetch(
        "SELECT check_in_id, repair_id, status, outcome, comment, asked_at, answered_at"
        " FROM check_ins WHERE person_id = $1 ORDER BY asked_at, check_in_id",
        person_id,
    )
    timers = await connection.fetch(
        "SELECT kind, repair_id, commitment_id, fire_at FROM timers"
        " WHERE recipient_id = $1 AND status = 'pending' ORDER BY fire_at, id",
        person_id,
    )
    change_nudges = await connection.fetch(
        "SELECT change_id, department, kind, channels, sent_at FROM change_nudges"
        " WHERE recipient_id = $1 ORDER BY sent_at, change_id",
        person_id,
    )
    change_check_ins = await connection.fetch(
        "SELECT check_in_id, change_id, department, status, outcome, comment, asked_at,"
        " answered_at FROM change_check_ins WHERE person_id = $1 ORDER BY asked_at, check_in_id",
        person_id,
    )
    change_reminders = await connection.fetch(
        "SELECT change_id, commitment_id, terms_version, channels, sent_at"
        " FROM change_adjustment_reminders WHERE recipient_id = $1 ORDER BY sent_at, commitment_id",
        person_id,
    )
    return HeldByFollowup(
        contact=dict(contact) if contact else None,
        commitments=[dict(row) for row in commitments],
        nudges=[dict(row) for row in nudges],
        check_ins=[dict(row) for row in check_ins],
        pending_timers=[dict(row) for row in timers],
        change_nudges=[dict(row) for row in change_nudges],
        change_check_ins=[dict(row) for row in change_check_ins],
        change_reminders=[dict(row) for row in change_reminders],
    )
