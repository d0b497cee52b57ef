"""Repairs stored whole: the opening facts in columns, what happened since as one jsonb
document (`repairs.workflow`), and the department pairs recurrence looks up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter

from bridgework.agreements.domain.agreement import Agreement
from bridgework.agreements.domain.opening import PriorRepair, relationship
from bridgework.agreements.domain.repair import (
    CheckIn,
    Closure,
    FacilitationOffer,
    Participant,
    Repair,
    RepairStatus,
    RepairSummary,
)
from bridgework.agreements.domain.response_mode import recorded_mode
from bridgework.common.contracts import IncidentCategory, RelationshipPair, ResponseMode
from bridgework.common.postgres import Connection


@dataclass(frozen=True)
class _Workflow:
    """What happened in a repair since it opened: the `workflow` column's document."""

    participants: tuple[Participant, ...] = ()
    agreement: Agreement | None = None
    check_ins: tuple[CheckIn, ...] = ()
    closure: Closure | None = None
    # Absent from documents stored before offers existed: they read as none.
    facilitation_offers: tuple[FacilitationOffer, ...] = ()


_WORKFLOW = TypeAdapter(_Workflow)


def workflow_document(repair: Repair) -> dict[str, Any]:
    """The repair's workflow as the JSON stored in `repairs.workflow`."""
    document: dict[str, Any] = _WORKFLOW.dump_python(
        _Workflow(
            participants=repair.participants,
            agreement=repair.agreement,
            check_ins=repair.check_ins,
            closure=repair.closure,
            facilitation_offers=repair.facilitation_offers,
        ),
        mode="json",
    )
    return document


def repair_from_row(row: Any) -> Repair:
    """A repair from a row of `_REPAIR_COLUMNS`."""
    workflow = _WORKFLOW.validate_python(row["workflow"])
    return Repair(
        repair_id=row["repair_id"],
        incident_ids=tuple(row["incident_ids"]),
        category=IncidentCategory(row["category"]),
        opened_at=row["opened_at"],
        agreement_due_by=row["agreement_due_by"],
        departments=tuple(row["departments"]),
        relationships=tuple(
            relationship(a, b)
            for a, b in zip(row["relationship_a"], row["relationship_b"], strict=True)
        ),
        recurrence_of=tuple(row["recurrence_of"]),
        participants=workflow.participants,
        agreement=workflow.agreement,
        check_ins=workflow.check_ins,
        closure=workflow.closure,
        facilitation_offers=workflow.facilitation_offers,
    )


_REPAIR_COLUMNS = """
    r.repair_id, r.category, r.opened_at, r.agreement_due_by, r.departments, r.recurrence_of,
    r.workflow,
    ARRAY(SELECT ri.incident_id FROM repair_incidents ri
          WHERE ri.repair_id = r.repair_id ORDER BY ri.incident_id) AS incident_ids,
    ARRAY(SELECT rr.department_a FROM repair_relationships rr
          WHERE rr.repair_id = r.repair_id ORDER BY rr.department_a, rr.department_b)
        AS relationship_a,
    ARRAY(SELECT rr.department_b FROM repair_relationships rr
          WHERE rr.repair_id = r.repair_id ORDER BY rr.department_a, rr.department_b)
        AS relationship_b
"""


async def insert_repairs(connection: Connection, repairs: Sequence[Repair]) -> None:
    """Store newly opened repairs with their incidents and relationships (nothing has happened
    in them yet: their workflow starts as the column's empty default), in one statement."""
    if not repairs:
        return
    assert not any(
        r.participants or r.agreement or r.check_ins or r.closure or r.facilitation_offers
        for r in repairs
    )
    # One statement for three tables (why: docs/agreements.md). Lists travel comma-joined:
    # slugs and uuids hold no comma, and '' reads back as the empty array.
    incidents = [(r.repair_id, i) for r in repairs for i in r.incident_ids]
    pairs = [(r, pair) for r in repairs for pair in r.relationships]
    await connection.execute(
        "WITH opened AS ("
        "   INSERT INTO repairs (repair_id, status, opened_at, departments, category,"
        "                        agreement_due_by, recurrence_of)"
        "   SELECT u.repair_id, $1, u.opened_at, string_to_array(u.departments, ','),"
        "          u.category, u.agreement_due_by, string_to_array(u.recurrence_of, ',')::uuid[]"
        "   FROM unnest($2::uuid[], $3::timestamptz[], $4::text[], $5::text[],"
        "               $6::timestamptz[], $7::text[])"
        "     AS u(repair_id, opened_at, departments, category, agreement_due_by, recurrence_of)"
        " ), their_incidents AS ("
        "   INSERT INTO repair_incidents (repair_id, incident_id)"
        "   SELECT * FROM unnest($8::uuid[], $9::uuid[])"
        " )"
        " INSERT INTO repair_relationships"
        " (repair_id, department_a, department_b, category, opened_at)"
        " SELECT * FROM unnest($10::uuid[], $11::text[], $12::text[], $13::text[],"
        "                      $14::timestamptz[])",
        RepairStatus.OPEN.value,
        [r.repair_id for r in repairs],
        [r.opened_at for r in repairs],
        [",".join(r.departments) for r in repairs],
        [r.category for r in repairs],
        [r.agreement_due_by for r in repairs],
        [",".join(map(str, r.recurrence_of)) for r in repairs],
        [repair_id for repair_id, _ in incidents],
        [incident_id for _, incident_id in incidents],
        [r.repair_id for r, _ in pairs],
        [pair.department_a for _, pair in pairs],
        [pair.department_b for _, pair in pairs],
        [r.category for r, _ in pairs],
        [r.opened_at for r, _ in pairs],
    )


