"""Reading, moving and keeping up the demo's time, shared by a service's replicas."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from bridgework.common.clock import Clock
from bridgework.common.postgres import Connection, Pool
from bridgework.common.runtime import BackgroundTask, Runtime
from bridgework.common.settings import ServiceSettings
from bridgework.common.time_travel import storage
from bridgework.common.time_travel.clock import TravellingClock

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoTime:
    """The service's now, and how far it runs from the wall clock."""

    now: datetime
    offset: timedelta


async def catch_up(connection: Connection, clock: Clock) -> None:
    """Take up the offset any replica stored, when running on the demo's clock."""
    if isinstance(clock, TravellingClock):
        stored = await storage.stored_offset(connection)
        if stored is not None:
            clock.take_up(stored)


async def demo_time(*, pool: Pool, clock: TravellingClock) -> DemoTime:
    """The service's now, as every replica agrees on it."""
    async with pool.acquire() as connection:
        await catch_up(connection, clock)
    return DemoTime(now=clock.now(), offset=clock.offset)


async def advance_demo_time(*, pool: Pool, clock: TravellingClock, by: timedelta) -> DemoTime:
    """Move the service's time forward by `by` for every replica."""
    async with pool.acquire() as connection, connection.transaction():
        await catch_up(connection, clock)
        offset = clock.advanced(by)
        await storage.store_offset(connection, offset)
    clock.take_up(offset)
    return DemoTime(now=clock.now(), offset=clock.offset)


async def keep_time(runtime: Runtime, *, clock: TravellingClock, every_seconds: float) -> None:
    """A background task: store the start offset on the very first start, then take up what
    other replicas store (a restart resumes the demo's time, never the start's)."""
    async with runtime.pool.acquire() as connection:
        await storage.store_first_offset(connection, clock.start)
        await catch_up(connection, clock)
    logger.warning("time travel is on: this service runs %s from the wall clock", clock.offset)
    while True:
        await asyncio.sleep(every_seconds)
        async with runtime.pool.acquire() as connection:
            await catch_up(connection, clock)


def travelling(settings: ServiceSettings, clock: Clock) -> tuple[Clock, list[BackgroundTask]]:
    """For a composition root: the clock to run on and the task that keeps it, a travelling
    clock when `BRIDGEWORK_TIME_TRAVEL=true`, else `clock` as it is and no task."""
    if not settings.time_travel:
        return clock, []
    travelling_clock = TravellingClock(clock, start=settings.time_travel_start)
    keeper = partial(
        keep_time, clock=travelling_clock, every_seconds=settings.time_travel_poll_seconds
    )
    return travelling_clock, [keeper]
