"""The gateway's composition root: the one place that wires settings, clock and adapters
of both halves (the projection's subscriber, the read side's routes and loops)."""

from __future__ import annotations

from functools import partial

import httpx
from fastapi import FastAPI

from bridgework.common.clock import Clock, SystemClock
from bridgework.common.health import declare_readiness
from bridgework.common.key_store_start import install_key_store, key_store_from
from bridgework.common.service_app import create_service_app
from bridgework.common.time_travel import travelling
from bridgework.graphql_gateway.projection.entrypoints.events import subscribe_read_model
from bridgework.graphql_gateway.read.clients.agreements import AgreementsClient
from bridgework.graphql_gateway.read.entrypoints import (
    graphiql,
    http_time_travel,
    pages,
    workspace_pages,
)
from bridgework.graphql_gateway.read.entrypoints.dependencies import graphql_context
from bridgework.graphql_gateway.read.entrypoints.graphql.router import GatewayGraphQLRouter
from bridgework.graphql_gateway.read.entrypoints.graphql.schema import build_schema
from bridgework.graphql_gateway.read.entrypoints.loops import ReadModelChanges
from bridgework.graphql_gateway.settings import GatewaySettings


def create_app(
    settings: GatewaySettings | None = None,
    clock: Clock | None = None,
    *,
    agreements_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The gateway as an ASGI app; its read-model consumer and live-update listener start
    with its lifespan. `agreements_transport` lets tests reach an in-process agreements app."""
    settings = settings or GatewaySettings()
    # Without a KEK that opens the stored keys the app refuses to start: no plaintext fallback.
    keys = key_store_from(settings)
    clock, travel = travelling(settings, clock or SystemClock())
    changes = ReadModelChanges()
    agreements = AgreementsClient(
        settings.agreements_url,
        timeout=settings.agreements_timeout_seconds,
        transport=agreements_transport,
    )
    graphql = GatewayGraphQLRouter(
        build_schema(settings),
        path="/graphql",
        context_getter=graphql_context,
        graphql_ide="graphiql" if settings.graphql_ide else None,
    )
    app = create_service_app(
        settings,
        clock=clock,
        title="Bridgework GraphQL gateway",
        description="One GraphQL endpoint for dashboards and facilitators, at /graphql; "
        "the change team's dashboard at /dashboard.",
        migrations_package="bridgework.graphql_gateway",
        routers=[
            graphql,
            pages.router,
            workspace_pages.router,
            *([graphiql.router] if settings.graphql_ide else []),
            *([http_time_travel.router] if travel else []),
        ],
        subscriptions=partial(subscribe_read_model, settings=settings),
        background=[*travel, changes.listen, agreements.close_when_stopped],
    )
    # The read side answers from Postgres; the projection's lag is reported, not gating.
    declare_readiness(app, gates=["postgres"])
    app.state.changes = changes
    app.state.agreements = agreements
    install_key_store(app, keys)
    return app
