"""Agreements' HTTP route for closing a repair."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from bridgework.agreements.entrypoints.dependencies import (
    ClockDep,
    KeyStoreDep,
    PoolDep,
    ReaderDep,
    SettingsDep,
)
from bridgework.agreements.entrypoints.http_answers import ERROR_RESPONSES, repair_view
from bridgework.agreements.schemas import CloseRepair, RepairView
from bridgework.agreements.use_cases import closing

router = APIRouter(prefix="/v1", tags=["repairs"])


@router.post("/repairs/{repair_id}/close", responses=ERROR_RESPONSES)
async def close_repair(
    repair_id: UUID,
    body: CloseRepair,
    pool: PoolDep,
    keys: KeyStoreDep,
    clock: ClockDep,
    settings: SettingsDep,
    reader: ReaderDep,
) -> RepairView:
    """A facilitator closes the repair: repaired, unrepaired or returned to the formal process."""
    details = await closing.close_repair(
        pool=pool,
        keys=keys,
        clock=clock,
        settings=settings,
        repair_id=repair_id,
        reader=reader,
        outcome=body.outcome,
        reason_code=body.reason_code,
        reason=body.reason,
    )
    return repair_view(details, now=clock.now())
