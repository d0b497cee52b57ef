"""What follow-up shows of a repair it follows: commitments, the schedule, the nudges sent."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from bridgework.common.postgres import Pool
from bridgework.followup.domain.deliveries import NudgeRecord
from bridgework.followup.domain.schedule import (
    Commitment,
    ScheduledTimer,
    TrackedRepair,
    not_followed,
)
from bridgework.followup.repository import commitments, nudges, repairs, timers


@dataclass(frozen=True)
class FollowedRepair:
    """A followed repair, its commitments as follow-up sees them, and every timer."""

    tracked: TrackedRepair
    commitments: list[Commitment]
    schedule: list[ScheduledTimer]


async def followed_repair(*, pool: Pool, repair_id: UUID) -> FollowedRepair:
    """A repair follow-up is following: its commitments and every timer, pending or settled."""
    async with pool.acquire() as connection, connection.transaction():
        tracked = await repairs.get_tracked(connection, repair_id)
        if tracked is None:
            raise not_followed(repair_id)
        promised = await commitments.commitments_of_repairs(connection, [repair_id])
        schedule = await timers.timers_of_repair(connection, repair_id)
    return FollowedRepair(tracked, promised.get(repair_id, []), schedule)


async def nudges_about(*, pool: Pool, repair_id: UUID) -> list[NudgeRecord]:
    """The nudges sent about a followed repair, oldest first, with how each delivery went."""
    async with pool.acquire() as connection, connection.transaction():
        if await repairs.get_tracked(connection, repair_id) is None:
            raise not_followed(repair_id)
        return await nudges.nudges_of_repair(connection, repair_id)
