"""Follow-up's composition root: the one place that wires settings, clock and adapters."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from bridgework.common.clock import Clock, SystemClock
from bridgework.common.service_app import create_service_app
from bridgework.followup import api, handlers
from bridgework.followup.settings import FollowupSettings


def create_app(settings: FollowupSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """The follow-up service as an ASGI app; its consumers start with its lifespan."""
    settings = settings or FollowupSettings()
    clock = clock or SystemClock()
    return create_service_app(
        settings,
        clock=clock,
        title="Bridgework follow-up",
        description="Keeps agreements alive: reminders, renegotiation offers, check-ins.",
        migrations_package="bridgework.followup",
        routers=[api.router],
        subscriptions=partial(handlers.subscribe_all, settings=settings, clock=clock),
    )
