"""Repairs in the read model: the whole state of the repairs a batch touches, loaded back."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from bridgework.common.contracts import CommitmentTerms
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.postgres import Connection
from bridgework.graphql_gateway.projection.domain.state import (
    AgreementState,
    CheckInState,
    ClosedState,
    CommitmentState,
    ConsentState,
    ImposedState,
    NudgeState,
    OfferState,
    Person,
    ProposalState,
    RepairState,
)
from bridgework.graphql_gateway.projection.repository.locks import id_list


def people_of(value: Sequence[Mapping[str, str]] | None) -> tuple[Person, ...]:
    """People as the read model's JSON holds them."""
    return tuple(Person(p["person_id"], p["department"]) for p in value or ())


def sealed_or_none(stored: Any) -> Sealed | None:
    """A confidential text as the read model keeps it (sealed jsonb); None where there is none."""
    return None if stored is None else Sealed.model_validate(stored)


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

    ids = id_list(repair_ids)  # once, for every query below
    for row in await connection.fetch(
        # The state's columns only: the derived ones are recomputed.
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
                reason=sealed_or_none(imposed["reason"]),
                imposed_at=datetime.fromisoformat(imposed["imposed_at"]),
            )
        if row["closed"] is not None:
            closed = row["closed"]
            state.closed = ClosedState(
                outcome=closed["outcome"],
                reason_code=closed["reason_code"],
                reason=sealed_or_none(closed["reason"]),
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
    for row in await connection.fetch(
        "SELECT * FROM facilitation_offers WHERE repair_id = ANY(string_to_array($1, ',')::uuid[])",
        ids,
    ):
        state_of(row["repair_id"]).facilitation_offers[(row["person_id"], row["offered_at"])] = (
            OfferState(
                person=Person(row["person_id"], row["department"]),
                offered_at=row["offered_at"],
                decision=row["decision"],
                answered_by=row["answered_by"],
                reason=sealed_or_none(row["reason"]),
                answered_at=row["answered_at"],
            )
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
            reason=sealed_or_none(row["reason"]),
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
            action=sealed_or_none(row["action"]),
            due_at=row["due_at"],
            in_force_at=row["in_force_at"],
            renegotiation_reason=sealed_or_none(row["renegotiation_reason"]),
            kept_at=row["kept_at"],
            kept_on_time=row["kept_on_time"],
            lapsed_terms_version=row["lapsed_terms_version"],
            lapsed_at=row["lapsed_at"],
            lapse_count=row["lapse_count"],
            released_at=row["released_at"],
            release_reason=sealed_or_none(row["release_reason"]),
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
            comment=sealed_or_none(row["comment"]),
            recorded_at=row["recorded_at"],
        )
