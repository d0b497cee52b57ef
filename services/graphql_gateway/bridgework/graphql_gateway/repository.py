"""The read model's SQL for the projection: load the state of repairs and incidents, save
what changed, and add the metric changes to the rollups. All of it batched: one statement
per table per batch, never one per event."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from bridgework.common.contracts import (
    CommitmentTerms,
    ConversationRecordedV1,
    IncidentReportedV1,
    IncidentUpdatedV1,
)
from bridgework.common.postgres import Connection
from bridgework.graphql_gateway.domain import (
    AgreementState,
    CheckInState,
    ClosedState,
    CommitmentState,
    ConsentState,
    ImposedState,
    IncidentState,
    NudgeState,
    Person,
    ProposalState,
    RepairState,
)
from bridgework.graphql_gateway.metrics import DepartmentKey, IncidentSummary, PairKey, week_start

Row = tuple[Any, ...]


def people_json(people: Iterable[Person]) -> list[dict[str, str]]:
    return [{"person_id": p.person_id, "department": p.department} for p in people]


def people_of(value: Sequence[Mapping[str, str]] | None) -> tuple[Person, ...]:
    return tuple(Person(p["person_id"], p["department"]) for p in value or ())


async def lock(connection: Connection, keys: Iterable[str]) -> None:
    """Serialise replicas that touch the same repairs or incidents (held until commit).

    Taken in sorted order; a deadlock between two lock rounds is retried by the consumer.
    """
    ordered = sorted(set(keys))
    if ordered:
        await connection.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(k, 0))"
            " FROM unnest($1::text[]) WITH ORDINALITY AS t(k, n) ORDER BY n",
            ordered,
        )


async def repairs_of_incidents(connection: Connection, incident_ids: Sequence[UUID]) -> set[UUID]:
    rows = await connection.fetch(
        "SELECT DISTINCT repair_id FROM repair_incidents WHERE incident_id = ANY($1::uuid[])",
        incident_ids,
    )
    return {row["repair_id"] for row in rows}


async def repairs_recurring(connection: Connection, repair_ids: Sequence[UUID]) -> set[UUID]:
    """Repairs that name any of `repair_ids` as an earlier repair of the same matter."""
    rows = await connection.fetch(
        "SELECT repair_id FROM repair_recurrences WHERE earlier_id = ANY($1::uuid[])", repair_ids
    )
    return {row["repair_id"] for row in rows}


async def opened_at_of(connection: Connection, repair_ids: Sequence[UUID]) -> dict[UUID, datetime]:
    rows = await connection.fetch(
        "SELECT repair_id, opened_at FROM repairs"
        " WHERE repair_id = ANY($1::uuid[]) AND opened_at IS NOT NULL",
        repair_ids,
    )
    return {row["repair_id"]: row["opened_at"] for row in rows}


async def incident_summaries(
    connection: Connection, incident_ids: Sequence[UUID]
) -> dict[UUID, IncidentSummary]:
    rows = await connection.fetch(
        "SELECT incident_id, reported_at, responsible, affected_people FROM incidents"
        " WHERE incident_id = ANY($1::uuid[])",
        incident_ids,
    )
    return {
        row["incident_id"]: IncidentSummary(
            reported_at=row["reported_at"],
            named_people=frozenset(
                p["person_id"] for p in [*row["responsible"], *row["affected_people"]]
            ),
        )
        for row in rows
    }


# --- incidents --------------------------------------------------------------------------


async def load_incidents(
    connection: Connection, incident_ids: Sequence[UUID]
) -> dict[UUID, IncidentState]:
    rows = await connection.fetch(
        "SELECT incident_id, revision, facts FROM incidents"
        " WHERE incident_id = ANY($1::uuid[]) AND facts IS NOT NULL",
        incident_ids,
    )
    states: dict[UUID, IncidentState] = {}
    for row in rows:
        model = IncidentUpdatedV1 if row["revision"] > 1 else IncidentReportedV1
        facts = model.model_validate(row["facts"])
        states[row["incident_id"]] = IncidentState(row["incident_id"], row["revision"], facts)
    return states


async def save_incidents(connection: Connection, incidents: Sequence[IncidentState]) -> None:
    if not incidents:
        return
    rows = []
    for state in incidents:
        f = state.facts
        facts = f.model_dump(mode="json")  # once: the columns below reuse its parts
        answers = facts.get("answers")
        rows.append(
            (
                f.incident_id,
                f.department,
                f.category.value,
                f.severity.value,
                f.summary,
                f.occurred_at,
                f.reported_at,
                f.source.tool,
                f.source.reference,
                state.revision,
                f.response_mode.value if f.response_mode else None,
                list(f.affected_departments),
                facts["responsible"],
                facts["affected_people"],
                {k: v for k, v in answers.items() if v is not None} if answers else None,
                f.source.url,
                f.updated_at if isinstance(f, IncidentUpdatedV1) else None,
                facts,
            )
        )
    await connection.executemany(
        "INSERT INTO incidents (incident_id, department, category, severity, summary,"
        " occurred_at, reported_at, source_tool, source_ref, revision, response_mode,"
        " affected_departments, responsible, affected_people, answers, source_url, updated_at,"
        " facts) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,"
        " $16, $17, $18)"
        " ON CONFLICT (incident_id) DO UPDATE SET department = EXCLUDED.department,"
        " category = EXCLUDED.category, severity = EXCLUDED.severity,"
        " summary = EXCLUDED.summary, occurred_at = EXCLUDED.occurred_at,"
        " reported_at = EXCLUDED.reported_at, source_tool = EXCLUDED.source_tool,"
        " source_ref = EXCLUDED.source_ref, revision = EXCLUDED.revision,"
        " response_mode = EXCLUDED.response_mode,"
        " affected_departments = EXCLUDED.affected_departments,"
        " responsible = EXCLUDED.responsible, affected_people = EXCLUDED.affected_people,"
        " answers = EXCLUDED.answers, source_url = EXCLUDED.source_url,"
        " updated_at = EXCLUDED.updated_at, facts = EXCLUDED.facts",
        rows,
    )


# --- repairs: loading -------------------------------------------------------------------


async def load_repairs(
    connection: Connection, repair_ids: Sequence[UUID]
) -> dict[UUID, RepairState]:
    """The whole state of each repair (an empty state for a repair not seen yet)."""
    states = {repair_id: RepairState(repair_id=repair_id) for repair_id in repair_ids}
    ids = list(repair_ids)
    for row in await connection.fetch(
        "SELECT * FROM repairs WHERE repair_id = ANY($1::uuid[])", ids
    ):
        state = states[row["repair_id"]]
        state.opened_at = row["opened_at"]
        state.category = row["category"]
        state.departments = tuple(row["departments"])
        state.recurrence_of = tuple(row["recurrence_of"])
        state.agreement_due_by = row["agreement_due_by"]
        if row["imposed"] is not None:
            imposed = row["imposed"]
            state.imposed = ImposedState(
                decided_by=people_of([imposed["decided_by"]])[0],
                response_mode=imposed["response_mode"],
                reason=imposed["reason"],
                imposed_at=datetime.fromisoformat(imposed["imposed_at"]),
            )
        if row["closed"] is not None:
            closed = row["closed"]
            state.closed = ClosedState(
                outcome=closed["outcome"],
                reason_code=closed["reason_code"],
                reason=closed["reason"],
                response_mode=closed["response_mode"],
                closed_at=datetime.fromisoformat(closed["closed_at"]),
            )
    for row in await connection.fetch(
        "SELECT repair_id, department_a, department_b FROM repair_relationships"
        " WHERE repair_id = ANY($1::uuid[]) ORDER BY department_a, department_b",
        ids,
    ):
        state = states[row["repair_id"]]
        state.relationships = (*state.relationships, (row["department_a"], row["department_b"]))
    for row in await connection.fetch(
        "SELECT repair_id, incident_id, linked_at FROM repair_incidents"
        " WHERE repair_id = ANY($1::uuid[])",
        ids,
    ):
        states[row["repair_id"]].incidents[row["incident_id"]] = row["linked_at"]
    for row in await connection.fetch(
        "SELECT * FROM participants WHERE repair_id = ANY($1::uuid[])", ids
    ):
        person = Person(row["person_id"], row["department"])
        states[row["repair_id"]].participants[(row["person_id"], row["role"])] = (
            person,
            row["joined_at"],
        )
    await _load_agreement_parts(connection, ids, states)
    await _load_followup_parts(connection, ids, states)
    return states


async def _load_agreement_parts(
    connection: Connection, ids: list[UUID], states: dict[UUID, RepairState]
) -> None:
    for row in await connection.fetch(
        "SELECT * FROM proposals WHERE repair_id = ANY($1::uuid[])", ids
    ):
        states[row["repair_id"]].proposals[(row["agreement_id"], row["version"])] = ProposalState(
            agreement_id=row["agreement_id"],
            version=row["version"],
            proposed_by=people_of([row["proposed_by"]])[0],
            proposed_at=row["proposed_at"],
            consent_required_from=people_of(row["consent_required_from"]),
            commitments=tuple(CommitmentTerms.model_validate(c) for c in row["commitments"]),
        )
    for row in await connection.fetch(
        "SELECT * FROM consents WHERE repair_id = ANY($1::uuid[])", ids
    ):
        key = (row["agreement_id"], row["version"], row["person_id"])
        states[row["repair_id"]].consents[key] = ConsentState(
            agreement_id=row["agreement_id"],
            version=row["version"],
            person=Person(row["person_id"], row["department"]),
            role=row["role"],
            decision=row["decision"],
            reason=row["reason"],
            decided_at=row["decided_at"],
        )
    for row in await connection.fetch(
        "SELECT * FROM agreements WHERE repair_id = ANY($1::uuid[])", ids
    ):
        states[row["repair_id"]].agreements[row["agreement_id"]] = AgreementState(
            agreement_id=row["agreement_id"],
            version=row["version"],
            reached_at=row["reached_at"],
            first_reached_at=row["first_reached_at"],
            response_mode=row["response_mode"],
            consented_by=people_of(row["consented_by"]),
        )
    for row in await connection.fetch(
        "SELECT * FROM commitments WHERE repair_id = ANY($1::uuid[])", ids
    ):
        states[row["repair_id"]].commitments[row["commitment_id"]] = CommitmentState(
            commitment_id=row["commitment_id"],
            repair_id=row["repair_id"],
            agreement_id=row["agreement_id"],
            terms_version=row["terms_version"],
            owner=Person(row["owner_id"], row["owner_department"]),
            owed_to=people_of(row["owed_to"]),
            owed_to_departments=tuple(row["owed_to_departments"]),
            action=row["action"],
            due_at=row["due_at"],
            in_force_at=row["in_force_at"],
            renegotiation_reason=row["renegotiation_reason"],
            kept_at=row["kept_at"],
            kept_on_time=row["kept_on_time"],
            lapsed_terms_version=row["lapsed_terms_version"],
            lapsed_at=row["lapsed_at"],
            lapse_count=row["lapse_count"],
            released_at=row["released_at"],
            release_reason=row["release_reason"],
        )


async def _load_followup_parts(
    connection: Connection, ids: list[UUID], states: dict[UUID, RepairState]
) -> None:
    for row in await connection.fetch(
        "SELECT * FROM nudges WHERE repair_id = ANY($1::uuid[])", ids
    ):
        states[row["repair_id"]].nudges[row["nudge_id"]] = NudgeState(
            nudge_id=row["nudge_id"],
            kind=row["kind"],
            commitment_id=row["commitment_id"],
            terms_version=row["terms_version"],
            recipient=Person(row["recipient_id"], row["recipient_department"]),
            channels=tuple(row["channels"]),
            sent_at=row["sent_at"],
        )
    for row in await connection.fetch(
        "SELECT * FROM check_ins WHERE repair_id = ANY($1::uuid[])", ids
    ):
        states[row["repair_id"]].check_ins[row["check_in_id"]] = CheckInState(
            check_in_id=row["check_in_id"],
            person=Person(row["person_id"], row["department"]),
            outcome=row["outcome"],
            comment=row["comment"],
            recorded_at=row["recorded_at"],
        )


# --- repairs: saving --------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One read-model table as the projection writes it: an upsert keyed by `key`."""

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]

    def upsert(self) -> str:
        placeholders = ", ".join(f"${n}" for n in range(1, len(self.columns) + 1))
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in self.columns if c not in self.key)
        action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
        return (
            f"INSERT INTO {self.name} ({', '.join(self.columns)}) VALUES ({placeholders})"
            f" ON CONFLICT ({', '.join(self.key)}) {action}"
        )


