"""The demo's clock over HTTP (only served when `BRIDGEWORK_TIME_TRAVEL=true`): read it, and
move follow-up's time forward for every replica. Behind the admin token or a change-team
person's token."""

from __future__ import annotations

from fastapi import APIRouter

from bridgework.common.time_travel import AdvanceIn, ClockOut, advance_demo_time, demo_time
from bridgework.followup.entrypoints.dependencies import ADMIN_ONLY, PoolDep, TravellingClockDep
from bridgework.followup.entrypoints.http_admin import ERRORS

router = APIRouter(prefix="/v1/admin/clock", tags=["admin"], dependencies=ADMIN_ONLY)


@router.get("")
async def get_clock(pool: PoolDep, clock: TravellingClockDep) -> ClockOut:
    """Follow-up's now, and how far it runs ahead of the wall clock."""
    now = await demo_time(pool=pool, clock=clock)
    return ClockOut(now=now.now, offset=now.offset)


@router.post("/advance", responses=ERRORS)
async def advance_clock(advance: AdvanceIn, pool: PoolDep, clock: TravellingClockDep) -> ClockOut:
    """Move follow-up's time forward (demo only): due timers fire at their next poll."""
    now = await advance_demo_time(pool=pool, clock=clock, by=advance.by)
    return ClockOut(now=now.now, offset=now.offset)