async def lock_repairs(connection: Connection, repair_ids: Sequence[UUID]) -> dict[UUID, Repair]:
    """Load repairs for change, locked until the transaction ends (in id order: no deadlocks)."""
    if not repair_ids:
        return {}
    rows = await connection.fetch(
        f"SELECT {_REPAIR_COLUMNS} FROM repairs r WHERE r.repair_id = ANY($1::uuid[])"
        " ORDER BY r.repair_id FOR UPDATE OF r",
        sorted(set(repair_ids)),
    )
    return {row["repair_id"]: repair_from_row(row) for row in rows}


async def save_repairs(connection: Connection, repairs: Sequence[Repair]) -> None:
    """Write changed repairs back whole, in one statement."""
    if not repairs:
        return
    await connection.execute(
        "UPDATE repairs r SET status = u.status, response_mode = u.response_mode,"
        " closed_at = u.closed_at, merged_into = u.merged_into, workflow = u.workflow"
        " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::uuid[],"
        "             $6::jsonb[])"
        "   AS u(repair_id, status, response_mode, closed_at, merged_into, workflow)"
        " WHERE r.repair_id = u.repair_id",
        [r.repair_id for r in repairs],
        [r.status.value for r in repairs],
        [_mode_value(r) for r in repairs],
        [r.closure.closed_at if r.closure else None for r in repairs],
        [r.closure.merged_into if r.closure else None for r in repairs],
        [workflow_document(r) for r in repairs],
    )


def _mode_value(repair: Repair) -> str | None:
    mode = recorded_mode(repair)
    return mode.value if mode else None


async def get_repair(connection: Connection, repair_id: UUID) -> Repair | None:
    """One repair as it stands, None if there is none with this id."""
    row = await connection.fetchrow(
        f"SELECT {_REPAIR_COLUMNS} FROM repairs r WHERE r.repair_id = $1", repair_id
    )
    return repair_from_row(row) if row else None


async def list_repairs(
    connection: Connection,
    *,
    limit: int,
    before: datetime | None,
    before_id: UUID | None,
    status: RepairStatus | None,
) -> list[RepairSummary]:
    """Newest first; `before` (and `before_id` for repairs opened at the same instant) pages."""
    rows = await connection.fetch(
        "SELECT r.repair_id, r.status, r.category, r.opened_at, r.agreement_due_by,"
        " r.departments, r.response_mode AS recorded_mode, r.merged_into,"
        " ARRAY(SELECT ri.incident_id FROM repair_incidents ri"
        "       WHERE ri.repair_id = r.repair_id ORDER BY ri.incident_id) AS incident_ids"
        " FROM repairs r"
        " WHERE ($2::timestamptz IS NULL"
        "        OR ($3::uuid IS NULL AND r.opened_at < $2)"
        "        OR ($3::uuid IS NOT NULL AND (r.opened_at, r.repair_id) < ($2, $3)))"
        "   AND ($4::text IS NULL OR r.status = $4)"
        " ORDER BY r.opened_at DESC, r.repair_id DESC LIMIT $1",
        limit,
        before,
        before_id,
        status.value if status else None,
    )
    return [
        RepairSummary(
            repair_id=row["repair_id"],
            status=RepairStatus(row["status"]),
            category=IncidentCategory(row["category"]),
            opened_at=row["opened_at"],
            agreement_due_by=row["agreement_due_by"],
            departments=row["departments"],
            incident_ids=row["incident_ids"],
            recorded_mode=ResponseMode(row["recorded_mode"]) if row["recorded_mode"] else None,
            merged_into=row["merged_into"],
        )
        for row in rows
    ]


async def recurrence_candidates(
    connection: Connection,
    keys: Sequence[tuple[IncidentCategory, RelationshipPair]],
    *,
    since: datetime,
    per_key: int,
) -> list[PriorRepair]:
    """The newest repairs (at most `per_key`) of each (category, department pair) since `since`;
    merged repairs do not count, their incident lives on in the repair they joined."""
    if not keys:
        return []
    unique = sorted({(c.value, p.department_a, p.department_b) for c, p in keys})
    rows = await connection.fetch(
        "SELECT DISTINCT found.repair_id, found.category, found.opened_at, ARRAY("
        "     SELECT rr.department_a || ' ' || rr.department_b FROM repair_relationships rr"
        "     WHERE rr.repair_id = found.repair_id) AS pairs"
        " FROM unnest($1::text[], $2::text[], $3::text[]) AS k(category, department_a, department_b)"
        " CROSS JOIN LATERAL ("
        "     SELECT rr.repair_id, rr.category, rr.opened_at"
        "     FROM repair_relationships rr JOIN repairs r USING (repair_id)"
        "     WHERE rr.department_a = k.department_a AND rr.department_b = k.department_b"
        "       AND rr.category = k.category AND rr.opened_at >= $4 AND r.merged_into IS NULL"
        "     ORDER BY rr.opened_at DESC LIMIT $5) AS found",
        [category for category, _, _ in unique],
        [a for _, a, _ in unique],
        [b for _, _, b in unique],
        since,
        per_key,
    )
    return [
        PriorRepair(
            repair_id=row["repair_id"],
            category=IncidentCategory(row["category"]),
            opened_at=row["opened_at"],
            relationships=tuple(relationship(*pair.split(" ")) for pair in row["pairs"]),
        )
        for row in rows
    ]