REPAIRS = Table(
    "repairs",
    (
        "repair_id", "status", "opened_at", "departments", "category", "agreement_due_by",
        "recurrence_of", "response_mode", "decided_at", "first_reported_at", "first_reached_at",
        "confirmed_at", "imposed", "closed", "closed_at", "outcome",
    ),
    ("repair_id",),
)  # fmt: skip
REPAIR_INCIDENTS = Table(
    "repair_incidents", ("repair_id", "incident_id", "linked_at"), ("repair_id", "incident_id")
)
RECURRENCES = Table("repair_recurrences", ("earlier_id", "repair_id"), ("earlier_id", "repair_id"))
RELATIONSHIPS = Table(
    "repair_relationships",
    ("repair_id", "department_a", "department_b"),
    ("repair_id", "department_a", "department_b"),
)
PARTICIPANTS = Table(
    "participants",
    ("repair_id", "person_id", "department", "role", "joined_at"),
    ("repair_id", "person_id", "role"),
)
PROPOSALS = Table(
    "proposals",
    (
        "agreement_id", "version", "repair_id", "proposed_by", "proposed_at",
        "consent_required_from", "commitments",
    ),
    ("agreement_id", "version"),
)  # fmt: skip
CONSENTS = Table(
    "consents",
    (
        "agreement_id", "version", "person_id", "repair_id", "department", "role", "decision",
        "reason", "decided_at",
    ),
    ("agreement_id", "version", "person_id"),
)  # fmt: skip
AGREEMENTS = Table(
    "agreements",
    (
        "agreement_id", "repair_id", "version", "reached_at", "first_reached_at",
        "response_mode", "consented_by",
    ),
    ("agreement_id",),
)  # fmt: skip
COMMITMENTS = Table(
    "commitments",
    (
        "commitment_id", "repair_id", "agreement_id", "terms_version", "owner_id",
        "owner_department", "owed_to", "owed_to_departments", "action", "due_at", "in_force_at",
        "renegotiation_reason", "kept_at", "kept_on_time", "lapsed_terms_version", "lapsed_at",
        "lapse_count", "released_at", "release_reason", "status",
    ),
    ("commitment_id",),
)  # fmt: skip
NUDGES = Table(
    "nudges",
    (
        "nudge_id", "repair_id", "kind", "commitment_id", "terms_version", "recipient_id",
        "recipient_department", "channels", "sent_at",
    ),
    ("nudge_id",),
)  # fmt: skip
CHECK_INS = Table(
    "check_ins",
    ("check_in_id", "repair_id", "person_id", "department", "outcome", "comment", "recorded_at"),
    ("check_in_id",),
)


