"""Erasure records, tombstoning a person's id in agreements' tables, what an export reads, and
the repairs retention expires.

A person id sits whole in jsonb documents (repairs' workflow, incidents' bodies), so a
document that names them contains `"<id>"` in its text form: Postgres finds the candidates,
the domain's `replace_person` rewrites them exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from bridgework.agreements.domain.privacy import names_person, replace_person
from bridgework.common.postgres import Connection


@dataclass(frozen=True)
class ErasureRecord:
    erasure_id: UUID
    tombstone: str
    keys_destroyed: int
    erased_at: datetime


@dataclass(frozen=True)
class HeldRepair:
    """A repair that names the person, as an export shows it."""

    repair_id: UUID
    status: str
    opened_at: datetime
    closed_at: datetime | None
    workflow: Any


@dataclass(frozen=True)
class HeldConversation:
    repair_id: UUID
    role: str
    department: str
    answers: Any
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class HeldChange:
    """A planned change whose engagement names the person."""

    change_id: UUID
    went_live_at: datetime | None
    workflow: Any


@dataclass(frozen=True)
class HeldIncident:
    incident_id: UUID
    department: str
    reported_at: datetime
    body: Any


async def lock_erasure(connection: Connection, person_digest: str) -> None:
    """Two requests to erase one person take turns (until the transaction ends)."""
    await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"erase:{person_digest}")


# Erasures and the incident batches that write person ids take turns: an erasure waits for
# batches in flight, and a batch after it reads its record, so no raw id is written back.
# One lock per schema (its service's), so services never wait on each other's erasures.
_ERASURE_LOCK = "hashtext(current_schema() || ':erasure')"


async def hold_out_erasures(connection: Connection) -> bool:
    """Taken by a batch (shared, until its transaction ends); whether anyone was ever erased,
    in the same round trip, so a batch pays nothing more while nobody was."""
    erased = await connection.fetchval(
        "SELECT EXISTS (SELECT 1 FROM erasures)"
        f" FROM (SELECT pg_advisory_xact_lock_shared({_ERASURE_LOCK})) AS locked"
    )
    return bool(erased)


async def exclude_batches(connection: Connection) -> None:
    await connection.execute(f"SELECT pg_advisory_xact_lock({_ERASURE_LOCK})")


async def tombstones_of(connection: Connection, digests: Sequence[str]) -> dict[str, str]:
    """digest -> tombstone of the erased among `digests`."""
    rows = await connection.fetch(
        "SELECT person_digest, tombstone FROM erasures WHERE person_digest = ANY($1::text[])",
        list(digests),
    )
    return {row["person_digest"]: row["tombstone"] for row in rows}


async def erasure_of(connection: Connection, person_digest: str) -> ErasureRecord | None:
    row = await connection.fetchrow(
        "SELECT erasure_id, tombstone, keys_destroyed, erased_at FROM erasures"
        " WHERE person_digest = $1",
        person_digest,
    )
    return ErasureRecord(**dict(row)) if row else None


async def record_erasure(connection: Connection, person_digest: str, record: ErasureRecord) -> None:
    await connection.execute(
        "INSERT INTO erasures (person_digest, erasure_id, tombstone, keys_destroyed, erased_at)"
        " VALUES ($1, $2, $3, $4, $5)",
        person_digest,
        record.erasure_id,
        record.tombstone,
        record.keys_destroyed,
        record.erased_at,
    )


def _quoted(person_id: str) -> str:
    # Pseudonymous ids hold no character JSON escapes, so this is their JSON spelling.
    return f'"{person_id}"'


@dataclass(frozen=True)
class Tombstoned:
    """How many rows named the person before their id became the tombstone."""

    repairs: int
    incidents: int
    conversation_records: int
    changes: int = 0

    @property
    def any(self) -> bool:
        return bool(self.repairs or self.incidents or self.conversation_records or self.changes)


async def tombstone_person(connection: Connection, person_id: str, tombstone: str) -> Tombstoned:
    """Replace the person's id by `tombstone` in every table that holds it."""
    quoted = _quoted(person_id)
    rows = await connection.fetch(
        "SELECT repair_id, workflow FROM repairs WHERE strpos(workflow::text, $1) > 0"
        " ORDER BY repair_id FOR UPDATE",
        quoted,
    )
    repairs = [
        (r["repair_id"], r["workflow"]) for r in rows if names_person(r["workflow"], person_id)
    ]
    await connection.execute(
        "UPDATE repairs r SET workflow = u.workflow"
        " FROM unnest($1::uuid[], $2::jsonb[]) AS u(repair_id, workflow)"
        " WHERE r.repair_id = u.repair_id",
        [repair_id for repair_id, _ in repairs],
        [replace_person(workflow, person_id, tombstone) for _, workflow in repairs],
    )
    incidents = await connection.fetch(
        "SELECT incident_id, body FROM incidents WHERE strpos(body::text, $1) > 0"
        " ORDER BY incident_id FOR UPDATE",
        quoted,
    )
    await connection.execute(
        "UPDATE incidents i SET body = u.body"
        " FROM unnest($1::uuid[], $2::jsonb[]) AS u(incident_id, body)"
        " WHERE i.incident_id = u.incident_id",
        [row["incident_id"] for row in incidents],
        [replace_person(row["body"], person_id, tombstone) for row in incidents],
    )
    conversations = await connection.fetch(
        "UPDATE conversation_records SET"
        " person_id = CASE WHEN person_id = $1 THEN $2 ELSE person_id END,"
        " recorded_by = CASE WHEN recorded_by = $1 THEN $2 ELSE recorded_by END"
        " WHERE person_id = $1 OR recorded_by = $1 RETURNING repair_id",
        person_id,
        tombstone,
    )
    changes = await _tombstone_changes(connection, person_id, tombstone)
    named = {repair_id for repair_id, _ in repairs} | {row["repair_id"] for row in conversations}
    return Tombstoned(len(named), len(incidents), len(conversations), changes)


