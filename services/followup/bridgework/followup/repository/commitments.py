"""Commitments as follow-up knows them: the terms in force, where each stands, its lapses."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from bridgework.common.contracts import PersonRef
from bridgework.common.postgres import Connection
from bridgework.followup.domain.schedule import Commitment, CommitmentStatus
from bridgework.followup.repository.rows import last_by, person, sealed_or_none

_COMMITMENT_COLUMNS = (
    "commitment_id, repair_id, agreement_id, terms_version, owner_id, owner_department,"
    " owed_to, action, due_at, status, lapse_count"
)


def _commitment(row: asyncpg.Record) -> Commitment:
    return Commitment(
        commitment_id=row["commitment_id"],
        repair_id=row["repair_id"],
        agreement_id=row["agreement_id"],
        terms_version=row["terms_version"],
        owner=person(row["owner_id"], row["owner_department"]),
        owed_to=tuple(person(p["person_id"], p["department"]) for p in row["owed_to"]),
        action=sealed_or_none(row["action"]),
        due_at=row["due_at"],
        status=CommitmentStatus(row["status"]),
        lapse_count=row["lapse_count"],
    )


async def commitments_of_repairs(
    connection: Connection, repair_ids: Sequence[UUID]
) -> dict[UUID, list[Commitment]]:
    """Each repair's commitments, in the order they fall due."""
    rows = await connection.fetch(
        f"SELECT {_COMMITMENT_COLUMNS} FROM commitments WHERE repair_id = ANY($1::uuid[])"
        " ORDER BY due_at, commitment_id",
        list(repair_ids),
    )
    found: dict[UUID, list[Commitment]] = {}
    for row in rows:
        found.setdefault(row["repair_id"], []).append(_commitment(row))
    return found


async def commitments_by_id(
    connection: Connection, commitment_ids: Sequence[UUID]
) -> dict[UUID, Commitment]:
    """The commitments named, by id (unknown ones: absent)."""
    rows = await connection.fetch(
        f"SELECT {_COMMITMENT_COLUMNS} FROM commitments WHERE commitment_id = ANY($1::uuid[])",
        list(commitment_ids),
    )
    return {row["commitment_id"]: _commitment(row) for row in rows}


async def save_commitments(
    connection: Connection, commitments: Sequence[Commitment], *, now: datetime
) -> None:
    """Insert or update commitments, in one statement."""
    if not commitments:
        return
    commitments = last_by("commitment_id", commitments)
    await connection.execute(
        f"INSERT INTO commitments ({_COMMITMENT_COLUMNS}, updated_at)"
        " SELECT c.commitment_id, c.repair_id, c.agreement_id, c.terms_version, c.owner_id,"
        " c.owner_department, c.owed_to::jsonb, c.action, c.due_at, c.status, c.lapse_count, $12"
        " FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::text[], $6::text[],"
        "   $7::text[], $8::jsonb[], $9::timestamptz[], $10::text[], $11::int[])"
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
        [c.action.model_dump(mode="json") if c.action else None for c in commitments],
        [c.due_at for c in commitments],
        [c.status.value for c in commitments],
        [c.lapse_count for c in commitments],
        now,
    )


def _owed_to_json(people: Sequence[PersonRef]) -> str:
    return json.dumps([p.model_dump() for p in people])


async def record_lapses(connection: Connection, lapsed: Sequence[Commitment]) -> None:
    """Store the lapse counts of commitments that just lapsed."""
    if lapsed:
        await connection.execute(
            "UPDATE commitments c SET lapse_count = l.lapse_count"
            " FROM unnest($1::uuid[], $2::int[]) AS l(commitment_id, lapse_count)"
            " WHERE c.commitment_id = l.commitment_id",
            [c.commitment_id for c in lapsed],
            [c.lapse_count for c in lapsed],
        )
