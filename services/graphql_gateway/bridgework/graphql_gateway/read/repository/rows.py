"""Rows of the read model turned into the read side's typed records."""

from __future__ import annotations

from typing import Any

from asyncpg import Record

from bridgework.common.contracts.sealed import Sealed
from bridgework.graphql_gateway.read.domain.records import (
    AgreementRecord,
    AnswerRecord,
    CheckInRecord,
    CommitmentRecord,
    ConsentRecord,
    ConversationRecord,
    FacilitationOfferRecord,
    IncidentRecord,
    NudgeRecord,
    ParticipantRecord,
    PersonRecord,
    RelationshipRecord,
    RepairRecord,
)

# The columns each record is read from (`SELECT {columns} FROM …`).
REPAIR_COLUMNS = (
    "repair_id, status, opened_at, departments, category, agreement_due_by, recurrence_of,"
    " response_mode, outcome, closed_at"
)
INCIDENT_COLUMNS = (
    "incident_id, department, category, severity, summary, occurred_at, reported_at,"
    " source_tool, revision, response_mode, affected_departments, responsible, affected_people"
)


def sealed(value: Any) -> Sealed | None:
    """A confidential text as the read model keeps it (sealed jsonb); None where there is none."""
    return None if value is None else Sealed.model_validate(value)


def people(value: Any) -> tuple[PersonRecord, ...]:
    """People as the read model's JSON holds them."""
    return tuple(PersonRecord(p["person_id"], p["department"]) for p in value or ())


def repair(row: Record) -> RepairRecord:
    """A row of `repairs` (REPAIR_COLUMNS)."""
    return RepairRecord(
        repair_id=row["repair_id"],
        status=row["status"],
        opened_at=row["opened_at"],
        departments=tuple(row["departments"]),
        category=row["category"],
        agreement_due_by=row["agreement_due_by"],
        recurrence_of=tuple(row["recurrence_of"] or ()),
        response_mode=row["response_mode"],
        outcome=row["outcome"],
        closed_at=row["closed_at"],
    )


def incident(row: Record) -> IncidentRecord:
    """A row of `incidents` (INCIDENT_COLUMNS)."""
    return IncidentRecord(
        incident_id=row["incident_id"],
        department=row["department"],
        category=row["category"],
        severity=row["severity"],
        summary=row["summary"],
        occurred_at=row["occurred_at"],
        reported_at=row["reported_at"],
        source_tool=row["source_tool"],
        revision=row["revision"] or 1,
        response_mode=row["response_mode"],
        affected_departments=tuple(row["affected_departments"] or ()),
        responsible=people(row["responsible"]),
        affected_people=people(row["affected_people"]),
    )


def participant(row: Record) -> ParticipantRecord:
    """A row of `participants`."""
    return ParticipantRecord(
        repair_id=row["repair_id"],
        person=PersonRecord(row["person_id"], row["department"]),
        role=row["role"],
        joined_at=row["joined_at"],
    )


def conversation(row: Record) -> ConversationRecord:
    """A row of `conversations`."""
    return ConversationRecord(
        repair_id=row["repair_id"],
        person=PersonRecord(row["person_id"], row["department"]),
        role=row["role"],
        recorded_at=row["recorded_at"],
        answers=tuple(AnswerRecord(a["question"], sealed(a["text"])) for a in row["answers"]),
    )


def agreement(row: Record) -> AgreementRecord:
    """A row of `agreements`."""
    return AgreementRecord(
        agreement_id=row["agreement_id"],
        repair_id=row["repair_id"],
        version=row["version"],
        reached_at=row["reached_at"],
        response_mode=row["response_mode"],
        consented_by=people(row["consented_by"]),
    )


def consent(row: Record) -> ConsentRecord:
    """A row of `consents`."""
    return ConsentRecord(
        repair_id=row["repair_id"],
        version=row["version"],
        person=PersonRecord(row["person_id"], row["department"]),
        role=row["role"],
        decision=row["decision"],
        reason=sealed(row["reason"]),
        decided_at=row["decided_at"],
    )


def commitment(row: Record) -> CommitmentRecord:
    """A row of `commitments`."""
    return CommitmentRecord(
        commitment_id=row["commitment_id"],
        repair_id=row["repair_id"],
        agreement_id=row["agreement_id"],
        terms_version=row["terms_version"],
        owner=PersonRecord(row["owner_id"], row["owner_department"]),
        owed_to=people(row["owed_to"]),
        owed_to_departments=tuple(row["owed_to_departments"]),
        action=sealed(row["action"]),
        due_at=row["due_at"],
        status=row["status"],
        kept_at=row["kept_at"],
        kept_on_time=row["kept_on_time"],
        lapse_count=row["lapse_count"],
        released_at=row["released_at"],
        release_reason=sealed(row["release_reason"]),
        renegotiation_reason=sealed(row["renegotiation_reason"]),
    )


def nudge(row: Record) -> NudgeRecord:
    """A row of `nudges`."""
    return NudgeRecord(
        nudge_id=row["nudge_id"],
        repair_id=row["repair_id"],
        kind=row["kind"],
        commitment_id=row["commitment_id"],
        channels=tuple(row["channels"]),
        sent_at=row["sent_at"],
        recipient=PersonRecord(row["recipient_id"], row["recipient_department"]),
    )


def check_in(row: Record) -> CheckInRecord:
    """A row of `check_ins`."""
    return CheckInRecord(
        check_in_id=row["check_in_id"],
        repair_id=row["repair_id"],
        person=PersonRecord(row["person_id"], row["department"]),
        outcome=row["outcome"],
        comment=sealed(row["comment"]),
        recorded_at=row["recorded_at"],
    )


def facilitation_offer(row: Record) -> FacilitationOfferRecord:
    """A row of `facilitation_offers`."""
    return FacilitationOfferRecord(
        repair_id=row["repair_id"],
        person=PersonRecord(row["person_id"], row["department"]),
        offered_at=row["offered_at"],
    )


def relationship(row: Record) -> RelationshipRecord:
    """A row of `repair_relationships`."""
    return RelationshipRecord(
        repair_id=row["repair_id"],
        department_a=row["department_a"],
        department_b=row["department_b"],
    )
