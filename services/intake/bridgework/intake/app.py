"""Intake's composition root: the one place that wires settings, clock, routes, subscriber, loop."""

from __future__ import annotations

import logging
from functools import partial

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.types import Scope

from bridgework.common.clock import Clock, SystemClock
from bridgework.common.health import declare_readiness
from bridgework.common.service_app import create_service_app
from bridgework.common.time_travel import travelling
from bridgework.intake.domain.changes import ChangeSubmission
from bridgework.intake.domain.incidents import IncidentSubmission
from bridgework.intake.entrypoints import (
    events,
    http_change_webhooks,
    http_changes,
    http_cloudevents,
    http_errors,
    http_incidents,
    http_time_travel,
    http_webhooks,
    loops,
)
from bridgework.intake.settings import IntakeSettings

logger = logging.getLogger(__name__)


def create_app(settings: IntakeSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """The intake service as an ASGI app; resources start with its lifespan."""
    settings = settings or IntakeSettings()
    clock, travel = travelling(settings, clock or SystemClock())
    if settings.pseudonym_key is None:
        # Production refuses to start without it (serve's check); a laptop gets a public key.
        logger.warning(
            "tool users' pseudonyms use the development key: set BRIDGEWORK_PSEUDONYM_KEY"
        )

    def limit_for(scope: Scope) -> int:
        content_type = Headers(scope=scope).get("content-type")
        return http_errors.body_limit(settings, scope["path"], content_type)

    app = create_service_app(
        settings,
        clock=clock,
        title="Bridgework intake",
        description="Departments report incidents and planned changes here, from their own "
        "tools: native JSON, "
        "CloudEvents, and webhooks of GitHub, Jira, ServiceNow and PagerDuty. "
        "Authenticate with your department's API token (`Authorization: Bearer`).",
        migrations_package="bridgework.intake",
        routers=[
            http_incidents.router,
            http_cloudevents.router,
            http_webhooks.router,
            http_changes.router,
            http_change_webhooks.router,
            *([http_time_travel.router] if travel else []),
        ],
        subscriptions=partial(events.subscribe_raw_incidents, settings=settings, clock=clock),
        publishes=["incidents", "changes"],
        topic_payloads={settings.topics.intake_raw: [IncidentSubmission, ChangeSubmission]},
        background=[
            *travel,
            partial(loops.forget_old_deliveries_hourly, settings=settings, clock=clock),
        ],
        body_limit=limit_for,
    )
    http_errors.install_error_handlers(app)
    # Incidents go to the outbox: intake does its job with Postgres alone, Kafka or not.
    declare_readiness(app, gates=["postgres"])
    return app
