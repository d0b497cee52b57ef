"""The background loops of a follow-up process: firing due timers, delivering nudges.

Each loop works through what is due in batches and sleeps for its poll interval only when
a batch came back short. A failure is logged and retried after a pause; the loop lives on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import httpx

from bridgework.common.clock import Clock
from bridgework.common.runtime import Runtime
from bridgework.followup.clock import TravellingClock
from bridgework.followup.delivery import Channels, DeliveryWorker
from bridgework.followup.service import Outbound, fire_due_timers
from bridgework.followup.settings import FollowupSettings
from bridgework.followup.templates import Templates

logger = logging.getLogger(__name__)


def outbound(settings: FollowupSettings) -> Outbound:
    return Outbound(
        schema=settings.db_schema,
        topic=settings.topics.followups,
        email_enabled=settings.smtp_host is not None,
        check_in_link_ttl=settings.check_in_link_ttl,
    )


async def _loop(
    name: str, work: Callable[[], Awaitable[int]], *, batch_size: int, poll_seconds: float
) -> None:
    while True:
        try:
            done = await work()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("%s failed; retrying", name)
            done = 0
        if done < batch_size:
            await asyncio.sleep(poll_seconds)


def timer_loop(settings: FollowupSettings, clock: Clock) -> Callable[[Runtime], Awaitable[None]]:
    """A background task that fires due timers."""

    async def run(runtime: Runtime) -> None:
        defaults = settings.default_policy()
        out = outbound(settings)

        async def tick() -> int:
            if isinstance(clock, TravellingClock):
                await clock.load(runtime.pool)
            return await fire_due_timers(
                runtime.pool,
                clock=clock,
                defaults=defaults,
                outbound=out,
                batch_size=settings.scheduler_batch_size,
            )

        await _loop(
            "timer scheduler",
            tick,
            batch_size=settings.scheduler_batch_size,
            poll_seconds=settings.scheduler_poll_seconds,
        )

    return run


def delivery_loop(settings: FollowupSettings, clock: Clock) -> Callable[[Runtime], Awaitable[None]]:
    """A background task that delivers nudges by e-mail and webhook."""

    async def run(runtime: Runtime) -> None:
        async with httpx.AsyncClient(follow_redirects=False) as http:
            worker = DeliveryWorker(
                pool=runtime.pool,
                settings=settings,
                clock=clock,
                channels=Channels(settings, http),
                templates=Templates(settings.templates_dir),
            )
            await _loop(
                "delivery",
                worker.deliver_due,
                batch_size=settings.delivery_batch_size,
                poll_seconds=settings.delivery_poll_seconds,
            )

    return run
