"""The ASGI app shape every service shares: lifespan-managed runtime, health, error format,
metrics, request ids and traces."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from pydantic import BaseModel
from starlette.types import Scope

from bridgework.common.api_docs import install_api_docs
from bridgework.common.asyncapi import describe_service
from bridgework.common.clock import Clock
from bridgework.common.contracts import Stream
from bridgework.common.health import health_router
from bridgework.common.http_errors import install_error_handlers
from bridgework.common.http_limits import BodyLimitMiddleware
from bridgework.common.http_observability import ObservabilityMiddleware
from bridgework.common.metrics import exposition
from bridgework.common.outbox import observe_backlog
from bridgework.common.rate_limits import RateLimitMiddleware
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
    topic_payloads: Mapping[str, Sequence[type[BaseModel]]] | None = None,
    body_limit: Callable[[Scope], int] | None = None,
) -> FastAPI:
    """A FastAPI app whose lifespan starts the service's pool, broker, consumers and relay.

    `publishes` (the streams its outbox writes) and `topic_payloads` (models of topics
    that carry no contract) complete its AsyncAPI document, served at /asyncapi.json.
    `body_limit` gives a request's body limit where one size does not fit all (intake).
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

    # /docs is served with local assets below; ReDoc would load its script from a CDN.
    app = FastAPI(
        title=title,
        description=description,
        version="1",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # FastAPI's own OpenTelemetry spans record the raw path and query string (a check-in
        # link's token, GraphQL variables); common's middleware records the route template.
        telemetry={"tracing": False, "metrics": False, "logs": False, "auto_configure": False},
    )
    app.state.settings = settings
    app.state.clock = clock
    install_error_handlers(app)
    install_api_docs(app, title=title)
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
    install_limits(app, settings, body_limit=body_limit)
    install_observability(app, settings)
    return app


def install_observability(app: FastAPI, settings: ServiceSettings) -> None:
    """`/metrics` for Prometheus, and (outermost) request ids, latencies and spans."""
    service = settings.service_name

    async def prometheus_metrics(request: Request) -> Response:
        runtime = getattr(request.app.state, "runtime", None)
        if runtime is not None:  # the outbox gauges are read at scrape time, not per event
            await observe_backlog(runtime.pool, service=service)
        body, content_type = exposition()
        return Response(body, media_type=content_type)

    app.add_api_route("/metrics", prometheus_metrics, methods=["GET"], include_in_schema=False)
    app.add_middleware(ObservabilityMiddleware, service=service)


def install_limits(
    app: FastAPI, settings: ServiceSettings, *, body_limit: Callable[[Scope], int] | None
) -> None:
    """Body size and JSON depth, then (outermost, so a throttled caller costs least) the rate."""
    max_body_bytes = settings.max_body_bytes
    app.add_middleware(
        BodyLimitMiddleware,
        limit_for=body_limit or (lambda _: max_body_bytes),
        max_json_depth=settings.max_json_depth,
    )
    if settings.rate_limit_per_minute:
        app.add_middleware(RateLimitMiddleware, per_minute=settings.rate_limit_per_minute)
