"""The repair aggregate's state, the decision every command returns, and the guards all share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from bridgework.agreements.domain.agreement import Agreement
from bridgework.common.contracts import (
    CheckInOutcome,
    FacilitationDecision,
    IncidentCategory,
    ParticipantRole,
    PersonRef,
    RelationshipPair,
    RepairEvent,
    RepairOpenedV1,
    RepairOutcome,
    ResponseMode,
)
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.errors import DomainError, ErrorKind

NewId = Callable[[], UUID]

# The reason code of a repair that closed because its incident joined another repair.
MERGED = "merged"


class RepairStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CloseReason(StrEnum):
    """Why a repair closed other than repaired (RepairClosed.reason_code)."""

    NO_AGREEMENT = "no_agreement"
    COMMITMENTS_NOT_KEPT = "commitments_not_kept"
    NOT_MADE_RIGHT = "not_made_right"
    PARTICIPANT_WITHDREW = "participant_withdrew"
    UNSAFE_TO_CONTINUE = "unsafe_to_continue"
    OUTSIDE_RESTORATIVE_SCOPE = "outside_restorative_scope"
    OTHER = "other"


@dataclass(frozen=True)
class Participant:
    person: PersonRef
    role: ParticipantRole
    joined_at: datetime


@dataclass(frozen=True)
class CheckIn:
    check_in_id: UUID
    participant: PersonRef
    outcome: CheckInOutcome
    recorded_at: datetime
    comment: Sealed | None = None  # the participant's key


@dataclass(frozen=True)
class FacilitationOffer:
    """A facilitator's offer to facilitate the repair, and its answer once given."""

    facilitator: PersonRef
    offered_at: datetime
    decision: FacilitationDecision | None = None
    answered_by: str | None = None
    reason: Sealed | None = None  # the answerer's key
    answered_at: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.decision is None


@dataclass(frozen=True)
class Closure:
    outcome: RepairOutcome
    response_mode: ResponseMode
    closed_at: datetime
    reason_code: str | None = None
    reason: Sealed | None = None  # the key of who closed
    merged_into: UUID | None = None


@dataclass(frozen=True)
class Repair:
    """A restorative case: the facts it opened with and everything that happened since."""

    repair_id: UUID
    incident_ids: tuple[UUID, ...]
    category: IncidentCategory
    opened_at: datetime
    agreement_due_by: datetime
    departments: tuple[str, ...]
    relationships: tuple[RelationshipPair, ...]
    recurrence_of: tuple[UUID, ...] = ()
    participants: tuple[Participant, ...] = ()
    agreement: Agreement | None = None
    check_ins: tuple[CheckIn, ...] = ()
    closure: Closure | None = None
    facilitation_offers: tuple[FacilitationOffer, ...] = ()

    @property
    def status(self) -> RepairStatus:
        return RepairStatus.CLOSED if self.closure else RepairStatus.OPEN

    def participant(self, person_id: str) -> Participant | None:
        """This person's place in the repair, if they take part."""
        return next((p for p in self.participants if p.person.person_id == person_id), None)

    def latest_offer(self, person_id: str) -> FacilitationOffer | None:
        """This person's latest offer to facilitate, answered or not."""
        offers = [o for o in self.facilitation_offers if o.facilitator.person_id == person_id]
        return offers[-1] if offers else None

    def with_role(self, *roles: ParticipantRole) -> tuple[Participant, ...]:
        """The participants in any of these roles, in the order they joined."""
        return tuple(p for p in self.participants if p.role in roles)

    def opened_event(self) -> RepairOpenedV1:
        """The RepairOpened that announces this repair."""
        return RepairOpenedV1(
            repair_id=self.repair_id,
            incident_ids=list(self.incident_ids),
            category=self.category,
            opened_at=self.opened_at,
            agreement_due_by=self.agreement_due_by,
            departments=list(self.departments),
            relationships=list(self.relationships),
            recurrence_of=list(self.recurrence_of),
        )


@dataclass(frozen=True)
class Decision:
    """The repair after a command, and the events that announce the change (none: nothing changed)."""

    repair: Repair
    events: tuple[RepairEvent, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether the command changed anything (a repeated command does not)."""
        return bool(self.events)


@dataclass(frozen=True)
class RepairSummary:
    """A repair as lists show it: its stored columns, without the workflow."""

    repair_id: UUID
    status: RepairStatus
    category: IncidentCategory
    opened_at: datetime
    agreement_due_by: datetime
    departments: list[str]
    incident_ids: list[UUID]
    recorded_mode: ResponseMode | None
    merged_into: UUID | None


def unknown_repair(repair_id: UUID) -> DomainError:
    """The refusal for a repair id nobody opened."""
    return DomainError("unknown_repair", f"no repair {repair_id}", kind=ErrorKind.NOT_FOUND)


def require_open(repair: Repair) -> None:
    """Nothing changes in a closed repair."""
    if repair.closure is not None:
        raise DomainError(
            "repair_closed", f"repair {repair.repair_id} is closed", kind=ErrorKind.CONFLICT
        )


def require_participant(repair: Repair, actor: PersonRef) -> Participant:
    """The actor's place in the repair; who takes no part may not act in it."""
    participant = repair.participant(actor.person_id)
    if participant is None or participant.person != actor:
        raise DomainError(
            "not_a_participant",
            f"{actor.person_id} does not take part in this repair",
            kind=ErrorKind.FORBIDDEN,
        )
    return participant


def require_facilitator(repair: Repair, actor: PersonRef) -> None:
    """Only a facilitator of the repair may go on."""
    if require_participant(repair, actor).role != ParticipantRole.FACILITATOR:
        raise DomainError(
            "facilitator_only",
            "only a facilitator of this repair may do this",
            kind=ErrorKind.FORBIDDEN,
        )
