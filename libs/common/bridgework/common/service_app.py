"""The ASGI app shape every service shares: lifespan-managed runtime, health, error format."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from bridgework.common.asyncapi import describe_service
from bridgework.common.clock import Clock
from bridgework.common.contracts import Stream
from bridgework.common.health import health_router
from bridgework.common.http_errors import install_error_handlers
from bridgework.common.runtime import BackgroundTask, Subscriptions, service_runtime
from bridgework.common.settings import ServiceSettings


def create_service_app(
    settings: ServiceSettings,
    *,
    clock: Clock,
    title: str,
    description: str,
    migrations_package: str,
    routers: Sequence[APIRouter] = (),
    subscriptions: Subscriptions | None = None,
    background: Sequence[BackgroundTask] = (),
    publishes: Sequence[Stream] = (),
    topic_payloads: Mapping[str, type[BaseModel]] | None = None,
) -> FastAPI:
    """A FastAPI app whose lifespan starts the service's pool, broker, consumers and relay.

    `publishes` (the streams its outbox writes) and `topic_payloads` (models of topics
    that carry no contract) complete its AsyncAPI document, served at /asyncapi.json.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_runtime(
            settings,
            migrations_package=migrations_package,
            subscriptions=subscriptions,
            background=background,
        ) as runtime:
            app.state.runtime = runtime
            yield

    app = FastAPI(title=title, description=description, version="1", lifespan=lifespan)
    app.state.settings = settings
    app.state.clock = clock
    install_error_handlers(app)
    app.include_router(health_router(settings.service_name))
    for router in routers:
        app.include_router(router)

    @cache
    def asyncapi() -> dict[str, Any]:
        return describe_service(
            settings,
            title=title,
            description=description,
            subscriptions=subscriptions,
            publishes=publishes,
            payloads=topic_payloads,
        )

    async def asyncapi_json() -> dict[str, Any]:
        # On the event loop: describing registers subscribers with an (unopened) pool.
        return asyncapi()

    app.state.asyncapi = asyncapi
    app.add_api_route(
        "/asyncapi.json",
        asyncapi_json,
        methods=["GET"],
        tags=["docs"],
        summary="AsyncAPI 3.0: the topics this service reads and writes, and their events",
    )
    return app
