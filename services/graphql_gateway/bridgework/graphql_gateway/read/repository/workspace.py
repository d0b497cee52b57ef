"""The workspace's reads: repairs waiting for a facilitator, proposals, every offer to
facilitate with its answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from asyncpg import Record

from bridgework.common.contracts.sealed import Sealed
from bridgework.common.postgres import Connection
from bridgework.graphql_gateway.read.domain.records import PersonRecord, RepairRecord
from bridgework.graphql_gateway.read.domain.workspace import (
    LapseRecord,
    OfferHistoryRecord,
    ProposalRecord,
    ProposedTerms,
)
from bridgework.graphql_gateway.read.repository import rows
from bridgework.graphql_gateway.read.repository.lookups import Lookup
from bridgework.graphql_gateway.read.repository.rows import REPAIR_COLUMNS


@dataclass(frozen=True)
class WaitingRepairRow:
    """A repair nobody facilitates yet, with what its queue entry shows."""

    repair: RepairRecord
    incident_count: int
    pending_offers: int
    offered_by_viewer: bool


def _of(alias: str, columns: str) -> str:
    return ", ".join(f"{alias}.{column.strip()}" for column in columns.split(","))


# Open (not closed) repairs without a facilitator; oldest first, as a queue is worked.
WAITING_FOR_FACILITATOR = f"""
SELECT {_of("r", REPAIR_COLUMNS)},
       (SELECT count(*) FROM repair_incidents ri WHERE ri.repair_id = r.repair_id) AS incidents,
       (SELECT count(*) FROM facilitation_offers o
         WHERE o.repair_id = r.repair_id AND o.decision IS NULL) AS pending_offers,
       EXISTS (SELECT 1 FROM facilitation_offers o WHERE o.repair_id = r.repair_id
               AND o.decision IS NULL AND o.person_id = $2) AS offered_by_viewer
  FROM repairs r
 WHERE r.opened_at IS NOT NULL AND r.closed_at IS NULL
   AND ($1::text IS NULL OR $1 = ANY(r.departments))
   AND NOT EXISTS (SELECT 1 FROM participants p
                    WHERE p.repair_id = r.repair_id AND p.role = 'facilitator')
 ORDER BY r.opened_at, r.repair_id
 LIMIT $3
"""


async def waiting_for_facilitator(
    connection: Connection, *, department: str | None, person_id: str, limit: int
) -> list[WaitingRepairRow]:
    """Repairs nobody facilitates yet (those concerning `department`, or all), oldest first."""
    found = await connection.fetch(WAITING_FOR_FACILITATOR, department, person_id, limit)
    return [
        WaitingRepairRow(
            repair=rows.repair(row),
            incident_count=row["incidents"],
            pending_offers=row["pending_offers"],
            offered_by_viewer=row["offered_by_viewer"],
        )
        for row in found
    ]


def _action(value: Any) -> Sealed | None:
    # Stored as the event carried it: sealed (GraphQL opens it for the repair's people).
    return Sealed.model_validate(value) if isinstance(value, dict) else None


def _person(value: Any) -> PersonRecord:
    return PersonRecord(value["person_id"], value["department"])


def proposal(row: Record) -> ProposalRecord:
    """A row of `proposals`."""
    return ProposalRecord(
        agreement_id=row["agreement_id"],
        repair_id=row["repair_id"],
        version=row["version"],
        proposed_by=_person(row["proposed_by"]),
        proposed_at=row["proposed_at"],
        consent_required_from=rows.people(row["consent_required_from"]),
        commitments=tuple(
            ProposedTerms(
                commitment_id=UUID(c["commitment_id"]),
                terms_version=c["terms_version"],
                owner=_person(c["owner"]),
                owed_to_departments=tuple(c.get("owed_to_departments") or ()),
                action=_action(c.get("action")),
                due_at=datetime.fromisoformat(c["due_at"]),
            )
            for c in row["commitments"]
        ),
    )


def offer(row: Record) -> OfferHistoryRecord:
    """A row of `facilitation_offers`, answered or not."""
    return OfferHistoryRecord(
        repair_id=row["repair_id"],
        person=PersonRecord(row["person_id"], row["department"]),
        offered_at=row["offered_at"],
        decision=row["decision"],
        answered_at=row["answered_at"],
    )


PROPOSALS = Lookup(
    "SELECT * FROM proposals WHERE repair_id = ANY($1::uuid[]) ORDER BY proposed_at, version",
    "repair_id",
    proposal,
)
OFFERS = Lookup(
    "SELECT * FROM facilitation_offers WHERE repair_id = ANY($1::uuid[])"
    " ORDER BY offered_at, person_id",
    "repair_id",
    offer,
)


def lapse(row: Record) -> LapseRecord:
    """A commitment's latest lapse, from a row of `commitments`."""
    return LapseRecord(
        repair_id=row["repair_id"],
        commitment_id=row["commitment_id"],
        terms_version=row["lapsed_terms_version"],
        lapsed_at=row["lapsed_at"],
    )


LAPSES = Lookup(
    "SELECT repair_id, commitment_id, lapsed_terms_version, lapsed_at FROM commitments"
    " WHERE repair_id = ANY($1::uuid[]) AND lapsed_at IS NOT NULL ORDER BY lapsed_at",
    "repair_id",
    lapse,
)
