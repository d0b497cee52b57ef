"""Intake's background loop: forgetting delivery ids past their retention."""

from __future__ import annotations

import asyncio
import logging

from bridgework.common.clock import Clock
from bridgework.common.consumer import TRANSIENT_ERRORS
from bridgework.common.runtime import Runtime
from bridgework.intake.settings import IntakeSettings
from bridgework.intake.use_cases.incidents import forget_old_deliveries

logger = logging.getLogger(__name__)


async def forget_old_deliveries_hourly(
    runtime: Runtime, *, settings: IntakeSettings, clock: Clock, every_seconds: float = 3600
) -> None:
    """Drop delivery ids past their retention, once an hour, for as long as intake runs."""
    heartbeat = runtime.heartbeats.periodic("delivery-id-pruning", every_seconds=every_seconds)
    while True:
        heartbeat.beat()
        try:
            dropped = await forget_old_deliveries(pool=runtime.pool, clock=clock, settings=settings)
            if dropped:
                logger.info("forgot %d delivery ids past retention", dropped)
        except TRANSIENT_ERRORS as error:
            logger.warning("could not forget old delivery ids (%r); later", error)
        await asyncio.sleep(every_seconds)
