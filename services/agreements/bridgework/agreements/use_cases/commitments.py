"""Commitments in force: kept, or changed by consent (renegotiation, release)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from bridgework.agreements.domain import commitments, proposals
from bridgework.agreements.domain.readers import Reader, acting_person
from bridgework.agreements.settings import AgreementsSettings
from bridgework.agreements.use_cases.repair_changes import RepairDetails, change_repair
from bridgework.common.clock import Clock
from bridgework.common.postgres import Pool


async def keep_commitment(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
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
    repair_id: UUID,
    commitment_id: UUID,
    reader: Reader,
    action: str | None,
    due_at: datetime | None,
    reason: str,
) -> RepairDetails:
    """Propose new terms or a new date for a commitment: a new version, in force once all consent."""
    change = await change_repair(
        pool=pool,
        clock=clock,
        settings=settings,
        repair_id=repair_id,
        reader=reader,
        decide=lambda repair, now: proposals.propose_renegotiation(
            repair,
            actor=acting_person(reader),
            commitment_id=commitment_id,
            action=action,
            due_at=due_at,
            reason=reason,
            now=now,
        ),
    )
    return change.details


async def release_commitment(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    repair_id: UUID,
    commitment_id: UUID,
    reader: Reader,
    reason: str,
) -> RepairDetails:
    """Propose releasing a commitment: a new version, released once all consent."""
    change = await change_repair(
        pool=pool,
        clock=clock,
        settings=settings,
        repair_id=repair_id,
        reader=reader,
        decide=lambda repair, now: proposals.propose_release(
            repair, actor=acting_person(reader), commitment_id=commitment_id, reason=reason, now=now
        ),
    )
    return change.details
