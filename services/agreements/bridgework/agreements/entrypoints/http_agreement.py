"""Agreements' HTTP routes for the agreement and its commitments: proposing terms, consent,
imposed outcomes, and keeping, renegotiating or releasing a commitment."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status

from bridgework.agreements.entrypoints.dependencies import (
    ClockDep,
    KeyStoreDep,
    PoolDep,
    ReaderDep,
    SettingsDep,
)
from bridgework.agreements.entrypoints.http_answers import ERROR_RESPONSES, repair_view
from bridgework.agreements.schemas import (
    AnswerProposal,
    ImposeOutcome,
    KeepCommitment,
    ProposeAgreement,
    ReleaseCommitment,
    RenegotiateCommitment,
    RepairView,
)
from bridgework.agreements.use_cases import agreement, commitments

router = APIRouter(prefix="/v1", tags=["repairs"])


# --- the agreement ----------------------------------------------------------------------------


@router.post(
    "/repairs/{repair_id}/agreement",
    status_code=status.HTTP_201_CREATED,
    responses=ERROR_RESPONSES,
    tags=["agreement"],
)
async def propose_agreement(
    repair_id: UUID,
    body: ProposeAgreement,
    pool: PoolDep,
    keys: KeyStoreDep,
    clock: ClockDep,
    settings: SettingsDep,
    reader: ReaderDep,
) -> RepairView:
    """Propose terms: a new version of the agreement, put to every responsible and affected
    participant for consent."""
    details = await agreement.propose_agreement(
        pool=pool,
        keys=keys,
        clock=clock,
        settings=settings,
        repair_id=repair_id,
        reader=reader,
        drafts=[c.draft() for c in body.commitments],
    )
    return repair_view(details, now=clock.now())


@router.post(
    "/repairs/{repair_id}/agreement/consents", responses=ERROR_RESPONSES, tags=["agreement"]
)
async def answer_proposal(
    repair_id: UUID,
    body: AnswerProposal,
    pool: PoolDep,
    keys: KeyStoreDep,
    clock: ClockDep,
    settings: SettingsDep,
    reader: ReaderDep,
) -> RepairView:
    """The actor gives or declines consent to the current version; the last consent needed
    brings it into force."""
    if body.decision == "give":
        details = await agreement.consent(
            pool=pool,
            keys=keys,
            clock=clock,
            settings=settings,
            repair_id=repair_id,
            reader=reader,
            version=body.version,
        )
    else:
        details = await agreement.decline(
            pool=pool,
            keys=keys,
            clock=clock,
            settings=settings,
            repair_id=repair_id,
            reader=reader,
            version=body.version,
            reason=body.reason or "",
        )
    return repair_view(details, now=clock.now())


@router.post("/repairs/{repair_id}/impose", responses=ERROR_RESPONSES, tags=["agreement"])
async def impose_outcome(
    repair_id: UUID,
    body: ImposeOutcome,
    pool: PoolDep,
    keys: KeyStoreDep,
    clock: ClockDep,
    settings: SettingsDep,
    reader: ReaderDep,
) -> RepairView:
    """Record an outcome decided without everyone's consent; the response mode says so. Only a
    facilitator of the repair or the change team (403 `facilitator_or_change_team_only`)."""
    details = await agreement.impose_outcome(
        pool=pool,
        keys=keys,
        clock=clock,
        settings=settings,
        repair_id=repair_id,
        reader=reader,
        reason=body.reason,
        drafts=[c.draft() for c in body.commitments],
    )
    return repair_view(details, now=clock.now())


# --- commitments --------------------------------------------------------------------------------


@router.post(
    "/repairs/{repair_id}/commitments/{commitment_id}/kept",
    responses=ERROR_RESPONSES,
    tags=["commitments"],
)
async def keep_commitment(
    repair_id: UUID,
    commitment_id: UUID,
    body: KeepCommitment,
    pool: PoolDep,
    keys: KeyStoreDep,
    clock: ClockDep,
    settings: SettingsDep,
    reader: ReaderDep,
) -> RepairView:
    """A commitment in force was kept; on time or late is told from its due date."""
    details = await commitments.keep_commitment(
        pool=pool,
        keys=keys,
        clock=clock,
        settings=settings,
        repair_id=repair_id,
        commitment_id=commitment_id,
        reader=reader,
        kept_at=body.kept_at,
    )
    return repair_view(details, now=clock.now())


@router.post(
    "/repairs/{repair_id}/commitments/{commitment_id}/renegotiate",
    status_code=status.HTTP_201_CREATED,
    responses=ERROR_RESPONSES,
    tags=["commitments"],
)
async def renegotiate_commitment(
    repair_id: UUID,
    commitment_id: UUID,
    body: RenegotiateCommitment,
    pool: PoolDep,
    keys: KeyStoreDep,
    clock: ClockDep,
    settings: SettingsDep,
    reader: ReaderDep,
) -> RepairView:
    """Propose new terms or a new date: a new agreement version, in force once all consent."""
    details = await commitments.renegotiate_commitment(
        pool=pool,
        keys=keys,
        clock=clock,
        settings=settings,
        repair_id=repair_id,
        commitment_id=commitment_id,
        reader=reader,
        action=body.action,
        due_at=body.due_at,
        reason=body.reason,
    )
    return repair_view(details, now=clock.now())


@router.post(
    "/repairs/{repair_id}/commitments/{commitment_id}/release",
    status_code=status.HTTP_201_CREATED,
    responses=ERROR_RESPONSES,
    tags=["commitments"],
)
async def release_commitment(
    repair_id: UUID,
    commitment_id: UUID,
    body: ReleaseCommitment,
    pool: PoolDep,
    keys: KeyStoreDep,
    clock: ClockDep,
    settings: SettingsDep,
    reader: ReaderDep,
) -> RepairView:
    """Propose releasing a commitment: a new agreement version, released once all consent."""
    details = await commitments.release_commitment(
        pool=pool,
        keys=keys,
        clock=clock,
        settings=settings,
        repair_id=repair_id,
        commitment_id=commitment_id,
        reader=reader,
        reason=body.reason,
    )
    return repair_view(details, now=clock.now())
