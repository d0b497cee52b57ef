"""Per-request GraphQL context: the pool and DataLoaders made fresh for each request."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from bridgework.common.postgres import Pool
from bridgework.graphql_gateway import repository
from bridgework.graphql_gateway.settings import GatewaySettings

Row = dict[str, Any]


class Context(BaseContext):
    """What every resolver may use; loaders batch nested lookups into one query per level."""

    def __init__(self, *, pool: Pool, settings: GatewaySettings) -> None:
        super().__init__()
        self.pool = pool
        self.settings = settings
        self.incidents_of_repair = DataLoader[UUID, list[Row]](load_fn=self._incidents_of_repairs)
        self.relationships_of_repair = DataLoader[UUID, list[Row]](
            load_fn=self._relationships_of_repairs
        )

    async def _incidents_of_repairs(self, repair_ids: Sequence[UUID]) -> list[list[Row]]:
        async with self.pool.acquire() as connection:
            rows = await repository.incidents_of_repairs(connection, repair_ids)
        return _group(rows, repair_ids)

    async def _relationships_of_repairs(self, repair_ids: Sequence[UUID]) -> list[list[Row]]:
        async with self.pool.acquire() as connection:
            rows = await repository.relationships_of_repairs(connection, repair_ids)
        return _group(rows, repair_ids)


def _group(rows: list[Row], repair_ids: Sequence[UUID]) -> list[list[Row]]:
    grouped: defaultdict[UUID, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row["repair_id"]].append(row)
    return [grouped[repair_id] for repair_id in repair_ids]
