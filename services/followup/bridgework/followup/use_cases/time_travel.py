"""The demo's time travel: reading and moving follow-up's time, shared by every replica."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bridgework.common.clock import Clock
from bridgework.common.postgres import Connection, Pool
from bridgework.followup.domain.time_travel import TravellingClock
from bridgework.followup.repository import time_travel


@dataclass(frozen=True)
class DemoTime:
    """Follow-up's now, and how far it runs ahead of the wall clock."""

    now: datetime
    offset: timedelta


async def catch_up(connection: Connection, clock: Clock) -> None:
    """Take up the offset any replica stored, when running on the demo's clock."""
    if isinstance(clock, TravellingClock):
        clock.take_up(await time_travel.stored_offset(connection))


async def demo_time(*, pool: Pool, clock: TravellingClock) -> DemoTime:
    """Follow-up's now, as every replica agrees on it."""
    async with pool.acquire() as connection, connection.transaction():
        await catch_up(connection, clock)
    return DemoTime(now=clock.now(), offset=clock.offset)


async def advance_demo_time(*, pool: Pool, clock: TravellingClock, by: timedelta) -> DemoTime:
    """Move follow-up's time forward by `by` for every replica: due timers fire at their
    next poll."""
    async with pool.acquire() as connection, connection.transaction():
        await catch_up(connection, clock)
        offset = clock.advanced(by)
        await time_travel.store_offset(connection, offset)
    clock.take_up(offset)
    return DemoTime(now=clock.now(), offset=clock.offset)
