"""Agreements' composition root: the one place that wires settings, clock, routes and subscribers."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from bridgework.agreements.entrypoints import (
    events,
    http_agreement,
    http_changes,
    http_closing,
    http_facilitation,
    http_privacy,
    http_repairs,
    http_time_travel,
    loops,
)
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import Clock, SystemClock
from bridgework.common.health import declare_readiness
from bridgework.common.key_store_start import install_key_store, key_store_from
from bridgework.common.privacy import KeyStore
from bridgework.common.runtime import Runtime
from bridgework.common.service_app import create_service_app
from bridgework.common.time_travel import travelling


def create_app(settings: AgreementsSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """The agreements service as an ASGI app; its consumers start with its lifespan."""
    settings = settings or AgreementsSettings()
    clock, travel = travelling(settings, clock or SystemClock())
    # Without a KEK that opens the stored keys the app refuses to start: no plaintext fallback.
    keys = key_store_from(settings)
    # Routes read settings and clock from app.state (entrypoints/dependencies.py), put there
    # by common's create_service_app; common also answers every DomainError.
    app = create_service_app(
        settings,
        clock=clock,
        title="Bridgework agreements",
        description=(
            "Repairs made WITH people: participants, the restorative conversation, agreements"
            " reached by consent, and their commitments. Every request carries the person's own"
            " bearer token (JWT), verified here; the actor of every change is its subject."
        ),
        migrations_package="bridgework.agreements",
        routers=[
            http_repairs.router,
            http_facilitation.router,
            http_agreement.router,
            http_closing.router,
            http_privacy.router,
            http_changes.router,
            *([http_time_travel.router] if travel else []),
        ],
        subscriptions=partial(events.subscribe_all, settings=settings, clock=clock),
        publishes=["repairs", "privacy", "engagements"],
        background=[*travel, partial(_retention, settings=settings, clock=clock, keys=keys)],
    )
    install_key_store(app, keys)
    # Changes go to the outbox and reads to Postgres: Kafka away is reported, not gating.
    declare_readiness(app, gates=["postgres"])
    return app


async def _retention(
    runtime: Runtime, *, settings: AgreementsSettings, clock: Clock, keys: KeyStore
) -> None:
    heartbeat = runtime.heartbeats.periodic(
        "retention", every_seconds=settings.retention_poll_seconds
    )
    await loops.expire_repairs(
        pool=runtime.pool, settings=settings, clock=clock, keys=keys, beat=heartbeat.beat
    )
