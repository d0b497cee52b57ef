"""The read model's rows as typed values: what the read side's SQL returns. Pure.

Confidential texts stay `Sealed` here; a resolver opens them only for a viewer who takes
part in the repair (read/use_cases/texts.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from bridgework.common.contracts.sealed import Sealed


@dataclass(frozen=True)
class PersonRecord:
    person_id: str
    department: str


@dataclass(frozen=True)
class RepairRecord:
    repair_id: UUID
    status: str
    opened_at: datetime
    departments: tuple[str, ...]
    category: str | None
    agreement_due_by: datetime | None
    recurrence_of: tuple[UUID, ...]
    response_mode: str | None
    outcome: str | None
    closed_at: datetime | None


@dataclass(frozen=True)
class IncidentRecord:
    incident_id: UUID
    department: str
    category: str
    severity: str
    summary: str
    occurred_at: datetime
    reported_at: datetime
    source_tool: str
    revision: int
    response_mode: str | None
    affected_departments: tuple[str, ...]
    responsible: tuple[PersonRecord, ...]
    affected_people: tuple[PersonRecord, ...]


@dataclass(frozen=True)
class ParticipantRecord:
    repair_id: UUID
    person: PersonRecord
    role: str
    joined_at: datetime


@dataclass(frozen=True)
class AnswerRecord:
    question: str
    text: Sealed | None  # None: kept in plain before texts were sealed, and dropped then


@dataclass(frozen=True)
class ConversationRecord:
    repair_id: UUID
    person: PersonRecord
    role: str
    recorded_at: datetime
    answers: tuple[AnswerRecord, ...]


@dataclass(frozen=True)
class AgreementRecord:
    agreement_id: UUID
    repair_id: UUID
    version: int
    reached_at: datetime
    response_mode: str
    consented_by: tuple[PersonRecord, ...]


@dataclass(frozen=True)
class ConsentRecord:
    repair_id: UUID
    version: int
    person: PersonRecord
    role: str
    decision: str
    reason: Sealed | None
    decided_at: datetime


@dataclass(frozen=True)
class CommitmentRecord:
    commitment_id: UUID
    repair_id: UUID
    agreement_id: UUID | None
    terms_version: int
    owner: PersonRecord
    owed_to: tuple[PersonRecord, ...]
    owed_to_departments: tuple[str, ...]
    action: Sealed | None
    due_at: datetime | None
    status: str
    kept_at: datetime | None
    kept_on_time: bool | None
    lapse_count: int
    released_at: datetime | None
    release_reason: Sealed | None
    renegotiation_reason: Sealed | None


@dataclass(frozen=True)
class NudgeRecord:
    nudge_id: UUID
    repair_id: UUID
    kind: str
    commitment_id: UUID | None
    channels: tuple[str, ...]
    sent_at: datetime
    recipient: PersonRecord


@dataclass(frozen=True)
class CheckInRecord:
    check_in_id: UUID
    repair_id: UUID
    person: PersonRecord
    outcome: str
    comment: Sealed | None
    recorded_at: datetime


@dataclass(frozen=True)
class FacilitationOfferRecord:
    """An offer to facilitate that waits for an answer."""

    repair_id: UUID
    person: PersonRecord
    offered_at: datetime


@dataclass(frozen=True)
class RelationshipRecord:
    repair_id: UUID
    department_a: str
    department_b: str


@dataclass(frozen=True)
class DepartmentRecord:
    slug: str
    first_seen_at: datetime
