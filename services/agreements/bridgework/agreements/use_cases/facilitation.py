"""Who facilitates a repair: assigning a facilitator, offering to facilitate, and answering
an offer. Each one transaction, the repair locked (domain/facilitation.py decides)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from bridgework.agreements.domain import facilitation
from bridgework.agreements.domain.readers import Reader
from bridgework.agreements.domain.repair import Decision, Repair
from bridgework.agreements.settings import AgreementsSettings
from bridgework.agreements.use_cases.repair_changes import (
    RepairChange,
    change_repair,
    change_sealing,
)
from bridgework.agreements.use_cases.sealing import Sealer
from bridgework.common.clock import Clock
from bridgework.common.contracts import FacilitationDecision, PersonRef
from bridgework.common.postgres import Pool
from bridgework.common.privacy import KeyStore


async def assign_facilitator(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    keys: KeyStore,
    repair_id: UUID,
    reader: Reader,
    facilitator: PersonRef,
) -> RepairChange:
    """The change team or a lead of a department involved makes a person a facilitator."""
    return await change_repair(
        pool=pool,
        clock=clock,
        settings=settings,
        keys=keys,
        repair_id=repair_id,
        reader=reader,
        decide=lambda repair, now: facilitation.assign_facilitator(
            repair, facilitator, assigner=reader, now=now
        ),
    )


async def offer_to_facilitate(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    keys: KeyStore,
    repair_id: UUID,
    reader: Reader,
) -> RepairChange:
    """A facilitator offers to facilitate a repair they may see; the offer waits for approval."""
    return await change_repair(
        pool=pool,
        clock=clock,
        settings=settings,
        keys=keys,
        repair_id=repair_id,
        reader=reader,
        decide=lambda repair, now: facilitation.offer_to_facilitate(
            repair, offerer=reader, now=now
        ),
    )


async def answer_offer(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    keys: KeyStore,
    repair_id: UUID,
    reader: Reader,
    person_id: str,
    decision: FacilitationDecision,
    reason: str | None,
) -> RepairChange:
    """The change team or a lead of a department involved approves or declines an offer; the
    reason is sealed with the answerer's key."""

    async def decide(sealer: Sealer, repair: Repair, now: datetime) -> Decision:
        return facilitation.answer_offer(
            repair,
            person_id,
            decision=decision,
            reason=await sealer.seal_optional(reader.person_id, reason),
            answerer=reader,
            now=now,
        )

    return await change_sealing(
        pool=pool,
        clock=clock,
        settings=settings,
        keys=keys,
        repair_id=repair_id,
        reader=reader,
        decide=decide,
    )
