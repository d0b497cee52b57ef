"""Per-request GraphQL context: the viewer, the pool and DataLoaders made fresh per request."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from bridgework.common.clock import Clock
from bridgework.common.postgres import Pool
from bridgework.graphql_gateway import lookups
from bridgework.graphql_gateway.agreements_api import AgreementsApi
from bridgework.graphql_gateway.auth import Viewer
from bridgework.graphql_gateway.errors import UnauthenticatedError
from bridgework.graphql_gateway.live import ReadModelChanges
from bridgework.graphql_gateway.settings import GatewaySettings

Row = dict[str, Any]
Loader = DataLoader[Any, list[Row]]


class Context(BaseContext):
    """What every resolver may use; loaders batch nested lookups into one query per level."""

    def __init__(
        self,
        *,
        pool: Pool,
        settings: GatewaySettings,
        clock: Clock,
        changes: ReadModelChanges,
        viewer: Viewer | None,
        agreements_api: AgreementsApi | None = None,
    ) -> None:
        super().__init__()
        self.pool = pool
        self.settings = settings
        self.clock = clock
        self.changes = changes
        self._viewer = viewer
        self.agreements_api = agreements_api
        self.reset_loaders()

    @property
    def viewer(self) -> Viewer:
        """The authenticated person; GraphQL over HTTP never gets this far without one."""
        if self._viewer is None:
            raise UnauthenticatedError("a bearer token is required")
        return self._viewer

    @property
    def authenticated(self) -> bool:
        return self._viewer is not None

    def authenticate(self, viewer: Viewer) -> None:
        """Set the viewer of a WebSocket connection once its connection_init is verified."""
        self._viewer = viewer

    def reset_loaders(self) -> None:
        """Fresh loaders: per request, and per update of a long-lived subscription."""
        self._viewer_repairs: set[UUID] | None = None
        self.repair = self._rows("repairs", "repair_id", "repair_id")
        self.incident = self._rows("incidents", "incident_id", "incident_id")
        self.commitment = self._rows("commitments", "commitment_id", "commitment_id")
        self.participants = self._rows("participants", "repair_id", "joined_at, person_id, role")
        self.conversations = self._rows("conversations", "repair_id", "recorded_at, person_id")
        self.agreements = self._rows("agreements", "repair_id", "first_reached_at, agreement_id")
        self.consents = self._rows("consents", "repair_id", "version, decided_at, person_id")
        self.commitments = self._rows("commitments", "repair_id", "due_at, commitment_id")
        self.nudges = self._rows("nudges", "repair_id", "sent_at, nudge_id")
        self.nudges_of_commitment = self._rows("nudges", "commitment_id", "sent_at, nudge_id")
        self.check_ins = self._rows("check_ins", "repair_id", "recorded_at, check_in_id")
        self.relationships = self._rows(
            "repair_relationships", "repair_id", "department_a, department_b"
        )
        self.incidents_of_repair = self._grouped(lookups.incidents_of_repairs, "repair_id")
        self.repairs_of_incident = self._grouped(lookups.repairs_of_incidents, "incident_id")

    async def viewer_repairs(self) -> set[UUID]:
        """The repairs the viewer takes part in: person-level detail is theirs to see."""
        if self._viewer_repairs is None:
            async with self.pool.acquire() as connection:
                self._viewer_repairs = await lookups.viewer_repair_ids(
                    connection, self.viewer.subject
                )
        return self._viewer_repairs

    def _rows(self, table: str, column: str, order: str) -> Loader:
        async def load(keys: Sequence[Any]) -> list[list[Row]]:
            async with self.pool.acquire() as connection:
                rows = await lookups.rows_by_key(connection, table, column, list(keys), order)
            return _group(rows, column, keys)

        return DataLoader(load_fn=load)

    def _grouped(
        self, fetch: Callable[[Any, Sequence[UUID]], Awaitable[list[Row]]], column: str
    ) -> Loader:
        async def load(keys: Sequence[Any]) -> list[list[Row]]:
            async with self.pool.acquire() as connection:
                rows = await fetch(connection, list(keys))
            return _group(rows, column, keys)

        return DataLoader(load_fn=load)


def _group(rows: list[Row], column: str, keys: Sequence[Any]) -> list[list[Row]]:
    grouped: defaultdict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row[column]].append(row)
    return [grouped[key] for key in keys]