def _repair_row(state: RepairState, first_reported_at: datetime | None) -> Row:
    decision = state.decision()
    imposed = state.imposed
    closed = state.closed
    return (
        state.repair_id,
        state.status,
        state.opened_at,
        list(state.departments),
        state.category,
        state.agreement_due_by,
        list(state.recurrence_of),
        state.response_mode,
        decision[0] if decision else None,
        first_reported_at,
        state.first_reached_at,
        state.confirmed_at,
        None
        if imposed is None
        else {
            "decided_by": people_json([imposed.decided_by])[0],
            "response_mode": imposed.response_mode,
            "reason": imposed.reason,
            "imposed_at": imposed.imposed_at.isoformat(),
        },
        None
        if closed is None
        else {
            "outcome": closed.outcome,
            "reason_code": closed.reason_code,
            "reason": closed.reason,
            "response_mode": closed.response_mode,
            "closed_at": closed.closed_at.isoformat(),
        },
        closed.closed_at if closed else None,
        closed.outcome if closed else None,
    )


def _rows(state: RepairState, first_reported_at: datetime | None) -> dict[Table, dict[Row, Row]]:
    """Every row of one repair, by table and primary key."""
    rid = state.repair_id
    tables: dict[Table, dict[Row, Row]] = {}

    def put(table: Table, row: Row) -> None:
        key = tuple(row[table.columns.index(c)] for c in table.key)
        tables.setdefault(table, {})[key] = row

    if state.opened_at is not None or state.imposed or state.closed:
        put(REPAIRS, _repair_row(state, first_reported_at))
    for incident_id, linked_at in state.incidents.items():
        put(REPAIR_INCIDENTS, (rid, incident_id, linked_at))
    for earlier_id in state.recurrence_of:
        put(RECURRENCES, (earlier_id, rid))
    for department_a, department_b in state.relationships:
        put(RELATIONSHIPS, (rid, department_a, department_b))
    for (person_id, role), (person, joined_at) in state.participants.items():
        put(PARTICIPANTS, (rid, person_id, person.department, role, joined_at))
    for p in state.proposals.values():
        put(
            PROPOSALS,
            (
                p.agreement_id,
                p.version,
                rid,
                people_json([p.proposed_by])[0],
                p.proposed_at,
                people_json(p.consent_required_from),
                [c.model_dump(mode="json") for c in p.commitments],
            ),
        )
    for c in state.consents.values():
        put(
            CONSENTS,
            (
                c.agreement_id,
                c.version,
                c.person.person_id,
                rid,
                c.person.department,
                c.role,
                c.decision,
                c.reason,
                c.decided_at,
            ),
        )
    for a in state.agreements.values():
        put(
            AGREEMENTS,
            (
                a.agreement_id,
                rid,
                a.version,
                a.reached_at,
                a.first_reached_at,
                a.response_mode,
                people_json(a.consented_by),
            ),
        )
    for m in state.commitments.values():
        put(
            COMMITMENTS,
            (
                m.commitment_id,
                rid,
                m.agreement_id,
                m.terms_version,
                m.owner.person_id,
                m.owner.department,
                people_json(m.owed_to),
                list(m.owed_to_departments),
                m.action,
                m.due_at,
                m.in_force_at,
                m.renegotiation_reason,
                m.kept_at,
                m.kept_on_time,
                m.lapsed_terms_version,
                m.lapsed_at,
                m.lapse_count,
                m.released_at,
                m.release_reason,
                m.status,
            ),
        )
    for n in state.nudges.values():
        put(
            NUDGES,
            (
                n.nudge_id,
                rid,
                n.kind,
                n.commitment_id,
                n.terms_version,
                n.recipient.person_id,
                n.recipient.department,
                list(n.channels),
                n.sent_at,
            ),
        )
    for k in state.check_ins.values():
        put(
            CHECK_INS,
            (
                k.check_in_id,
                rid,
                k.person.person_id,
                k.person.department,
                k.outcome,
                k.comment,
                k.recorded_at,
            ),
        )
    return tables


