"""Follow-up's composition root: the one place that wires settings, clock and adapters."""

from __future__ import annotations

import logging
from functools import partial

from fastapi import FastAPI

from bridgework.common.clock import Clock, SystemClock
from bridgework.common.service_app import create_service_app
from bridgework.followup import admin_api, api, check_in_api, handlers
from bridgework.followup.clock import TravellingClock
from bridgework.followup.errors import install_problem_handler
from bridgework.followup.scheduler import delivery_loop, timer_loop
from bridgework.followup.settings import DEVELOPMENT_CHECK_IN_SECRET, FollowupSettings

logger = logging.getLogger(__name__)


def create_app(settings: FollowupSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """The follow-up service as an ASGI app; its consumer, timer scheduler and delivery
    worker start with its lifespan."""
    settings = settings or FollowupSettings()
    clock = clock or SystemClock()
    routers = [api.router, check_in_api.router, admin_api.router]
    if settings.time_travel:
        clock = TravellingClock(clock)
        routers.append(admin_api.clock_router)
    _warn_about_development_settings(settings)
    app = create_service_app(
        settings,
        clock=clock,
        title="Bridgework follow-up",
        description=(
            "Keeps agreements alive after the incident is over: reminders before a commitment"
            " is due, supportive offers after a lapse, the facilitator's support after repeated"
            " lapses, and a check-in with the affected once everything is kept or released."
        ),
        migrations_package="bridgework.followup",
        routers=routers,
        subscriptions=partial(handlers.subscribe_all, settings=settings, clock=clock),
        publishes=["followups"],
        background=[timer_loop(settings, clock), delivery_loop(settings, clock)],
    )
    install_problem_handler(app)
    return app


def _warn_about_development_settings(settings: FollowupSettings) -> None:
    if settings.check_in_secret.get_secret_value() == DEVELOPMENT_CHECK_IN_SECRET:
        logger.warning(
            "check-in links are signed with the development secret:"
            " set BRIDGEWORK_CHECK_IN_SECRET in production"
        )
    if settings.admin_token is None:
        logger.warning("admin endpoints are open: set BRIDGEWORK_ADMIN_TOKEN anywhere but a laptop")
    if settings.time_travel:
        logger.warning("time travel is on: POST /v1/admin/clock/advance moves time forward")
