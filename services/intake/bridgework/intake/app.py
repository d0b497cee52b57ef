"""Intake's composition root: the one place that wires settings, clock and adapters."""

from __future__ import annotations

from fastapi import FastAPI

from bridgework.common.clock import Clock, SystemClock
from bridgework.common.service_app import create_service_app
from bridgework.intake import api
from bridgework.intake.settings import IntakeSettings


def create_app(settings: IntakeSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """The intake service as an ASGI app; resources start with its lifespan."""
    return create_service_app(
        settings or IntakeSettings(),
        clock=clock or SystemClock(),
        title="Bridgework intake",
        description="Departments report incidents here, from their own tools.",
        migrations_package="bridgework.intake",
        routers=[api.router],
    )
