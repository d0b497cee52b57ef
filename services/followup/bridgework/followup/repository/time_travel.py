"""The demo's shift of time, one row shared by every replica."""

from __future__ import annotations

from datetime import timedelta

from bridgework.common.postgres import Connection


async def stored_offset(connection: Connection) -> timedelta:
    """How far the demo's time runs ahead of the wall clock (zero until first moved)."""
    seconds = await connection.fetchval("SELECT seconds FROM clock_offset")
    return timedelta(seconds=float(seconds or 0.0))


async def store_offset(connection: Connection, offset: timedelta) -> None:
    """Store the demo's offset for every replica."""
    await connection.execute(
        "INSERT INTO clock_offset (singleton, seconds) VALUES (true, $1)"
        " ON CONFLICT (singleton) DO UPDATE SET seconds = EXCLUDED.seconds",
        offset.total_seconds(),
    )
