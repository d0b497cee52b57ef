"""Follow-up's composition root: the one place that wires settings, clock and adapters."""

from __future__ import annotations

import logging
from functools import partial

from fastapi import FastAPI

from bridgework.common.clock import Clock, SystemClock
from bridgework.common.health import declare_readiness
from bridgework.common.key_store_start import install_key_store, key_store_from
from bridgework.common.privacy import KeyStore
from bridgework.common.runtime import BackgroundTask, Runtime
from bridgework.common.service_app import create_service_app
from bridgework.common.time_travel import travelling
from bridgework.followup.clients.channels import Channels
from bridgework.followup.clients.template_files import read_templates
from bridgework.followup.domain.nudge_policy import NudgePolicy
from bridgework.followup.entrypoints import (
    events,
    http_admin,
    http_check_ins,
    http_repairs,
    http_time_travel,
    loops,
    pages,
)
from bridgework.followup.settings import DEVELOPMENT_CHECK_IN_SECRET, FollowupSettings
from bridgework.followup.use_cases.policies import default_policy

logger = logging.getLogger(__name__)


def create_app(settings: FollowupSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """The follow-up service as an ASGI app; its consumer, timer scheduler and delivery
    worker start with its lifespan."""
    settings = settings or FollowupSettings()
    clock = clock or SystemClock()
    # Without a KEK that opens the stored keys the app refuses to start: no plaintext fallback.
    keys = key_store_from(settings)
    routers = [http_repairs.router, pages.router, http_check_ins.router, http_admin.router]
    clock, background = travelling(settings, clock)
    if settings.time_travel:
        routers.append(http_time_travel.router)
    _warn_about_development_settings(settings)
    defaults = default_policy(settings)
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
        subscriptions=partial(
            events.subscribe_all, settings=settings, clock=clock, defaults=defaults
        ),
        publishes=["followups"],
        background=[*background, *_loops(settings, clock, defaults, keys)],
    )
    install_key_store(app, keys)
    # Timers, nudges and check-ins live in Postgres; events wait in the outbox for Kafka.
    declare_readiness(app, gates=["postgres"])
    return app


def _loops(
    settings: FollowupSettings, clock: Clock, defaults: NudgePolicy, keys: KeyStore
) -> list[BackgroundTask]:
    """The timer and delivery loops, each run with the pool of the started runtime."""
    templates = read_templates(settings.templates_dir)

    async def firing(runtime: Runtime) -> None:
        heartbeat = runtime.heartbeats.periodic(
            "timer-scheduler", every_seconds=settings.scheduler_poll_seconds
        )
        await loops.fire_timers(
            pool=runtime.pool,
            settings=settings,
            clock=clock,
            defaults=defaults,
            beat=heartbeat.beat,
        )

    async def delivering(runtime: Runtime) -> None:
        heartbeat = runtime.heartbeats.periodic(
            "nudge-delivery", every_seconds=settings.delivery_poll_seconds
        )
        async with Channels.open(settings) as channels:
            await loops.deliver_nudges(
                pool=runtime.pool,
                settings=settings,
                clock=clock,
                sender=channels,
                templates=templates,
                keys=keys,
                beat=heartbeat.beat,
            )

    async def nudging_changes(runtime: Runtime) -> None:
        heartbeat = runtime.heartbeats.periodic(
            "change-nudges", every_seconds=settings.scheduler_poll_seconds
        )
        async with Channels.open(settings) as channels:
            await loops.nudge_changes(
                pool=runtime.pool,
                settings=settings,
                clock=clock,
                defaults=defaults,
                sender=channels,
                beat=heartbeat.beat,
            )

    return [firing, delivering, nudging_changes]


def _warn_about_development_settings(settings: FollowupSettings) -> None:
    if settings.check_in_secret.get_secret_value() == DEVELOPMENT_CHECK_IN_SECRET:
        logger.warning(
            "check-in links are signed with the development secret:"
            " set BRIDGEWORK_CHECK_IN_SECRET in production"
        )
    if settings.admin_token is None and settings.development_mode:
        logger.warning(
            "admin endpoints and repair views answer without a credential (development mode,"
            " no BRIDGEWORK_ADMIN_TOKEN): set it anywhere but a laptop"
        )
    if settings.time_travel:
        logger.warning("time travel is on: POST /v1/admin/clock/advance moves time forward")
