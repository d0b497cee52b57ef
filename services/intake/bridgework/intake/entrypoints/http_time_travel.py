"""The demo's clock over HTTP, only served when `BRIDGEWORK_TIME_TRAVEL=true`: read it, and
move intake's time forward for every replica (bridgework.common.time_travel; the same routes
in every service, so a seeder moves them all together)."""

from __future__ import annotations

from fastapi import APIRouter

from bridgework.common.time_travel import AdvanceIn, ClockOut, advance_demo_time, demo_time
from bridgework.common.time_travel.http import CLOCK_KEEPER_ONLY, ClockPoolDep, TravellingClockDep

router = APIRouter(prefix="/v1/admin/clock", tags=["admin"], dependencies=CLOCK_KEEPER_ONLY)


@router.get("")
async def get_clock(pool: ClockPoolDep, clock: TravellingClockDep) -> ClockOut:
    """This service's now, and how far it runs from the wall clock."""
    now = await demo_time(pool=pool, clock=clock)
    return ClockOut(now=now.now, offset=now.offset)


@router.post("/advance")
async def advance_clock(
    advance: AdvanceIn, pool: ClockPoolDep, clock: TravellingClockDep
) -> ClockOut:
    """Move this service's time forward (demo only)."""
    now = await advance_demo_time(pool=pool, clock=clock, by=advance.by)
    return ClockOut(now=now.now, offset=now.offset)
