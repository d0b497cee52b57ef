"""Rebuilding the read model (docs/operations.md, "Rebuilding the read model"): a fresh schema
beside the live one, filled from the topics, then swapped in.

The events are applied exactly as the live consumer applies them, under its consumer name,
so the rebuilt schema's inbox makes the live consumer's later deliveries of the same events
no-ops once the rebuilt schema is live.
"""

from __future__ import annotations

from collections.abc import Sequence

from bridgework.common.contracts import Contract
from bridgework.common.errors import DomainError, ErrorKind
from bridgework.common.events import Event
from bridgework.common.inbox import claim
from bridgework.common.postgres import Connection, Pool, migrate
from bridgework.graphql_gateway.projection.repository import schemas
from bridgework.graphql_gateway.projection.use_cases.fold_changes import fold_changes
from bridgework.graphql_gateway.projection.use_cases.privacy import fold_with_erasures

GATEWAY_PACKAGE = "bridgework.graphql_gateway"


async def prepare(admin: Connection, *, live: str, rebuilt: str) -> str:
    """Make `rebuilt` empty and owned by the live schema's owner; return that owner."""
    owner = await schemas.owner_of(admin, live)
    if owner is None:
        raise DomainError(
            "not_found",
            f"schema {live!r} does not exist: start the gateway once before rebuilding",
            kind=ErrorKind.NOT_FOUND,
        )
    async with admin.transaction():
        await schemas.create_empty(admin, rebuilt, owner=owner)
    return owner


async def migrate_rebuilt(pool: Pool, *, rebuilt: str) -> None:
    """The gateway's tables in the fresh schema, made by the gateway's own role."""
    await migrate(pool, schema=rebuilt, package=GATEWAY_PACKAGE)


async def apply(pool: Pool, *, consumer: str, events: Sequence[Event[Contract]]) -> int:
    """Fold a batch as the live consumer does (inbox claims first); return how many were new."""
    async with pool.acquire() as connection, connection.transaction():
        fresh_ids = await claim(connection, consumer=consumer, event_ids=[e.id for e in events])
        fresh = [event for event in events if event.id in fresh_ids]
        if fresh:
            await fold_with_erasures(connection=connection, events=fresh)
            await fold_changes(connection=connection, events=fresh)
    return len(fresh)


async def switch(admin: Connection, *, live: str, rebuilt: str, retired: str) -> None:
    """Swap the rebuilt schema in; the old one stays as `retired` until someone drops it."""
    async with admin.transaction():
        await schemas.swap(admin, live=live, rebuilt=rebuilt, retired=retired)
