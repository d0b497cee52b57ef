"""What follow-up shows of a repair it follows: commitments, the schedule, the nudges sent;
each only to a caller `domain.readers` lets see the repair."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from bridgework.common.postgres import Connection, Pool
from bridgework.followup.domain.deliveries import NudgeRecord
from bridgework.followup.domain.readers import Caller, require_may_read
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


async def _readable(connection: Connection, repair_id: UUID, caller: Caller) -> TrackedRepair:
    """The followed repair, if the caller may see it; else 404, as if it were not followed."""
    tracked = await repairs.get_tracked(connection, repair_id)
    if tracked is None:
        raise not_followed(repair_id)
    if not caller.is_machine:
        people = await repairs.participants(connection, [repair_id])
        require_may_read(caller, tracked, people.get(repair_id, []))
    return tracked


async def followed_repair(*, pool: Pool, repair_id: UUID, caller: Caller) -> FollowedRepair:
    """A repair follow-up is following: its commitments and every timer, pending or settled."""
    async with pool.acquire() as connection, connection.transaction():
        tracked = await _readable(connection, repair_id, caller)
        promised = await commitments.commitments_of_repairs(connection, [repair_id])
        schedule = await timers.timers_of_repair(connection, repair_id)
    return FollowedRepair(tracked, promised.get(repair_id, []), schedule)


async def nudges_about(*, pool: Pool, repair_id: UUID, caller: Caller) -> list[NudgeRecord]:
    """The nudges sent about a followed repair, oldest first, with how each delivery went."""
    async with pool.acquire() as connection, connection.transaction():
        await _readable(connection, repair_id, caller)
        return await nudges.nudges_of_repair(connection, repair_id)