async def _tombstone_changes(connection: Connection, person_id: str, tombstone: str) -> int:
    """Planned changes' engagement documents name representatives and owners like repairs."""
    rows = await connection.fetch(
        "SELECT change_id, workflow FROM changes WHERE strpos(workflow::text, $1) > 0"
        " ORDER BY change_id FOR UPDATE",
        _quoted(person_id),
    )
    named = [
        (r["change_id"], r["workflow"]) for r in rows if names_person(r["workflow"], person_id)
    ]
    await connection.execute(
        "UPDATE changes c SET workflow = u.workflow"
        " FROM unnest($1::uuid[], $2::jsonb[]) AS u(change_id, workflow)"
        " WHERE c.change_id = u.change_id",
        [change_id for change_id, _ in named],
        [replace_person(workflow, person_id, tombstone) for _, workflow in named],
    )
    return len(named)


async def repairs_naming(connection: Connection, person_id: str) -> list[HeldRepair]:
    """Every repair whose workflow names the person, oldest first."""
    rows = await connection.fetch(
        "SELECT repair_id, status, opened_at, closed_at, workflow FROM repairs"
        " WHERE strpos(workflow::text, $1) > 0 ORDER BY opened_at, repair_id",
        _quoted(person_id),
    )
    return [HeldRepair(**dict(row)) for row in rows if names_person(row["workflow"], person_id)]


async def conversations_of(connection: Connection, person_id: str) -> list[HeldConversation]:
    """The person's own answers to the restorative questions, in every repair."""
    rows = await connection.fetch(
        "SELECT repair_id, role, department, answers, recorded_by, recorded_at"
        " FROM conversation_records WHERE person_id = $1 ORDER BY recorded_at, record_id",
        person_id,
    )
    return [HeldConversation(**dict(row)) for row in rows]


async def incidents_naming(connection: Connection, person_id: str) -> list[HeldIncident]:
    """Incidents whose reported facts name the person (as responsible or affected)."""
    rows = await connection.fetch(
        "SELECT incident_id, department, reported_at, body FROM incidents"
        " WHERE strpos(body::text, $1) > 0 ORDER BY reported_at, incident_id",
        _quoted(person_id),
    )
    return [HeldIncident(**dict(row)) for row in rows if names_person(row["body"], person_id)]


async def repairs_to_expire(
    connection: Connection, *, closed_before: datetime, limit: int
) -> list[tuple[UUID, datetime]]:
    """Closed repairs past retention whose keys are not destroyed yet, locked for this
    transaction (another replica skips them)."""
    rows = await connection.fetch(
        "SELECT r.repair_id, r.closed_at FROM repairs r"
        " WHERE r.closed_at IS NOT NULL AND r.closed_at < $1"
        "   AND NOT EXISTS (SELECT 1 FROM expired_repairs e WHERE e.repair_id = r.repair_id)"
        " ORDER BY r.closed_at, r.repair_id LIMIT $2 FOR UPDATE OF r SKIP LOCKED",
        closed_before,
        limit,
    )
    return [(row["repair_id"], row["closed_at"]) for row in rows]


async def record_expiries(
    connection: Connection, expiries: list[tuple[UUID, int]], *, now: datetime
) -> None:
    await connection.execute(
        "INSERT INTO expired_repairs (repair_id, keys_destroyed, expired_at)"
        " SELECT u.repair_id, u.keys, $3 FROM unnest($1::uuid[], $2::int[]) AS u(repair_id, keys)"
        " ON CONFLICT (repair_id) DO NOTHING",
        [repair_id for repair_id, _ in expiries],
        [keys for _, keys in expiries],
        now,
    )


async def changes_naming(connection: Connection, person_id: str) -> list[HeldChange]:
    """Every planned change whose engagement names the person, by go-live."""
    rows = await connection.fetch(
        "SELECT change_id, went_live_at, workflow FROM changes"
        " WHERE strpos(workflow::text, $1) > 0 ORDER BY planned_go_live, change_id",
        _quoted(person_id),
    )
    return [HeldChange(**dict(row)) for row in rows if names_person(row["workflow"], person_id)]
