"""The agreement's state: versions put to the participants, consents, commitments in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar
from uuid import UUID

from bridgework.common.contracts import CommitmentTerms, ParticipantRole, PersonRef, ResponseMode
from bridgework.common.contracts.sealed import Sealed

# Who is asked to consent; supporters and facilitators are not.
CONSENTING_ROLES = frozenset({ParticipantRole.RESPONSIBLE, ParticipantRole.AFFECTED})


class AgreementStatus(StrEnum):
    PROPOSED = "proposed"  # terms are on the table; nothing in force yet
    REACHED = "reached"  # in force by everyone's consent
    IMPOSED = "imposed"  # in force without it


class ProposalKind(StrEnum):
    TERMS = "terms"  # the whole set of commitments, before anything is in force
    RENEGOTIATION = "renegotiation"  # new terms or date for one commitment in force
    RELEASE = "release"  # one commitment in force no longer to stand


class CommitmentStatus(StrEnum):
    OPEN = "open"
    LAPSED = "lapsed"
    KEPT = "kept"
    RELEASED = "released"


@dataclass(frozen=True)
class Consent:
    """One participant's latest answer to one proposal."""

    person: PersonRef
    given: bool
    at: datetime
    reason: Sealed | None = None  # the decliner's key


@dataclass(frozen=True)
class Proposal:
    """A version of the agreement put to the participants, waiting for their consent."""

    version: int
    kind: ProposalKind
    commitments: tuple[CommitmentTerms, ...]
    proposed_by: PersonRef
    proposed_at: datetime
    consent_required_from: tuple[PersonRef, ...]
    consents: tuple[Consent, ...] = ()
    commitment_id: UUID | None = None  # the commitment a renegotiation or release is about
    reason: Sealed | None = None  # the commitment owner's key

    def consent_of(self, person_id: str) -> Consent | None:
        """This person's latest answer to the proposal, if any."""
        return next((c for c in self.consents if c.person.person_id == person_id), None)


@dataclass(frozen=True)
class Commitment:
    """A commitment in force: its current terms, where it stands, and the terms it had before."""

    terms: CommitmentTerms
    status: CommitmentStatus = CommitmentStatus.OPEN
    kept_at: datetime | None = None
    on_time: bool | None = None
    lapse_count: int = 0
    lapsed_at: datetime | None = None
    released_at: datetime | None = None
    released_reason: Sealed | None = None
    earlier_terms: tuple[CommitmentTerms, ...] = ()

    @property
    def commitment_id(self) -> UUID:
        return self.terms.commitment_id

    @property
    def settled(self) -> bool:
        return self.status in (CommitmentStatus.KEPT, CommitmentStatus.RELEASED)


@dataclass(frozen=True)
class Imposition:
    decided_by: PersonRef
    response_mode: ResponseMode
    reason: Sealed  # the key of who decided
    imposed_at: datetime


@dataclass(frozen=True)
class Agreement:
    """The one agreement of a repair: its latest version, what is in force, what is pending."""

    agreement_id: UUID
    status: AgreementStatus
    latest_version: int
    in_force_version: int | None = None
    commitments: tuple[Commitment, ...] = ()
    consented_by: tuple[PersonRef, ...] = ()
    pending: Proposal | None = None
    in_force_since: datetime | None = None
    imposition: Imposition | None = None

    @property
    def in_force(self) -> bool:
        return self.status in (AgreementStatus.REACHED, AgreementStatus.IMPOSED)

    def commitment(self, commitment_id: UUID) -> Commitment | None:
        """The commitment in force with this id, if any."""
        return next((c for c in self.commitments if c.commitment_id == commitment_id), None)


# A draft's action: plain text as the API takes it, sealed (the owner's key) once the rules see it.
ActionT = TypeVar("ActionT", str, Sealed)


@dataclass(frozen=True)
class CommitmentDraft(Generic[ActionT]):
    """A commitment as proposed; `commitment_id` set revises one of the proposal it replaces."""

    owner: PersonRef
    action: ActionT
    due_at: datetime
    owed_to: tuple[PersonRef, ...] = ()
    owed_to_departments: tuple[str, ...] = ()
    commitment_id: UUID | None = None
