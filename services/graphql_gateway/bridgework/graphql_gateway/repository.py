"""The read model's SQL for the projection: load the state of repairs and incidents, save
what changed, and add the metric changes to the rollups. All of it batched: one statement
per table per batch, never one per event."""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
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


def id_list(ids: Iterable[UUID]) -> str:
    """Ids as one text parameter (`string_to_array($n, ',')::uuid[]` in SQL): asyncpg checks
    every element of an array parameter for nesting, ~1 us per id; hex() is a third of it."""
    return ",".join([i.hex for i in ids])


async def lock(
    connection: Connection, incident_ids: Iterable[UUID], repair_ids: Iterable[UUID]
) -> None:
    """Serialise replicas that touch the same repairs or incidents (held until commit).

    The keys are `gateway:i:<incident id>` and `gateway:r:<repair id>`, taken in their
    byte order; Postgres spells them (str() of a few hundred UUIDs per batch was a
    visible share of the projection's CPU). A deadlock between two lock rounds is
    retried by the consumer.
    """
    incidents, repairs = id_list(incident_ids), id_list(repair_ids)
    if incidents or repairs:
        await connection.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM ("
            " SELECT 'gateway:i:' || i AS k FROM unnest(string_to_array($1, ',')::uuid[]) AS i"
            " UNION SELECT 'gateway:r:' || r FROM unnest(string_to_array($2, ',')::uuid[]) AS r"
            ' ) AS keys ORDER BY k COLLATE "C"',
            incidents,
            repairs,
        )


async def dependent_repairs(
    connection: Connection, incident_ids: Sequence[UUID], opened_ids: Sequence[UUID]
) -> set[UUID]:
    """The repairs whose numbers depend on the batch beyond their own events: those of
    `incident_ids` (their first report and named people), and those naming any of
    `opened_ids` as an earlier repair of the same matter (their recurrence). One round trip,
    none when the batch can have no such repairs."""
    if not incident_ids and not opened_ids:
        return set()
    rows = await connection.fetch(
        "SELECT repair_id FROM repair_incidents"
        " WHERE incident_id = ANY(string_to_array($1, ',')::uuid[])"
        " UNION SELECT repair_id FROM repair_recurrences"
        " WHERE earlier_id = ANY(string_to_array($2, ',')::uuid[])",
        id_list(incident_ids),
        id_list(opened_ids),
    )
    return {row[0] for row in rows}


async def opened_at_of(connection: Connection, repair_ids: Sequence[UUID]) -> dict[UUID, datetime]:
    if not repair_ids:
        return {}
    rows = await connection.fetch(
        "SELECT repair_id, opened_at FROM repairs"
        " WHERE repair_id = ANY(string_to_array($1, ',')::uuid[]) AND opened_at IS NOT NULL",
        id_list(repair_ids),
    )
    return {row[0]: row[1] for row in rows}


# --- incidents --------------------------------------------------------------------------


async def load_incidents(
    connection: Connection, incident_ids: Sequence[UUID], *, with_state: Iterable[UUID] = ()
) -> tuple[dict[UUID, IncidentState], dict[UUID, IncidentSummary]]:
    """What a repair's numbers need of each of `incident_ids` (those stored), and the whole
    state of those of them in `with_state` (the batch's own, to fold into). One round trip;
    the people's ids are picked out of the JSON by Postgres."""
    if not incident_ids:
        return {}, {}
    rows = await connection.fetch(
        "SELECT i.incident_id, i.reported_at,"
        " ARRAY(SELECT p->>'person_id' FROM jsonb_array_elements(responsible || affected_people)"
        " AS p) AS named, i.revision, CASE WHEN s.id IS NOT NULL THEN i.facts END AS facts"
        # A join, not `= ANY(...)` in the select list: that parsed the id list once per row.
        " FROM incidents AS i LEFT JOIN unnest(string_to_array($2, ',')::uuid[]) AS s(id)"
        " ON s.id = i.incident_id WHERE i.incident_id = ANY(string_to_array($1, ',')::uuid[])",
        id_list(incident_ids),
        id_list(with_state),
    )
    states: dict[UUID, IncidentState] = {}
    summaries: dict[UUID, IncidentSummary] = {}
    for incident_id, reported_at, named, revision, facts in rows:
        summaries[incident_id] = IncidentSummary(reported_at, frozenset(named))
        if facts is not None:
            model = IncidentUpdatedV1 if revision > 1 else IncidentReportedV1
            states[incident_id] = IncidentState(incident_id, revision, model.model_validate(facts))
    return states, summaries


