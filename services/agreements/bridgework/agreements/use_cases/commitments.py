"""Commitments in force: kept, or changed by consent (renegotiation, release)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from bridgework.agreements.domain import commitments, proposals
from bridgework.agreements.domain.readers import Reader, acting_person
from bridgework.agreements.domain.repair import Decision, Repair
from bridgework.agreements.settings import AgreementsSettings
from bridgework.agreements.use_cases.repair_changes import (
    RepairDetails,
    change_repair,
    change_sealing,
)
from bridgework.agreements.use_cases.sealing import Sealer
from bridgework.common.clock import Clock
from bridgework.common.postgres import Pool
from bridgework.common.privacy import KeyStore


async def keep_commitment(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    keys: KeyStore,
    repair_id: UUID,
    commitment_id: UUID,
    reader: Reader,
    kept_at: datetime | None,
) -> RepairDetails:
    """A commitment in force was kept, at `kept_at` (default now)."""
    change = await change_repair(
        pool=pool,
        clock=clock,
        settings=settings,
        keys=keys,
        repair_id=repair_id,
        reader=reader,
        decide=lambda repair, now: commitments.keep_commitment(
            repair,
            actor=acting_person(reader),
            commitment_id=commitment_id,
            kept_at=kept_at or now,
            now=now,
        ),
    )
    return change.details


async def renegotiate_commitment(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    keys: KeyStore,
    repair_id: UUID,
    commitment_id: UUID,
    reader: Reader,
    action: str | None,
    due_at: datetime | None,
    reason: str,
) -> RepairDetails:
    """Propose new terms or a new date for a commitment: a new version, in force once all consent.
    The new action and the reason are sealed with the commitment owner's key."""

    async def decide(sealer: Sealer, repair: Repair, now: datetime) -> Decision:
        old = commitments.terms_in_force(repair, commitment_id)
        owner = old.owner.person_id if old else reader.person_id
        sealed_action = None
        if action is not None:
            sealed_action = await sealer.seal(owner, action, same_as=old.action if old else None)
        return proposals.propose_renegotiation(
            repair,
            actor=acting_person(reader),
            commitment_id=commitment_id,
            action=sealed_action,
            due_at=due_at,
            reason=await sealer.seal(owner, reason),
            now=now,
        )

    change = await change_sealing(
        pool=pool,
        clock=clock,
        settings=settings,
        keys=keys,
        repair_id=repair_id,
        reader=reader,
        decide=decide,
    )
    return change.details


async def release_commitment(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    keys: KeyStore,
    repair_id: UUID,
    commitment_id: UUID,
    reader: Reader,
    reason: str,
) -> RepairDetails:
    """Propose releasing a commitment: a new version, released once all consent. The reason is
    sealed with the commitment owner's key."""

    async def decide(sealer: Sealer, repair: Repair, now: datetime) -> Decision:
        old = commitments.terms_in_force(repair, commitment_id)
        owner = old.owner.person_id if old else reader.person_id
        return proposals.propose_release(
            repair,
            actor=acting_person(reader),
            commitment_id=commitment_id,
            reason=await sealer.seal(owner, reason),
            now=now,
        )

    change = await change_sealing(
        pool=pool,
        clock=clock,
        settings=settings,
        keys=keys,
        repair_id=repair_id,
        reader=reader,
        decide=decide,
    )
    return change.details
