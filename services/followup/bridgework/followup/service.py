"""Follow-up's use cases, each inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from bridgework.common.clock import Clock
from bridgework.common.contracts import RepairOpenedV1
from bridgework.common.postgres import Connection
from bridgework.followup import repository
from bridgework.followup.domain import track


async def track_repairs(
    connection: Connection, opened: Sequence[RepairOpenedV1], *, clock: Clock
) -> None:
    """Start following every newly opened repair."""
    if opened:
        await repository.insert_tracked(
            connection, [track(event) for event in opened], tracked_at=clock.now()
        )
