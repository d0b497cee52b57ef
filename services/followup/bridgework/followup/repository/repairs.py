"""Repairs follow-up follows and their participants, and the one read of what is known of a
batch's repairs. Batches use one statement per table.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from bridgework.common.contracts import ParticipantRole
from bridgework.common.postgres import Connection
from bridgework.followup.domain.schedule import (
    Commitment,
    CommitmentStatus,
    Participant,
    TrackedRepair,
)
from bridgework.followup.repository.rows import last_by, person, sealed_or_none


def _tracked(row: asyncpg.Record) -> TrackedRepair:
    return TrackedRepair(
        repair_id=row["repair_id"],
        opened_at=row["opened_at"],
        departments=tuple(row["departments"]),
        closed_at=row["closed_at"],
        check_ins_due_from=row["check_ins_due_from"],
    )


async def tracked_repairs(
    connection: Connection, repair_ids: Sequence[UUID]
) -> dict[UUID, TrackedRepair]:
    """The tracked repairs named, by id (unknown ones: absent)."""
    rows = await connection.fetch(
        "SELECT repair_id, opened_at, departments, closed_at, check_ins_due_from"
        " FROM tracked_repairs WHERE repair_id = ANY($1::uuid[])",
        list(repair_ids),
    )
    return {row["repair_id"]: _tracked(row) for row in rows}


async def get_tracked(connection: Connection, repair_id: UUID) -> TrackedRepair | None:
    """One tracked repair, or None."""
    return (await tracked_repairs(connection, [repair_id])).get(repair_id)


async def participants(
    connection: Connection, repair_ids: Sequence[UUID]
) -> dict[UUID, list[Participant]]:
    """Each repair's participants, by person and role."""
    rows = await connection.fetch(
        "SELECT repair_id, person_id, department, role FROM participants"
        " WHERE repair_id = ANY($1::uuid[]) ORDER BY repair_id, person_id, role",
        list(repair_ids),
    )
    found: dict[UUID, list[Participant]] = {}
    for row in rows:
        found.setdefault(row["repair_id"], []).append(
            Participant(person(row["person_id"], row["department"]), ParticipantRole(row["role"]))
        )
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
    """The state of the repairs follow-up knows anything of, in one query (repairs it
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
        "   cc.terms_version, cc.owner_id, cc.owner_department, cc.owed_to::text, cc.action::text,"
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
                Participant(person(person_id, department), ParticipantRole(role))
                for person_id, department, role in row["people"] or ()
            ],
            commitments=[
                Commitment(
                    commitment_id=c[0],
                    repair_id=repair_id,
                    agreement_id=c[1],
                    terms_version=c[2],
                    owner=person(c[3], c[4]),
                    owed_to=tuple(
                        person(p["person_id"], p["department"]) for p in json.loads(c[5])
                    ),
                    action=sealed_or_none(json.loads(c[6]) if c[6] else None),
                    due_at=c[7],
                    status=CommitmentStatus(c[8]),
                    lapse_count=c[9],
                )
                for c in row["promises"] or ()
            ],
        )
    return states


async def save_tracked(connection: Connection, repairs: Sequence[TrackedRepair]) -> None:
    """Insert or update tracked repairs, in one statement."""
    if not repairs:
        return
    repairs = last_by("repair_id", repairs)
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
