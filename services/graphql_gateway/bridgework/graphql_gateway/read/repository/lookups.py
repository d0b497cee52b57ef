"""The batched lookups behind the DataLoaders: one statement per lookup, the rows whose key
is any of $1, grouped per key in the order each list shows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from asyncpg import Record

from bridgework.common.postgres import Connection
from bridgework.graphql_gateway.read.repository import rows
from bridgework.graphql_gateway.read.repository.rows import INCIDENT_COLUMNS, REPAIR_COLUMNS

R = TypeVar("R")


def _of(alias: str, columns: str) -> str:
    return ", ".join(f"{alias}.{column.strip()}" for column in columns.split(","))


@dataclass(frozen=True)
class Lookup(Generic[R]):
    """A lookup's statement, the column its rows are grouped by, and their record."""

    sql: str
    key: str
    record: Callable[[Record], R]


REPAIR = Lookup(
    f"SELECT {REPAIR_COLUMNS} FROM repairs WHERE repair_id = ANY($1::uuid[]) ORDER BY repair_id",
    "repair_id",
    rows.repair,
)
INCIDENT = Lookup(
    f"SELECT {INCIDENT_COLUMNS} FROM incidents WHERE incident_id = ANY($1::uuid[])"
    " ORDER BY incident_id",
    "incident_id",
    rows.incident,
)
PARTICIPANTS = Lookup(
    "SELECT * FROM participants WHERE repair_id = ANY($1::uuid[])"
    " ORDER BY joined_at, person_id, role",
    "repair_id",
    rows.participant,
)
CONVERSATIONS = Lookup(
    "SELECT * FROM conversations WHERE repair_id = ANY($1::uuid[]) ORDER BY recorded_at, person_id",
    "repair_id",
    rows.conversation,
)
AGREEMENTS = Lookup(
    "SELECT * FROM agreements WHERE repair_id = ANY($1::uuid[])"
    " ORDER BY first_reached_at, agreement_id",
    "repair_id",
    rows.agreement,
)
CONSENTS = Lookup(
    "SELECT * FROM consents WHERE repair_id = ANY($1::uuid[])"
    " ORDER BY version, decided_at, person_id",
    "repair_id",
    rows.consent,
)
COMMITMENTS = Lookup(
    "SELECT * FROM commitments WHERE repair_id = ANY($1::uuid[]) ORDER BY due_at, commitment_id",
    "repair_id",
    rows.commitment,
)
NUDGES = Lookup(
    "SELECT * FROM nudges WHERE repair_id = ANY($1::uuid[]) ORDER BY sent_at, nudge_id",
    "repair_id",
    rows.nudge,
)
NUDGES_OF_COMMITMENT = Lookup(
    "SELECT * FROM nudges WHERE commitment_id = ANY($1::uuid[]) ORDER BY sent_at, nudge_id",
    "commitment_id",
    rows.nudge,
)
CHECK_INS = Lookup(
    "SELECT * FROM check_ins WHERE repair_id = ANY($1::uuid[]) ORDER BY recorded_at, check_in_id",
    "repair_id",
    rows.check_in,
)
PENDING_OFFERS = Lookup(
    "SELECT * FROM facilitation_offers WHERE repair_id = ANY($1::uuid[]) AND decision IS NULL"
    " ORDER BY offered_at, person_id",
    "repair_id",
    rows.facilitation_offer,
)
RELATIONSHIPS = Lookup(
    "SELECT * FROM repair_relationships WHERE repair_id = ANY($1::uuid[])"
    " ORDER BY department_a, department_b",
    "repair_id",
    rows.relationship,
)
INCIDENTS_OF_REPAIR = Lookup(
    f"SELECT ri.repair_id AS of_repair, {_of('i', INCIDENT_COLUMNS)} FROM repair_incidents ri"
    " JOIN incidents i USING (incident_id)"
    " WHERE ri.repair_id = ANY($1::uuid[]) ORDER BY i.reported_at, i.incident_id",
    "of_repair",
    rows.incident,
)
REPAIRS_OF_INCIDENT = Lookup(
    f"SELECT ri.incident_id AS of_incident, {_of('r', REPAIR_COLUMNS)} FROM repair_incidents ri"
    " JOIN repairs r USING (repair_id)"
    " WHERE ri.incident_id = ANY($1::uuid[]) AND r.opened_at IS NOT NULL ORDER BY r.opened_at",
    "of_incident",
    rows.repair,
)


async def grouped(connection: Connection, lookup: Lookup[R], keys: Sequence[Any]) -> list[list[R]]:
    """For each key, the records the lookup finds for it (in the statement's order)."""
    found: defaultdict[Any, list[R]] = defaultdict(list)
    for row in await connection.fetch(lookup.sql, list(keys)):
        found[row[lookup.key]].append(lookup.record(row))
    return [found[key] for key in keys]
