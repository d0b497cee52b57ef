"""The demo's clock over HTTP (only served when `BRIDGEWORK_TIME_TRAVEL=true`): read it, and
move follow-up's time forward for every replica. Behind the admin token or a change-team
person's token."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from bridgework.common.time_travel import AdvanceIn, ClockOut, advance_demo_time, demo_time
from bridgework.followup.entrypoints.dependencies import ADMIN_ONLY, PoolDep, TravellingClockDep
from bridgework.followup.entrypoints.http_admin import ERRORS
from bridgework.followup.use_cases.catching_up import work_due


class FollowupClockOut(ClockOut):
    """Follow-up's now, and what it still has to do at that now."""

    due_timers: int = Field(description="Timers due and not yet fired (or postponed).")
    due_deliveries: int = Field(description="Messages due to be sent and not yet sent.")


router = APIRouter(prefix="/v1/admin/clock", tags=["admin"], dependencies=ADMIN_ONLY)


@router.get("")
async def get_clock(pool: PoolDep, clock: TravellingClockDep) -> FollowupClockOut:
    """Follow-up's now, how far it runs ahead of the wall clock, and what is due at that now
    (the demo's seeder waits for nothing to be due before it moves the clocks again)."""
    now = await demo_time(pool=pool, clock=clock)
    due = await work_due(pool=pool, clock=clock)
    return FollowupClockOut(
        now=now.now, offset=now.offset, due_timers=due.timers, due_deliveries=due.deliveries
    )


@router.post("/advance", responses=ERRORS)
async def advance_clock(advance: AdvanceIn, pool: PoolDep, clock: TravellingClockDep) -> ClockOut:
    """Move follow-up's time forward (demo only): due timers fire at their next poll."""
    now = await advance_demo_time(pool=pool, clock=clock, by=advance.by)
    return ClockOut(now=now.now, offset=now.offset)
