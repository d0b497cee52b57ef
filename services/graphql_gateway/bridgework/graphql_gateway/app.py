"""The gateway's composition root: the one place that wires settings, clock and adapters."""

from __future__ import annotations

from functools import partial

import httpx
from fastapi import FastAPI

from bridgework.common.clock import Clock, SystemClock
from bridgework.common.service_app import create_service_app
from bridgework.graphql_gateway import api, handlers
from bridgework.graphql_gateway.agreements_api import AgreementsApi
from bridgework.graphql_gateway.live import ReadModelChanges
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
    clock = clock or SystemClock()
    changes = ReadModelChanges()
    agreements = AgreementsApi(
        settings.agreements_url,
        timeout=settings.agreements_timeout_seconds,
        transport=agreements_transport,
    )
    app = create_service_app(
        settings,
        clock=clock,
        title="Bridgework GraphQL gateway",
        description="One GraphQL endpoint for dashboards and facilitators, at /graphql; "
        "the change team's dashboard at /dashboard.",
        migrations_package="bridgework.graphql_gateway",
        routers=[
            api.graphql_router(settings, clock=clock, changes=changes, agreements_api=agreements),
            api.dashboard_router(),
        ],
        subscriptions=partial(handlers.subscribe_all, settings=settings),
        background=[changes.listen, agreements.close_when_stopped],
    )
    api.install_auth_errors(app)
    return app
