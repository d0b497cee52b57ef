"""Commitments in force: kept, and the guards every change of one commitment passes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from bridgework.agreements.domain.agreement import Agreement, Commitment, CommitmentStatus
from bridgework.agreements.domain.participants import consent_parties
from bridgework.agreements.domain.repair import (
    Decision,
    Repair,
    require_open,
    require_participant,
)
from bridgework.common.contracts import CommitmentKeptV1, CommitmentTerms, PersonRef
from bridgework.common.errors import DomainError, ErrorKind


@dataclass(frozen=True)
class ChangeableCommitment:
    """A commitment that may be renegotiated or released, and the agreement it is in force by."""

    agreement: Agreement
    commitment: Commitment


def keep_commitment(
    repair: Repair, *, actor: PersonRef, commitment_id: UUID, kept_at: datetime, now: datetime
) -> Decision:
    """A commitment in force was kept (on time or late); a pending change of it falls away."""
    require_open(repair)
    require_participant(repair, actor)
    agreement = agreement_in_force(repair, commitment_id)
    commitment = find_commitment(agreement, commitment_id)
    require_unsettled(commitment)
    if kept_at > now:
        raise DomainError.invalid("kept_at", "must not be in the future")
    on_time = kept_at <= commitment.terms.due_at
    kept = replace(commitment, status=CommitmentStatus.KEPT, kept_at=kept_at, on_time=on_time)
    pending = agreement.pending
    if pending is not None and pending.commitment_id == commitment_id:
        pending = None  # a renegotiation or release of what is now done has nothing left to change
    agreement = replace(agreement, commitments=with_changed(agreement, kept), pending=pending)
    event = CommitmentKeptV1(
        repair_id=repair.repair_id,
        agreement_id=agreement.agreement_id,
        commitment_id=commitment_id,
        terms_version=commitment.terms.terms_version,
        owner=commitment.terms.owner,
        due_at=commitment.terms.due_at,
        kept_at=kept_at,
        on_time=on_time,
    )
    return Decision(replace(repair, agreement=agreement), (event,))


def changeable_commitment(
    repair: Repair, actor: PersonRef, commitment_id: UUID
) -> ChangeableCommitment:
    """The commitment a participant proposes to renegotiate or release, if it may change."""
    require_open(repair)
    require_participant(repair, actor)
    agreement = agreement_in_force(repair, commitment_id)
    commitment = find_commitment(agreement, commitment_id)
    require_unsettled(commitment)
    consent_parties(repair)
    return ChangeableCommitment(agreement=agreement, commitment=commitment)


def agreement_in_force(repair: Repair, commitment_id: UUID) -> Agreement:
    """The agreement in force; a commitment only proposed so far is not in force yet."""
    agreement = repair.agreement
    if agreement is not None and agreement.in_force:
        return agreement
    proposed = agreement.pending.commitments if agreement and agreement.pending else ()
    if any(t.commitment_id == commitment_id for t in proposed):
        raise DomainError(
            "agreement_not_in_force",
            "the agreement has not been reached: its commitments are not in force yet",
            kind=ErrorKind.CONFLICT,
        )
    raise unknown_commitment(commitment_id)


def find_commitment(agreement: Agreement, commitment_id: UUID) -> Commitment:
    """The commitment in force with this id; unknown otherwise."""
    commitment = agreement.commitment(commitment_id)
    if commitment is None:
        raise unknown_commitment(commitment_id)
    return commitment


def unknown_commitment(commitment_id: UUID) -> DomainError:
    """The refusal for a commitment the repair does not have."""
    return DomainError(
        "unknown_commitment",
        f"no commitment {commitment_id} in this repair",
        kind=ErrorKind.NOT_FOUND,
    )


def require_unsettled(commitment: Commitment) -> None:
    """A kept or released commitment changes no more."""
    if commitment.status == CommitmentStatus.KEPT:
        raise DomainError(
            "commitment_kept",
            f"commitment {commitment.commitment_id} was kept",
            kind=ErrorKind.CONFLICT,
        )
    if commitment.status == CommitmentStatus.RELEASED:
        raise DomainError(
            "commitment_released",
            f"commitment {commitment.commitment_id} was released",
            kind=ErrorKind.CONFLICT,
        )


def with_changed(agreement: Agreement, changed: Commitment) -> tuple[Commitment, ...]:
    """The agreement's commitments with one of them replaced by its changed self."""
    return tuple(
        changed if c.commitment_id == changed.commitment_id else c for c in agreement.commitments
    )


def terms_in_force(repair: Repair, commitment_id: UUID) -> CommitmentTerms | None:
    """The commitment's terms as they stand, if the repair's agreement has it (whose key seals
    a change of it: its owner's); the rules of the change itself say what is wrong otherwise."""
    agreement = repair.agreement
    commitment = agreement.commitment(commitment_id) if agreement else None
    return commitment.terms if commitment else None