def _incident_row(state: IncidentState) -> Row:
    f = state.facts
    return (
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
        ",".join(f.affected_departments),  # slugs hold no comma
        f.source.url,
        f.updated_at if isinstance(f, IncidentUpdatedV1) else None,
        # The whole facts as JSON once (pydantic's own serialiser); `responsible`,
        # `affected_people` and `answers` (without its empty answers) are cut from it there.
        f.model_dump_json(),
    )


async def save_incidents(connection: Connection, incidents: Sequence[IncidentState]) -> None:
    if not incidents:
        return
    rows = {state.incident_id: _incident_row(state) for state in incidents}
    await connection.execute(
        "INSERT INTO incidents (incident_id, department, category, severity, summary,"
        " occurred_at, reported_at, source_tool, source_ref, revision, response_mode,"
        " affected_departments, responsible, affected_people, answers, source_url, updated_at,"
        " facts)"
        " SELECT incident_id, department, category, severity, summary, occurred_at,"
        " reported_at, source_tool, source_ref, revision, response_mode,"
        " string_to_array(affected_departments, ','), f->'responsible', f->'affected_people',"
        " CASE WHEN jsonb_typeof(f->'answers') = 'object'"
        " THEN jsonb_strip_nulls(f->'answers') END, source_url, updated_at, f"
        " FROM (SELECT *, facts::jsonb AS f FROM unnest($1::uuid[], $2::text[], $3::text[],"
        " $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[], $9::text[],"
        " $10::int[], $11::text[], $12::text[], $13::text[], $14::timestamptz[], $15::text[])"
        " AS t(incident_id, department, category, severity, summary, occurred_at, reported_at,"
        " source_tool, source_ref, revision, response_mode, affected_departments, source_url,"
        " updated_at, facts)) AS batch"
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
        *(list(column) for column in zip(*rows.values(), strict=True)),
    )


# --- repairs: loading -------------------------------------------------------------------


async def load_repairs(
    connection: Connection, repair_ids: Sequence[UUID]
) -> dict[UUID, RepairState]:
    """The whole state of each repair that has any stored row (repairs not seen yet are
    left out: the caller starts them empty, with nothing to compare or subtract)."""
    found: dict[UUID, RepairState] = {}

    def state_of(repair_id: UUID) -> RepairState:
        state = found.get(repair_id)
        if state is None:
            state = found[repair_id] = RepairState(repair_id=repair_id)
        return state

    ids = id_list(repair_ids)  # once: binding a uuid[] cost ~1 us per id, per query
    for row in await connection.fetch(
        # The state's columns only (the derived ones are recomputed): asyncpg takes ~1.4 us
        # to decode a timestamptz.
        "SELECT repair_id, opened_at, category, departments, recurrence_of, agreement_due_by,"
        " imposed, closed FROM repairs"
        " WHERE repair_id = ANY(string_to_array($1, ',')::uuid[])",
        ids,
    ):
        state = state_of(row["repair_id"])
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
        " WHERE repair_id = ANY(string_to_array($1, ',')::uuid[]) ORDER BY department_a, department_b",
        ids,
    ):
        state = state_of(row["repair_id"])
        state.relationships = (*state.relationships, (row["department_a"], row["department_b"]))
    for row in await connection.fetch(
        "SELECT repair_id, incident_id, linked_at FROM repair_incidents"
        " WHERE repair_id = ANY(string_to_array($1, ',')::uuid[])",
        ids,
    ):
        state_of(row["repair_id"]).incidents[row["incident_id"]] = row["linked_at"]
    for row in await connection.fetch(
        "SELECT * FROM participants WHERE repair_id = ANY(string_to_array($1, ',')::uuid[])", ids
    ):
        person = Person(row["person_id"], row["department"])
        state_of(row["repair_id"]).participants[(row["person_id"], row["role"])] = (
            person,
            row["joined_at"],
        )
    await _load_agreement_parts(connection, ids, state_of)
    await _load_followup_parts(connection, ids, state_of)
    return found