async def save_repairs(
    connection: Connection,
    changed: Iterable[tuple[RepairState, RepairState]],
    first_reported_at: Mapping[UUID, datetime | None],
    first_reported_before: Mapping[UUID, datetime | None],
) -> None:
    """Write the rows that differ between each repair's state before and after the batch."""
    writes: dict[Table, list[Row]] = {}
    for before, after in changed:
        old = _rows(before, first_reported_before.get(before.repair_id))
        new = _rows(after, first_reported_at.get(after.repair_id))
        for table, rows in new.items():
            previous = old.get(table, {})
            writes.setdefault(table, []).extend(
                row for key, row in rows.items() if previous.get(key) != row
            )
    for table, changed_rows in writes.items():
        if changed_rows:
            await connection.executemany(table.upsert(), changed_rows)


async def record_conversations(
    connection: Connection, conversations: Sequence[ConversationRecordedV1]
) -> None:
    if not conversations:
        return
    await connection.executemany(
        "INSERT INTO conversations (repair_id, person_id, department, role, answers, recorded_at)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        [
            (
                c.repair_id,
                c.participant.person_id,
                c.participant.department,
                c.role.value,
                [a.model_dump(mode="json") for a in c.answers],
                c.recorded_at,
            )
            for c in conversations
        ],
    )


