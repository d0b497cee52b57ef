"""How much follow-up still has to do at its now: timers due and messages waiting to go.

The demo's seeder moves the clocks days at a time; it waits until both are zero, so each
day's reminders and check-ins go out on that day, as they would when a day really passes.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridgework.common.clock import Clock
from bridgework.common.postgres import Pool
from bridgework.common.time_travel import catch_up
from bridgework.followup.repository import deliveries, timers


@dataclass(frozen=True)
class WorkDue:
    timers: int
    deliveries: int


async def work_due(*, pool: Pool, clock: Clock) -> WorkDue:
    """Timers due at follow-up's now, and deliveries due to be sent."""
    async with pool.acquire() as connection:
        await catch_up(connection, clock)
        return WorkDue(
            timers=await timers.count_due_timers(connection, now=clock.now()),
            deliveries=await deliveries.count_due_deliveries(connection),
        )
