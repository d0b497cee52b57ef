"""Follow-up's values: repairs it follows, their people and commitments, and timers.

Timers of a commitment belong to one version of its terms; a timer's key says what it is
for, so each nudge is scheduled (and sent) once however often an event is replayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from uuid import NAMESPACE_URL, UUID, uuid5

from bridgework.common.contracts import ParticipantRole, PersonRef
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.errors import DomainError, ErrorKind

_IDS = uuid5(NAMESPACE_URL, "https://example.org/bridgework/followup")


class CommitmentStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    RELEASED = "released"
    WITHDRAWN = "withdrawn"  # left out of a later version of the agreement


SETTLED = (CommitmentStatus.KEPT, CommitmentStatus.RELEASED)


class TimerKind(StrEnum):
    REMINDER = "reminder"
    LAPSE = "lapse"  # the fact, at the due date; not a message
    LAPSE_OFFER = "lapse_offer"
    FACILITATOR_SUPPORT = "facilitator_support"
    CHECK_IN = "check_in"
    # Notifications (domain/notices.py): `terms_version` holds the agreement's version.
    CONSENT_NEEDED = "consent_needed"
    FACILITATOR_NEEDED = "facilitator_needed"


@dataclass(frozen=True)
class TrackedRepair:
    """A repair follow-up keeps an eye on; its schedules hang off it."""

    repair_id: UUID
    opened_at: datetime
    departments: tuple[str, ...]
    closed_at: datetime | None = None
    check_ins_due_from: datetime | None = None


@dataclass(frozen=True)
class Participant:
    person: PersonRef
    role: ParticipantRole


@dataclass(frozen=True)
class Commitment:
    """One commitment's terms in force, and where it stands."""

    commitment_id: UUID
    repair_id: UUID
    agreement_id: UUID | None
    terms_version: int
    owner: PersonRef
    owed_to: tuple[PersonRef, ...]
    # Sealed with the owner's key; opened only to write a message. None: kept in plain
    # before texts were sealed, and dropped then.
    action: Sealed | None
    due_at: datetime
    status: CommitmentStatus = CommitmentStatus.OPEN
    lapse_count: int = 0


@dataclass(frozen=True)
class Timer:
    """A moment at which follow-up will do something for one recipient."""

    kind: TimerKind
    repair_id: UUID
    recipient: PersonRef
    fire_at: datetime
    commitment_id: UUID | None = None
    terms_version: int | None = None
    sequence: int = 0

    @cached_property
    def key(self) -> str:
        """What the timer is for; unique, so each nudge is scheduled (and sent) once."""
        about = self.commitment_id if self.commitment_id is not None else self.repair_id
        return (
            f"{self.kind.value}:{about}:v{self.terms_version or 0}"
            f":{self.recipient.person_id}:{self.sequence}"
        )


@dataclass(frozen=True)
class Cancellation:
    """Pending timers that no longer stand: a commitment's (all, or all but one terms
    version's), or a whole repair's."""

    repair_id: UUID
    commitment_id: UUID | None = None
    keep_terms_version: int | None = None
    reason: str = "cancelled"


@dataclass(frozen=True)
class StoredTimer:
    """A timer as stored: its row id, and the timer."""

    id: int
    timer: Timer


@dataclass(frozen=True)
class ScheduledTimer:
    """A timer as a repair's schedule shows it: pending, or settled and how."""

    timer: Timer
    status: str
    outcome: str | None


def agreement_id_for_imposed(repair_id: UUID) -> UUID:
    """OutcomeImposed names no agreement: a stable stand-in id derived from the repair."""
    return uuid5(_IDS, f"imposed:{repair_id}")


def nudge_id(timer_key: str, recipient: PersonRef) -> UUID:
    """The id of the nudge a timer sends one recipient: the same on every replica."""
    return uuid5(_IDS, f"nudge:{timer_key}:{recipient.person_id}")


def not_followed(repair_id: UUID) -> DomainError:
    """A repair follow-up has not heard opened (yet)."""
    return DomainError(
        "unknown_repair", f"repair {repair_id} is not followed", kind=ErrorKind.NOT_FOUND
    )
