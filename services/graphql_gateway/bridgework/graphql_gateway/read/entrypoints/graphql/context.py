"""Per-request GraphQL context: the viewer, what the composition root provides, and
DataLoaders made fresh per request (one query per lookup per level of the answer)."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar
from uuid import UUID

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from bridgework.common.clock import Clock
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.postgres import Pool
from bridgework.common.privacy import DataKey, KeyStore, UnreadableSealedError, unseal
from bridgework.graphql_gateway.read.domain.viewer import Viewer, unauthenticated
from bridgework.graphql_gateway.read.entrypoints.loops import ReadModelChanges
from bridgework.graphql_gateway.read.use_cases import lists, texts
from bridgework.graphql_gateway.read.use_cases.changes import AgreementsClient
from bridgework.graphql_gateway.settings import GatewaySettings

R = TypeVar("R")


class Batch(Protocol[R]):
    """A use case that loads, for each key, the records found for it."""

    def __call__(self, *, pool: Pool, keys: Sequence[UUID]) -> Awaitable[list[list[R]]]: ...


@dataclass
class Context(BaseContext):
    """What every resolver may use."""

    pool: Pool
    settings: GatewaySettings
    clock: Clock
    changes: ReadModelChanges
    agreements: AgreementsClient
    keys: KeyStore
    signed_in: Viewer | None
    _viewer_repairs: set[UUID] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        super().__init__()
        self.reset_loaders()

    @property
    def viewer(self) -> Viewer:
        """The authenticated person; GraphQL over HTTP never gets this far without one."""
        if self.signed_in is None:
            raise unauthenticated("a bearer token is required")
        return self.signed_in

    def authenticate(self, viewer: Viewer) -> None:
        """Set the viewer of a WebSocket connection once its connection_init is verified."""
        self.signed_in = viewer

    def reset_loaders(self) -> None:
        """Fresh loaders: per request, and per update of a long-lived subscription."""
        self._viewer_repairs = None
        self.repair = self._loader(lists.repairs_by_id)
        self.incident = self._loader(lists.incidents_by_id)
        self.participants = self._loader(lists.participants_of)
        self.conversations = self._loader(lists.conversations_of)
        self.agreement_rows = self._loader(lists.agreements_of)
        self.consents = self._loader(lists.consents_of)
        self.commitments = self._loader(lists.commitments_of)
        self.nudges = self._loader(lists.nudges_of)
        self.nudges_of_commitment = self._loader(lists.nudges_of_commitment)
        self.check_ins = self._loader(lists.check_ins_of)
        self.relationships = self._loader(lists.relationships_of)
        self.pending_offers = self._loader(lists.pending_offers_of)
        self.incidents_of_repair = self._loader(lists.incidents_of_repair)
        self.repairs_of_incident = self._loader(lists.repairs_of_incident)
        self._data_keys: DataLoader[UUID, DataKey | None] = DataLoader(load_fn=self._load_data_keys)

    async def viewer_repairs(self) -> set[UUID]:
        """The repairs the viewer takes part in (once per request)."""
        if self._viewer_repairs is None:
            self._viewer_repairs = await lists.repairs_taken_part_in(
                pool=self.pool, viewer=self.viewer
            )
        return self._viewer_repairs

    async def opened(self, sealed: Sealed | None) -> str | None:
        """A confidential text opened: call only for a viewer who may see it. None when there
        is none, or its key is gone (erased, expired): GraphQL answers null."""
        if sealed is None:
            return None
        key = await self._data_keys.load(sealed.key_id)
        if key is None:
            return None
        try:
            return unseal(key, sealed)
        except UnreadableSealedError:
            return None

    async def _load_data_keys(self, key_ids: Sequence[UUID]) -> list[DataKey | None]:
        return await texts.data_keys(pool=self.pool, keys=self.keys, key_ids=key_ids)

    def _loader(self, batch: Batch[R]) -> DataLoader[UUID, list[R]]:
        async def load(keys: Sequence[UUID]) -> list[list[R]]:
            return await batch(pool=self.pool, keys=keys)

        return DataLoader(load_fn=load)
