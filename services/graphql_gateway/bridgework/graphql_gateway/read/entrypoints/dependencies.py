"""What the read side's routes may ask FastAPI for: what the composition root (app.py) and
common's runtime put on `app.state`, and the GraphQL context built from it per request.

Each is `async def` though none awaits: FastAPI runs a plain `def` dependency in a worker
thread, a hop per dependency on every request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.requests import HTTPConnection
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.websockets import WebSocket

from bridgework.common.clock import Clock
from bridgework.common.key_store_start import key_store_of
from bridgework.common.postgres import Pool
from bridgework.common.privacy import KeyStore
from bridgework.graphql_gateway.read.entrypoints.auth import bearer_token, verified
from bridgework.graphql_gateway.read.entrypoints.graphql.context import Context
from bridgework.graphql_gateway.read.entrypoints.loops import ReadModelChanges
from bridgework.graphql_gateway.read.use_cases.changes import AgreementsClient
from bridgework.graphql_gateway.settings import GatewaySettings


async def settings_of(connection: HTTPConnection) -> GatewaySettings:
    """The gateway's settings."""
    settings: GatewaySettings = connection.app.state.settings
    return settings


async def pool_of(connection: HTTPConnection) -> Pool:
    """The read model's connection pool (the runtime opens it at start)."""
    pool: Pool = connection.app.state.runtime.pool
    return pool


async def clock_of(connection: HTTPConnection) -> Clock:
    """The gateway's one clock."""
    clock: Clock = connection.app.state.clock
    return clock


async def changes_of(connection: HTTPConnection) -> ReadModelChanges:
    """What live subscriptions wait on."""
    changes: ReadModelChanges = connection.app.state.changes
    return changes


async def agreements_of(connection: HTTPConnection) -> AgreementsClient:
    """The pooled client of agreements' HTTP API."""
    agreements: AgreementsClient = connection.app.state.agreements
    return agreements


SettingsDep = Annotated[GatewaySettings, Depends(settings_of)]
PoolDep = Annotated[Pool, Depends(pool_of)]
ClockDep = Annotated[Clock, Depends(clock_of)]
ChangesDep = Annotated[ReadModelChanges, Depends(changes_of)]
AgreementsDep = Annotated[AgreementsClient, Depends(agreements_of)]
# Opens confidential texts for the viewers who may see them (built and proven at start).
KeyStoreDep = Annotated[KeyStore, Depends(key_store_of)]


# Declares /graphql's bearer token in the OpenAPI document; auto_error off, so the context
# below still refuses with the gateway's own UNAUTHENTICATED answer. It reads an
# HTTPConnection, so it serves the WebSocket endpoint too (which then sends no header).
person_token = HTTPBearer(
    auto_error=False, scheme_name="personToken", description="The person's own token (JWT)."
)


def _ide_page_only(connection: HTTPConnection) -> bool:
    """A browser asking for GraphiQL's page (no query): served without a token."""
    if not isinstance(connection, Request) or connection.method != "GET":
        return False
    return (
        "text/html" in connection.headers.get("accept", "")
        and "query" not in connection.query_params
    )


async def graphql_context(
    connection: HTTPConnection,
    settings: SettingsDep,
    pool: PoolDep,
    clock: ClockDep,
    changes: ChangesDep,
    agreements: AgreementsDep,
    keys: KeyStoreDep,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(person_token)],
) -> Context:
    """A request's GraphQL context. Every GraphQL request over HTTP needs a bearer token
    (UNAUTHENTICATED, 401, before any resolver runs); a WebSocket sends its token at
    connection_init, and GraphiQL's page itself holds no data."""
    authorization = connection.headers.get("authorization")
    viewer = None
    if authorization or not (isinstance(connection, WebSocket) or _ide_page_only(connection)):
        viewer = await verified(bearer_token(authorization), settings)
    return Context(
        pool=pool,
        settings=settings,
        clock=clock,
        changes=changes,
        agreements=agreements,
        keys=keys,
        signed_in=viewer,
    )


ContextDep = Annotated[Context, Depends(graphql_context)]
