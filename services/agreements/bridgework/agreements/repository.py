"""Agreements' SQL: repairs stored whole (opening facts in columns, the workflow as jsonb),
their incidents, relationships and the confidential conversation.

Writes take lists, so a consumer's batch is one statement per table, not one per event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter

from bridgework.agreements.domain import (
    Agreement,
    CheckIn,
    Closure,
    Participant,
    PriorRepair,
    Repair,
    RepairStatus,
    recorded_mode,
    relationship,
)
from bridgework.common.contracts import (
    ConversationRecordedV1,
    IncidentCategory,
    IncidentFacts,
    IncidentUpdatedV1,
    RelationshipPair,
)
from bridgework.common.postgres import Connection


@dataclass(frozen=True)
class _Workflow:
    """What happened in a repair since it opened: the `workflow` column's document."""

    participants: tuple[Participant, ...] = ()
    agreement: Agreement | None = None
    check_ins: tuple[CheckIn, ...] = ()
    closure: Closure | None = None


_WORKFLOW = TypeAdapter(_Workflow)


def workflow_document(repair: Repair) -> dict[str, Any]:
    """The repair's workflow as the JSON stored in `repairs.workflow`."""
    document: dict[str, Any] = _WORKFLOW.dump_python(
        _Workflow(
            participants=repair.participants,
            agreement=repair.agreement,
            check_ins=repair.check_ins,
            closure=repair.closure,
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


# --- incidents ----------------------------------------------------------------------------------


async def insert_new_incidents(
    connection: Connection, incidents: Sequence[IncidentFacts]
) -> set[UUID]:
    """Store incidents not known yet; return the ids that were new."""
    if not incidents:
        return set()
    # Bodies travel as JSON text (pydantic writes it in one step; Postgres makes it jsonb);
    # enum members are str, so they travel as they are.
    rows = await connection.fetch(
        "INSERT INTO incidents"
        " (incident_id, department, category, severity, occurred_at, reported_at, body, revision)"
        " SELECT u.incident_id, u.department, u.category, u.severity, u.occurred_at,"
        "        u.reported_at, u.body::jsonb, u.revision"
        " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[],"
        "             $6::timestamptz[], $7::text[], $8::int[])"
        "   AS u(incident_id, department, category, severity, occurred_at, reported_at, body,"
        "        revision)"
        " ON CONFLICT (incident_id) DO NOTHING RETURNING incident_id",
        [i.incident_id for i in incidents],
        [i.department for i in incidents],
        [i.category for i in incidents],
        [i.severity for i in incidents],
        [i.occurred_at for i in incidents],
        [i.reported_at for i in incidents],
        [i.model_dump_json() for i in incidents],
        [_revision(i) for i in incidents],
    )
    return {row["incident_id"] for row in rows}


def _revision(incident: IncidentFacts) -> int:
    return incident.revision if isinstance(incident, IncidentUpdatedV1) else 1


async def refresh_incidents(connection: Connection, updates: Sequence[IncidentUpdatedV1]) -> int:
    """Replace the copies of updated incidents with their newer revision; older news is ignored."""
    newest: dict[UUID, IncidentUpdatedV1] = {}
    for update in updates:
        known = newest.get(update.incident_id)
        if known is None or update.revision > known.revision:
            newest[update.incident_id] = update
    if not newest:
        return 0
    latest = list(newest.values())
    result: str = await connection.execute(
        "UPDATE incidents i SET department = u.department, category = u.category,"
        " severity = u.severity, occurred_at = u.occurred_at, body = u.body::jsonb,"
        " revision = u.revision"
        " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[],"
        "             $6::text[], $7::int[])"
        "   AS u(incident_id, department, category, severity, occurred_at, body, revision)"
        " WHERE i.incident_id = u.incident_id AND i.revision < u.revision",
        [u.incident_id for u in latest],
        [u.department for u in latest],
        [u.category.value for u in latest],
        [u.severity.value for u in latest],
        [u.occurred_at for u in latest],
        [u.model_dump_json() for u in latest],
        [u.revision for u in latest],
    )
    return int(result.split()[-1])


async def incidents_of(connection: Connection, repair_id: UUID) -> list[dict[str, Any]]:
    """The stored facts (latest revision) of a repair's incidents, oldest first."""
    rows = await connection.fetch(
        "SELECT i.body FROM repair_incidents ri JOIN incidents i USING (incident_id)"
        " WHERE ri.repair_id = $1 ORDER BY i.reported_at, i.incident_id",
        repair_id,
    )
    return [dict(row["body"]) for row in rows]


async def find_repair_of_incident(connection: Connection, incident_id: UUID) -> UUID | None:
    found: UUID | None = await connection.fetchval(
        "SELECT repair_id FROM repair_incidents WHERE incident_id = $1", incident_id
    )
    return found


async def move_incident(connection: Connection, incident_id: UUID, *, to_repair: UUID) -> None:
    """An incident now belongs to another repair (it was linked there)."""
    await connection.execute(
        "UPDATE repair_incidents SET repair_id = $2 WHERE incident_id = $1", incident_id, to_repair
    )


# --- repairs ------------------------------------------------------------------------------------


async def insert_repairs(connection: Connection, repairs: Sequence[Repair]) -> None:
    """Store newly opened repairs with their incidents and relationships (nothing has happened
    in them yet: their workflow starts as the column's empty default), in one statement."""
    if not repairs:
        return
    assert not any(r.participants or r.agreement or r.check_ins or r.closure for r in repairs)
    # One statement for the three tables: executing one per repair (executemany) cost Postgres
    # more than the rows themselves. A repair's two lists travel as comma-joined text (slugs
    # and uuids hold no comma; '' reads back as the empty array); enum members are str, so
    # they travel as they are.
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
    row = await connection.fetchrow(
        f"SELECT {_REPAIR_COLUMNS} FROM repairs r WHERE r.repair_id = $1", repair_id
    )
    return repair_from_row(row) if row else None


@dataclass(frozen=True)
class RepairSummary:
    """A repair as lists show it."""

    repair_id: UUID
    status: str
    category: str
    opened_at: datetime
    agreement_due_by: datetime
    departments: list[str]
    incident_ids: list[UUID]
    recorded_mode: str | None
    merged_into: UUID | None


async def list_repairs(
    connection: Connection,
    *,
    limit: int,
    before: datetime | None,
    before_id: UUID | None,
    status: str | None,
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
        status,
    )
    return [RepairSummary(**dict(row)) for row in rows]


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


# --- the conversation -------------------------------------------------------------------------


async def insert_conversation(
    connection: Connection, records: Sequence[ConversationRecordedV1], *, recorded_by: str
) -> None:
    """Keep participants' answers (confidential: read only through `conversation_of`)."""
    await connection.executemany(
        "INSERT INTO conversation_records"
        " (repair_id, person_id, department, role, answers, recorded_by, recorded_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [
            (
                r.repair_id,
                r.participant.person_id,
                r.participant.department,
                r.role.value,
                [a.model_dump(mode="json") for a in r.answers],
                recorded_by,
                r.recorded_at,
            )
            for r in records
        ],
    )


@dataclass(frozen=True)
class ConversationRecord:
    person_id: str
    department: str
    role: str
    answers: list[dict[str, str]]
    recorded_by: str
    recorded_at: datetime


async def conversation_of(connection: Connection, repair_id: UUID) -> list[ConversationRecord]:
    """Every record of a repair's conversation, oldest first."""
    rows = await connection.fetch(
        "SELECT person_id, department, role, answers, recorded_by, recorded_at"
        " FROM conversation_records WHERE repair_id = $1 ORDER BY record_id",
        repair_id,
    )
    return [ConversationRecord(**dict(row)) for row in rows]