async def record_departments(connection: Connection, first_seen: Mapping[str, datetime]) -> None:
    if not first_seen:
        return
    slugs = sorted(first_seen)
    await connection.execute(
        "INSERT INTO departments (slug, first_seen_at)"
        " SELECT * FROM unnest($1::text[], $2::timestamptz[])"
        " ON CONFLICT (slug) DO UPDATE"
        " SET first_seen_at = LEAST(departments.first_seen_at, EXCLUDED.first_seen_at)",
        slugs,
        [first_seen[s] for s in slugs],
    )


# --- rollups ----------------------------------------------------------------------------


def _month(day: date) -> date:
    return day.replace(day=1)


async def add_to_rollups(
    connection: Connection,
    departments: Mapping[DepartmentKey, int],
    pairs: Mapping[PairKey, int],
) -> None:
    """Add the changes at every grain (day and month; pairs also by week) and drop counts
    that reach zero, so the rollups hold exactly what a replay from scratch would write."""
    by_grain: dict[tuple[str, str, str, date, str], int] = {}
    for (metric, department, day, key), change in departments.items():
        for grain, bucket in (("d", day), ("m", _month(day))):
            slot = (metric, department, grain, bucket, key)
            by_grain[slot] = by_grain.get(slot, 0) + change
    pair_grain: dict[tuple[str, date, str, str, str], int] = {}
    for (a, b, day, key), change in pairs.items():
        for grain, bucket in (("d", day), ("w", week_start(day)), ("m", _month(day))):
            pair_slot = (grain, bucket, a, b, key)
            pair_grain[pair_slot] = pair_grain.get(pair_slot, 0) + change
    department_rows = sorted((*k, v) for k, v in by_grain.items() if v)
    pair_rows = sorted((*k, v) for k, v in pair_grain.items() if v)
    await _upsert_counts(
        connection,
        table="dashboard_counts",
        columns=("metric", "department", "grain", "day", "key"),
        types=("text", "text", "text", "date", "text"),
        rows=department_rows,
    )
    await _upsert_counts(
        connection,
        table="relationship_counts",
        columns=("grain", "day", "department_a", "department_b", "key"),
        types=("text", "date", "text", "text", "text"),
        rows=pair_rows,
    )


