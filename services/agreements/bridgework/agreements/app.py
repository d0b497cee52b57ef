"""Agreements' composition root: the one place that wires settings, clock and adapters."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from bridgework.agreements import api, handlers
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import Clock, SystemClock
from bridgework.common.service_app import create_service_app


def create_app(settings: AgreementsSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """The agreements service as an ASGI app; its consumers start with its lifespan."""
    settings = settings or AgreementsSettings()
    clock = clock or SystemClock()
    app = create_service_app(
        settings,
        clock=clock,
        title="Bridgework agreements",
        description=(
            "Repairs made WITH people: participants, the restorative conversation, agreements"
            " reached by consent, and their commitments. Trusts its callers on the internal"
            " network (the GraphQL gateway authenticates people); every change names its actor."
        ),
        migrations_package="bridgework.agreements",
        routers=[api.router],
        subscriptions=partial(handlers.subscribe_all, settings=settings, clock=clock),
        publishes=["repairs"],
    )
    api.install_domain_errors(app)
    return app