async def _load_agreement_parts(
    connection: Connection, ids: str, state_of: Callable[[UUID], RepairState]
) -> None:
    for row in await connection.fetch(
        "SELECT * FROM proposals WHERE repair_id = ANY(string_to_array($1, ',')::uuid[])", ids
    ):
        state_of(row["repair_id"]).proposals[(row["agreement_id"], row["version"])] = ProposalState(
            agreement_id=row["agreement_id"],
            version=row["version"],
            proposed_by=people_of([row["proposed_by"]])[0],
            proposed_at=row["proposed_at"],
            consent_required_from=people_of(row["consent_required_from"]),
            commitments=tuple(CommitmentTerms.model_validate(c) for c in row["commitments"]),
        )
    for row in await connection.fetch(
        "SELECT * FROM consents WHERE repair_id = ANY(string_to_array($1, ',')::uuid[])", ids
    ):
        key = (row["agreement_id"], row["version"], row["person_id"])
        state_of(row["repair_id"]).consents[key] = ConsentState(
            agreement_id=row["agreement_id"],
            version=row["version"],
            person=Person(row["person_id"], row["department"]),
            role=row["role"],
            decision=row["decision"],
            reason=row["reason"],
            decided_at=row["decided_at"],
        )
    for row in await connection.fetch(
        "SELECT * FROM agreements WHERE repair_id = ANY(string_to_array($1, ',')::uuid[])", ids
    ):
        state_of(row["repair_id"]).agreements[row["agreement_id"]] = AgreementState(
            agreement_id=row["agreement_id"],
            version=row["version"],
            reached_at=row["reached_at"],
            first_reached_at=row["first_reached_at"],
            response_mode=row["response_mode"],
            consented_by=people_of(row["consented_by"]),
        )
    for row in await connection.fetch(
        "SELECT * FROM commitments WHERE repair_id = ANY(string_to_array($1, ',')::uuid[])", ids
    ):
        state_of(row["repair_id"]).commitments[row["commitment_id"]] = CommitmentState(
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
    connection: Connection, ids: str, state_of: Callable[[UUID], RepairState]
) -> None:
    for row in await connection.fetch(
        "SELECT * FROM nudges WHERE repair_id = ANY(string_to_array($1, ',')::uuid[])", ids
    ):
        state_of(row["repair_id"]).nudges[row["nudge_id"]] = NudgeState(
            nudge_id=row["nudge_id"],
            kind=row["kind"],
            commitment_id=row["commitment_id"],
            terms_version=row["terms_version"],
            recipient=Person(row["recipient_id"], row["recipient_department"]),
            channels=tuple(row["channels"]),
            sent_at=row["sent_at"],
        )
    for row in await connection.fetch(
        "SELECT * FROM check_ins WHERE repair_id = ANY(string_to_array($1, ',')::uuid[])", ids
    ):
        state_of(row["repair_id"]).check_ins[row["check_in_id"]] = CheckInState(
            check_in_id=row["check_in_id"],
            person=Person(row["person_id"], row["department"]),
            outcome=row["outcome"],
            comment=row["comment"],
            recorded_at=row["recorded_at"],
        )