async def _upsert_counts(
    connection: Connection,
    *,
    table: str,
    columns: tuple[str, ...],
    types: tuple[str, ...],
    rows: list[tuple[Any, ...]],
) -> None:
    if not rows:
        return
    names = ", ".join(columns)
    staging = f"{table}_changes"
    # COPY into a per-connection staging table, then one upsert from it: about twice as
    # fast here as binding the changes as arrays (the upsert itself dominates either way).
    definition = ", ".join(f"{c} {t}" for c, t in zip(columns, types, strict=True))
    await connection.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {staging} ({definition}, value bigint)"
        " ON COMMIT DELETE ROWS"
    )
    await connection.copy_records_to_table(staging, records=rows)
    # Sorted, so two replicas adding to the same counts lock them in one order.
    emptied = await connection.fetch(
        f"WITH changed AS (INSERT INTO {table} AS c ({names}, value)"
        f" SELECT {names}, value FROM {staging} ORDER BY {names}"
        f" ON CONFLICT ({names}) DO UPDATE SET value = c.value + EXCLUDED.value"
        f" RETURNING {names}, value) SELECT {names} FROM changed WHERE value = 0"
    )
    if emptied:
        keys = [list(column) for column in zip(*[tuple(r) for r in emptied], strict=True)]
        matches = " AND ".join(f"t.{c} = z.{c}" for c in columns)
        zipped = ", ".join(f"${n}::{t}[]" for n, t in enumerate(types, start=1))
        await connection.execute(
            f"DELETE FROM {table} t USING unnest({zipped}) AS z({names})"
            f" WHERE {matches} AND t.value = 0",
            *keys,
        )
