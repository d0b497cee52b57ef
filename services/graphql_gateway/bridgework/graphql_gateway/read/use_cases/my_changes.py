"""The planned changes the viewer takes part in (docs/gateway.md, "my work")."""

from __future__ import annotations

from bridgework.common.postgres import Pool
from bridgework.graphql_gateway.read.domain.my_changes import MyChange, my_changes
from bridgework.graphql_gateway.read.domain.viewer import Viewer
from bridgework.graphql_gateway.read.repository import change_participants
from bridgework.graphql_gateway.read.repository import planned_changes as repository


async def changes_taken_part_in(*, pool: Pool, viewer: Viewer) -> list[MyChange]:
    """The viewer's own parts only, whatever their roles: taking part is what lets them see the
    change here (as agreements lets them see its engagement), not leading a department."""
    async with pool.acquire() as connection, connection.transaction(readonly=True):
        parts = await change_participants.participations_of(connection, viewer.subject)
        found = await repository.changes_by_id(
            connection, sorted({p.change_id for p in parts})
        ) if parts else []  # fmt: skip
    return my_changes({c.change_id: c for c in found}, parts)
