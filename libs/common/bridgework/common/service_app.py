"""The ASGI app shape every service shares: lifespan-managed runtime, health, error format."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from bridgework.common.clock import Clock
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
) -> FastAPI:
    """A FastAPI app whose lifespan starts the service's pool, broker, consumers and relay."""

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
    return app