# --- repairs: saving --------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One read-model table as the projection writes it: an upsert keyed by `key`.

    A batch's rows are COPYed (binary) into a per-connection staging table, then upserted
    from it in one statement. Binding them as arrays for unnest() instead cost ~1-2 us of
    client CPU per cell (asyncpg checks every array element for nesting); executemany ran
    the upsert once per row on the server."""

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    types: tuple[str, ...]

    def __post_init__(self) -> None:
        assert len(self.types) == len(self.columns), self.name

    @functools.cached_property
    def key_of(self) -> Callable[[Row], Any]:
        """The row's primary key (rows of one key in one statement: the last one wins)."""
        return operator.itemgetter(*(self.columns.index(c) for c in self.key))

    @functools.cached_property
    def staging(self) -> str:
        """The staging table's DDL (jsonb travels as text: asyncpg's json codec is text-only)."""
        columns = ", ".join(
            f'"{c}" {"text" if t == "jsonb" else t}'
            for c, t in zip(self.columns, self.types, strict=True)
        )
        return (
            f"CREATE TEMP TABLE IF NOT EXISTS {self.name}_staged ({columns}) ON COMMIT DELETE ROWS"
        )

    @functools.cached_property
    def statement(self) -> str:
        names = ", ".join(f'"{c}"' for c in self.columns)
        values = ", ".join(
            f'"{c}"::jsonb' if t == "jsonb" else f'"{c}"'
            for c, t in zip(self.columns, self.types, strict=True)
        )
        updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in self.columns if c not in self.key)
        action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
        return (
            f"INSERT INTO {self.name} ({names}) SELECT {values} FROM {self.name}_staged"
            f" ON CONFLICT ({', '.join(self.key)}) {action}"
        )

    @functools.cached_property
    def _json_columns(self) -> tuple[int, ...]:
        return tuple(n for n, t in enumerate(self.types) if t == "jsonb")

    def encoded(self, rows: Iterable[Row]) -> list[Row]:
        json_columns = self._json_columns
        if not json_columns:
            return list(rows)
        encoded = []
        for row in rows:
            cells = list(row)
            for n in json_columns:
                if cells[n] is not None:
                    cells[n] = json.dumps(cells[n])
            encoded.append(tuple(cells))
        return encoded


REPAIRS = Table(
    "repairs",
    (
        "repair_id", "status", "opened_at", "departments", "category", "agreement_due_by",
        "recurrence_of", "response_mode", "decided_at", "first_reported_at", "first_reached_at",
        "confirmed_at", "imposed", "closed", "closed_at", "outcome",
    ),
    ("repair_id",),
    (
        "uuid", "text", "timestamptz", "text[]", "text", "timestamptz", "uuid[]", "text",
        "timestamptz", "timestamptz", "timestamptz", "timestamptz", "jsonb", "jsonb",
        "timestamptz", "text",
    ),
)  # fmt: skip
REPAIR_INCIDENTS = Table(
    "repair_incidents",
    ("repair_id", "incident_id", "linked_at"),
    ("repair_id", "incident_id"),
    ("uuid", "uuid", "timestamptz"),
)
RECURRENCES = Table(
    "repair_recurrences", ("earlier_id", "repair_id"), ("earlier_id", "repair_id"), ("uuid", "uuid")
)
RELATIONSHIPS = Table(
    "repair_relationships",
    ("repair_id", "department_a", "department_b"),
    ("repair_id", "department_a", "department_b"),
    ("uuid", "text", "text"),
)
PARTICIPANTS = Table(
    "participants",
    ("repair_id", "person_id", "department", "role", "joined_at"),
    ("repair_id", "person_id", "role"),
    ("uuid", "text", "text", "text", "timestamptz"),
)
PROPOSALS = Table(
    "proposals",
    (
        "agreement_id", "version", "repair_id", "proposed_by", "proposed_at",
        "consent_required_from", "commitments",
    ),
    ("agreement_id", "version"),
    ("uuid", "int", "uuid", "jsonb", "timestamptz", "jsonb", "jsonb"),
)  # fmt: skip
CONSENTS = Table(
    "consents",
    (
        "agreement_id", "version", "person_id", "repair_id", "department", "role", "decision",
        "reason", "decided_at",
    ),
    ("agreement_id", "version", "person_id"),
    ("uuid", "int", "text", "uuid", "text", "text", "text", "text", "timestamptz"),
)  # fmt: skip
AGREEMENTS = Table(
    "agreements",
    (
        "agreement_id", "repair_id", "version", "reached_at", "first_reached_at",
        "response_mode", "consented_by",
    ),
    ("agreement_id",),
    ("uuid", "uuid", "int", "timestamptz", "timestamptz", "text", "jsonb"),
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
    (
        "uuid", "uuid", "uuid", "int", "text", "text", "jsonb", "text[]", "text", "timestamptz",
        "timestamptz", "text", "timestamptz", "bool", "int", "timestamptz", "int",
        "timestamptz", "text", "text",
    ),
)  # fmt: skip
NUDGES = Table(
    "nudges",
    (
        "nudge_id", "repair_id", "kind", "commitment_id", "terms_version", "recipient_id",
        "recipient_department", "channels", "sent_at",
    ),
    ("nudge_id",),
    ("uuid", "uuid", "text", "uuid", "int", "text", "text", "text[]", "timestamptz"),
)  # fmt: skip
CHECK_INS = Table(
    "check_ins",
    ("check_in_id", "repair_id", "person_id", "department", "outcome", "comment", "recorded_at"),
    ("check_in_id",),
    ("uuid", "uuid", "text", "text", "text", "text", "timestamptz"),
)


