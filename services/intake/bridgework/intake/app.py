"""Intake's composition root: the one place that wires settings, clock and adapters."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.types import Scope

from bridgework.common.clock import Clock, SystemClock
from bridgework.common.service_app import create_service_app
from bridgework.intake import api, handlers, webhooks_api
from bridgework.intake.domain import IncidentSubmission
from bridgework.intake.errors import BodyLimitMiddleware, install_client_error_handler
from bridgework.intake.settings import IntakeSettings


def create_app(settings: IntakeSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """The intake service as an ASGI app; resources start with its lifespan."""
    settings = settings or IntakeSettings()
    clock = clock or SystemClock()
    app = create_service_app(
        settings,
        clock=clock,
        title="Bridgework intake",
        description="Departments report incidents here, from their own tools: native JSON, "
        "CloudEvents, and webhooks of GitHub, Jira, ServiceNow and PagerDuty. "
        "Authenticate with your department's API token (`Authorization: Bearer`).",
        migrations_package="bridgework.intake",
        routers=[api.build_router(settings), webhooks_api.build_router(settings)],
        subscriptions=partial(handlers.subscribe_all, settings=settings, clock=clock),
        publishes=["incidents"],
        topic_payloads={settings.topics.intake_raw: IncidentSubmission},
        background=[partial(handlers.forget_old_deliveries, clock=clock)],
    )
    install_client_error_handler(app)

    def limit_for(scope: Scope) -> int:
        return api.body_limit(settings, scope["path"], Headers(scope=scope).get("content-type"))

    app.add_middleware(BodyLimitMiddleware, limit_for=limit_for)
    return app
