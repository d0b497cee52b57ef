"""The demo's clock: real time plus an offset that an admin endpoint moves forward.

Only used when `BRIDGEWORK_TIME_TRAVEL=true`. The offset lives in follow-up's schema, so a
restart keeps the demo's "now" and every replica agrees on it (each reloads it before it
fires timers). Time only moves forward, as with `ManualClock`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bridgework.common.clock import Clock
from bridgework.common.postgres import Pool
from bridgework.followup import repository


class TravellingClock:
    """Another clock, shifted by an offset that only grows."""

    def __init__(self, base: Clock) -> None:
        self._base = base
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return self._base.now() + self.offset

    async def load(self, pool: Pool) -> None:
        """Take up the offset stored by any replica."""
        async with pool.acquire() as connection:
            stored = timedelta(seconds=await repository.clock_offset(connection))
        self.offset = max(self.offset, stored)

    async def advance(self, pool: Pool, by: timedelta) -> datetime:
        """Move time forward by `by` for every replica; return the new now."""
        if by <= timedelta(0):
            raise ValueError("time only moves forward")
        await self.load(pool)
        self.offset += by
        async with pool.acquire() as connection:
            await repository.set_clock_offset(connection, self.offset.total_seconds())
        return self.now()
