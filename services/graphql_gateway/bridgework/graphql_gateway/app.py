"""The gateway's composition root: the one place that wires settings, clock and adapters."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from bridgework.common.clock import Clock, SystemClock
from bridgework.common.service_app import create_service_app
from bridgework.graphql_gateway import api, handlers
from bridgework.graphql_gateway.settings import GatewaySettings


def create_app(settings: GatewaySettings | None = None, clock: Clock | None = None) -> FastAPI:
    """The gateway as an ASGI app; its read-model consumer starts with its lifespan."""
    settings = settings or GatewaySettings()
    return create_service_app(
        settings,
        clock=clock or SystemClock(),
        title="Bridgework GraphQL gateway",
        description="One GraphQL endpoint for dashboards and facilitators, at /graphql.",
        migrations_package="bridgework.graphql_gateway",
        routers=[api.graphql_router(settings)],
        subscriptions=partial(handlers.subscribe_all, settings=settings),
    )
