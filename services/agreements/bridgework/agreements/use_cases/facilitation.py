"""Who facilitates a repair: assigning a facilitator, offering to facilitate, and answering
an offer. Each one transaction, the repair locked (domain/facilitation.py decides)."""

from __future__ import annotations

from uuid import UUID

from bridgework.agreements.domain import facilitation
from bridgework.agreements.domain.readers import Reader
from bridgework.agreements.settings import AgreementsSettings
from bridgework.agreements.use_cases.repair_changes import RepairChange, change_repair
from bridgework.common.clock import Clock
from bridgework.common.contracts import FacilitationDecision, PersonRef
from bridgework.common.postgres import Pool


async def assign_facilitator(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    repair_id: UUID,
    reader: Reader,
    facilitator: PersonRef,
) -> RepairChange:
    """The change team or a lead of a department involved makes a person a facilitator."""
    return await change_repair(
        pool=pool,
        clock=clock,
        settings=settings,
        repair_id=repair_id,
        reader=reader,
        decide=lambda repair, now: facilitation.assign_facilitator(
            repair, facilitator, assigner=reader, now=now
        ),
    )


async def offer_to_facilitate(
    *, pool: Pool, clock: Clock, settings: AgreementsSettings, repair_id: UUID, reader: Reader
) -> RepairChange:
    """A facilitator offers to facilitate a repair they may see; the offer waits for approval."""
    return await change_repair(
        pool=pool,
        clock=clock,
        settings=settings,
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
    repair_id: UUID,
    reader: Reader,
    person_id: str,
    decision: FacilitationDecision,
    reason: str | None,
) -> RepairChange:
    """The change team or a lead of a department involved approves or declines an offer."""
    return await change_repair(
        pool=pool,
        clock=clock,
        settings=settings,
        repair_id=repair_id,
        reader=reader,
        decide=lambda repair, now: facilitation.answer_offer(
            repair, person_id, decision=decision, reason=reason, answerer=reader, now=now
        ),
    )