def _repair_row(state: RepairState, first_reported_at: datetime | None) -> Row:
    decision = state.decision()
    imposed = state.imposed
    closed = state.closed
    # state.status and state.response_mode, without finding the decision again for each.
    response_mode: str | None
    if closed is not None:
        status, response_mode = "closed", closed.response_mode
    else:
        status = decision[1] if decision else "open"
        response_mode = decision[2] if decision else None
    return (
        state.repair_id,
        status,
        state.opened_at,
        list(state.departments),
        state.category,
        state.agreement_due_by,
        list(state.recurrence_of),
        response_mode,
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


def _has_repair_row(state: RepairState) -> bool:
    return state.opened_at is not None or state.imposed is not None or state.closed is not None


def _proposal_row(rid: UUID, p: ProposalState) -> Row:
    return (
        p.agreement_id,
        p.version,
        rid,
        people_json([p.proposed_by])[0],
        p.proposed_at,
        people_json(p.consent_required_from),
        [c.model_dump(mode="json") for c in p.commitments],
    )


def _consent_row(rid: UUID, c: ConsentState) -> Row:
    return (
        c.agreement_id,
        c.version,
        c.person.person_id,
        rid,
        c.person.department,
        c.role,
        c.decision,
        c.reason,
        c.decided_at,
    )


def _agreement_row(rid: UUID, a: AgreementState) -> Row:
    return (
        a.agreement_id,
        rid,
        a.version,
        a.reached_at,
        a.first_reached_at,
        a.response_mode,
        people_json(a.consented_by),
    )


def _commitment_row(rid: UUID, m: CommitmentState) -> Row:
    return (
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
    )


def _nudge_row(rid: UUID, n: NudgeState) -> Row:
    return (
        n.nudge_id,
        rid,
        n.kind,
        n.commitment_id,
        n.terms_version,
        n.recipient.person_id,
        n.recipient.department,
        list(n.channels),
        n.sent_at,
    )


def _check_in_row(rid: UUID, k: CheckInState) -> Row:
    return (
        k.check_in_id,
        rid,
        k.person.person_id,
        k.person.department,
        k.outcome,
        k.comment,
        k.recorded_at,
    )


def _incident_link_row(rid: UUID, link: tuple[UUID, datetime | None]) -> Row:
    return (rid, *link)


def _participant_row(
    rid: UUID, participant: tuple[tuple[str, str], tuple[Person, datetime]]
) -> Row:
    (person_id, role), (person, joined_at) = participant
    return (rid, person_id, person.department, role, joined_at)


_MISSING: Any = object()


class RowWrites:
    """The rows a batch writes, by table and key (the last row of a key wins, as it would
    have in a row-by-row upsert), then one statement per table."""

    def __init__(self) -> None:
        self.tables: dict[Table, dict[Any, Row]] = {}

    def put(self, table: Table, row: Row) -> None:
        rows = self.tables.get(table)
        if rows is None:
            rows = self.tables[table] = {}
        rows[table.key_of(row)] = row

    def changed_items(
        self,
        table: Table,
        rid: UUID,
        old: Mapping[Any, Any],
        new: Mapping[Any, Any],
        row_of: Callable[[UUID, Any], Row],
        *,
        with_key: bool = False,
    ) -> None:
        """Put the rows of `new` whose row differs from `old`'s. The states' values are
        immutable, so a value that is the very same object as before writes nothing."""
        if old is new:
            return
        for key, value in new.items():
            was = old.get(key, _MISSING)
            if was is value:
                continue
            row = row_of(rid, (key, value) if with_key else value)
            if was is not _MISSING and row_of(rid, (key, was) if with_key else was) == row:
                continue
            self.put(table, row)

    async def write(self, connection: Connection) -> None:
        tables = [(table, rows) for table, rows in self.tables.items() if rows]
        if not tables:
            return
        # Staging tables live as long as the connection (emptied at commit); creating them
        # if need be costs one round trip per batch, and survives a rolled-back creation.
        await connection.execute(";".join(table.staging for table, _ in tables))
        for table, rows in tables:
            await connection.copy_records_to_table(
                f"{table.name}_staged", records=table.encoded(rows.values())
            )
            await connection.execute(table.statement)


def changed_rows(
    writes: RowWrites,
    before: RepairState | None,
    after: RepairState,
    first_reported_before: datetime | None,
    first_reported_after: datetime | None,
) -> None:
    """Put the rows of `after` that differ from those of `before` (None: nothing stored)."""
    rid = after.repair_id
    if _has_repair_row(after):
        row = _repair_row(after, first_reported_after)
        if (
            before is None
            or not _has_repair_row(before)
            or _repair_row(before, first_reported_before) != row
        ):
            writes.put(REPAIRS, row)
    if before is after:
        return  # only derived columns can change (a neighbour of the batch)
    old = before if before is not None else RepairState(repair_id=rid)
    writes.changed_items(
        REPAIR_INCIDENTS, rid, old.incidents, after.incidents, _incident_link_row, with_key=True
    )
    if after.recurrence_of != old.recurrence_of:
        earlier = set(old.recurrence_of)
        for earlier_id in after.recurrence_of:
            if earlier_id not in earlier:
                writes.put(RECURRENCES, (earlier_id, rid))
    if after.relationships != old.relationships:
        known = set(old.relationships)
        for department_a, department_b in after.relationships:
            if (department_a, department_b) not in known:
                writes.put(RELATIONSHIPS, (rid, department_a, department_b))
    writes.changed_items(
        PARTICIPANTS, rid, old.participants, after.participants, _participant_row, with_key=True
    )
    writes.changed_items(PROPOSALS, rid, old.proposals, after.proposals, _proposal_row)
    writes.changed_items(CONSENTS, rid, old.consents, after.consents, _consent_row)
    writes.changed_items(AGREEMENTS, rid, old.agreements, after.agreements, _agreement_row)
    writes.changed_items(COMMITMENTS, rid, old.commitments, after.commitments, _commitment_row)
    writes.changed_items(NUDGES, rid, old.nudges, after.nudges, _nudge_row)
    writes.changed_items(CHECK_INS, rid, old.check_ins, after.check_ins, _check_in_row)


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
