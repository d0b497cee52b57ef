"""Adjustments of a change: versioned proposals put to every affected department, and keeping
the adjustments of the version all of them consented to.

Like a repair's agreement: every proposal is the next version and asks every department again;
a revised adjustment keeps its id and raises its terms version only when its terms changed.
Unlike it, there is no separate "in force" step: the current version is in force once every
affected department consented to it (`Change.agreed_version`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from bridgework.agreements.domain.changes import (
    Change,
    ChangeDecision,
    ChangeProposal,
    KeptAdjustment,
    require_not_live,
)
from bridgework.agreements.domain.engagement import require_engaged
from bridgework.common.contracts import (
    Adjustment,
    AdjustmentKind,
    AdjustmentProposedV1,
    ChangeCommitmentKeptV1,
    PersonRef,
)
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.errors import DomainError, ErrorKind

NewId = Callable[[], UUID]


@dataclass(frozen=True)
class AdjustmentDraft:
    """An adjustment as proposed, its action already sealed with its owner's key."""

    kind: AdjustmentKind
    owner: PersonRef
    owed_to_departments: tuple[str, ...]
    action: Sealed
    due_at: datetime
    commitment_id: UUID | None = None  # revising one of the current version's adjustments


def propose(
    change: Change,
    *,
    actor: PersonRef,
    drafts: Sequence[AdjustmentDraft],
    now: datetime,
    new_id: NewId,
) -> ChangeDecision:
    """Put the next version of the adjustments to every affected department. No adjustments
    at all is a valid proposal: the change as planned, for departments that need nothing."""
    require_not_live(change)
    proposer = require_engaged(change, actor)
    current = change.current
    earlier = {a.commitment_id: a for a in current.adjustments} if current else {}
    adjustments = tuple(
        _adjustment(change, draft, f"adjustments.{i}", earlier, now=now, new_id=new_id)
        for i, draft in enumerate(drafts)
    )
    ids = [a.commitment_id for a in adjustments]
    if len(set(ids)) != len(ids):
        raise DomainError.invalid("adjustments", "an adjustment is revised twice")
    version = current.version + 1 if current else 1
    proposal = ChangeProposal(version, adjustments, proposer, now)
    event = AdjustmentProposedV1(
        change_id=change.change_id,
        version=version,
        adjustments=list(adjustments),
        proposed_by=proposer,
        proposed_at=now,
        consent_required_from=list(change.affected_departments),
    )
    return ChangeDecision(replace(change, proposals=(*change.proposals, proposal)), (event,))


def keep(
    change: Change, *, actor: PersonRef, commitment_id: UUID, kept_at: datetime, now: datetime
) -> ChangeDecision:
    """An adjustment of the agreed version was kept (before or after go-live, on time or late)."""
    require_engaged(change, actor)
    agreed = change.agreed_version()
    adjustment = (
        next((a for a in agreed.adjustments if a.commitment_id == commitment_id), None)
        if agreed
        else None
    )
    if adjustment is None:
        raise DomainError(
            "unknown_commitment",
            f"no agreed adjustment {commitment_id} in this change (every affected department"
            " must consent to the version that holds it)",
            kind=ErrorKind.NOT_FOUND,
        )
    if any(k.commitment_id == commitment_id for k in change.kept):
        raise DomainError(
            "commitment_kept", f"adjustment {commitment_id} was kept", kind=ErrorKind.CONFLICT
        )
    if kept_at > now:
        raise DomainError.invalid("kept_at", "must not be in the future")
    on_time = kept_at <= adjustment.due_at
    event = ChangeCommitmentKeptV1(
        change_id=change.change_id,
        commitment_id=commitment_id,
        terms_version=adjustment.terms_version,
        owner=adjustment.owner,
        due_at=adjustment.due_at,
        kept_at=kept_at,
        on_time=on_time,
    )
    kept = KeptAdjustment(commitment_id, kept_at, on_time)
    return ChangeDecision(replace(change, kept=(*change.kept, kept)), (event,))


def _adjustment(
    change: Change,
    draft: AdjustmentDraft,
    field: str,
    earlier: dict[UUID, Adjustment],
    *,
    now: datetime,
    new_id: NewId,
) -> Adjustment:
    if draft.due_at <= now:
        raise DomainError.invalid(f"{field}.due_at", "must be in the future")
    owner = change.person(draft.owner.person_id)
    if owner is None or owner.person != draft.owner:
        raise DomainError.invalid(f"{field}.owner", "does not take part in this change")
    if not draft.owed_to_departments:
        raise DomainError.invalid(f"{field}.owed_to_departments", "name at least one department")
    involved = (change.owner.department, *change.affected_departments)
    for index, department in enumerate(draft.owed_to_departments):
        if department not in involved:
            raise DomainError.invalid(
                f"{field}.owed_to_departments.{index}",
                f"{department} is neither the owner's department nor affected by this change",
            )
    before = None
    if draft.commitment_id is not None:
        before = earlier.get(draft.commitment_id)
        if before is None:
            raise DomainError.invalid(
                f"{field}.commitment_id", "is not an adjustment of the current version"
            )
    candidate = Adjustment(
        commitment_id=draft.commitment_id or new_id(),
        terms_version=before.terms_version if before else 1,
        kind=draft.kind,
        owner=draft.owner,
        owed_to_departments=list(draft.owed_to_departments),
        action=draft.action,
        due_at=draft.due_at,
    )
    if before is not None and candidate != before:
        candidate = candidate.model_copy(update={"terms_version": before.terms_version + 1})
    return candidate
