"""The demo's offset, one row in the service's own schema shared by its replicas."""

from __future__ import annotations

from datetime import timedelta

from bridgework.common.postgres import Connection


async def stored_offset(connection: Connection) -> timedelta | None:
    """The offset any replica stored; None before the first one did."""
    seconds = await connection.fetchval("SELECT seconds FROM demo_clock")
    return None if seconds is None else timedelta(seconds=float(seconds))


async def store_offset(connection: Connection, offset: timedelta) -> None:
    """Store the offset for every replica."""
    await connection.execute(
        "INSERT INTO demo_clock (singleton, seconds) VALUES (true, $1)"
        " ON CONFLICT (singleton) DO UPDATE SET seconds = GREATEST(demo_clock.seconds, $1)",
        offset.total_seconds(),
    )


async def store_first_offset(connection: Connection, offset: timedelta) -> None:
    """Store the start offset unless a replica (or an earlier run) stored one already."""
    await connection.execute(
        "INSERT INTO demo_clock (singleton, seconds) VALUES (true, $1)"
        " ON CONFLICT (singleton) DO NOTHING",
        offset.total_seconds(),
    )
