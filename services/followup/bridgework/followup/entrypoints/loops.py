"""The background loops of a follow-up process: firing due timers, delivering nudges.

Each loop works through what is due in batches and sleeps for its poll interval only when
a batch came back short. A failure is logged and retried after a pause; the loop lives on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bridgework.common.clock import Clock
from bridgework.common.postgres import Pool
from bridgework.common.privacy import KeyStore
from bridgework.followup.domain.messages import Templates
from bridgework.followup.domain.nudge_policy import NudgePolicy
from bridgework.followup.settings import FollowupSettings
from bridgework.followup.use_cases.change_adjustments import remind_before_go_live
from bridgework.followup.use_cases.change_check_ins import ask_after_go_live
from bridgework.followup.use_cases.changes import nudge_before_go_live
from bridgework.followup.use_cases.delivering import Sender, deliver_due_nudges
from bridgework.followup.use_cases.firing import fire_due_timers

logger = logging.getLogger(__name__)


async def keep_working(
    name: str,
    work: Callable[[], Awaitable[int]],
    *,
    batch_size: int,
    poll_seconds: float,
    beat: Callable[[], None] = lambda: None,
) -> None:
    """Run `work` for ever: again at once after a full batch, after `poll_seconds` otherwise.
    `beat` tells the runtime's liveness check (common's heartbeats) that the loop goes round."""
    while True:
        beat()
        try:
            done = await work()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("%s failed; retrying", name)
            done = 0
        if done < batch_size:
            await asyncio.sleep(poll_seconds)


async def fire_timers(
    *,
    pool: Pool,
    settings: FollowupSettings,
    clock: Clock,
    defaults: NudgePolicy,
    beat: Callable[[], None] = lambda: None,
) -> None:
    """Fire due timers for as long as the process runs."""

    async def tick() -> int:
        return await fire_due_timers(pool=pool, clock=clock, settings=settings, defaults=defaults)

    await keep_working(
        "timer scheduler",
        tick,
        batch_size=settings.scheduler_batch_size,
        poll_seconds=settings.scheduler_poll_seconds,
        beat=beat,
    )


async def deliver_nudges(
    *,
    pool: Pool,
    settings: FollowupSettings,
    clock: Clock,
    sender: Sender,
    templates: Templates,
    keys: KeyStore,
    beat: Callable[[], None] = lambda: None,
) -> None:
    """Deliver nudges by e-mail and webhook for as long as the process runs."""

    async def tick() -> int:
        return await deliver_due_nudges(
            pool=pool,
            settings=settings,
            clock=clock,
            sender=sender,
            templates=templates,
            keys=keys,
        )

    await keep_working(
        "delivery",
        tick,
        batch_size=settings.delivery_batch_size,
        poll_seconds=settings.delivery_poll_seconds,
        beat=beat,
    )


async def nudge_changes(
    *,
    pool: Pool,
    settings: FollowupSettings,
    clock: Clock,
    defaults: NudgePolicy,
    sender: Sender,
    beat: Callable[[], None] = lambda: None,
) -> None:
    """Nudge departments not yet engaged before a change's go-live, remind the owner side of
    adjustments due before it, and ask the departments after it whether it works, for as long
    as the process runs (each poll sends what is due; `batch_size=1`: a poll that sent any
    looks again)."""

    async def tick() -> int:
        sent = 0
        for work in (nudge_before_go_live, remind_before_go_live, ask_after_go_live):
            sent += await work(
                pool=pool, clock=clock, settings=settings, defaults=defaults, sender=sender
            )
        return sent

    await keep_working(
        "change nudges", tick, batch_size=1, poll_seconds=settings.scheduler_poll_seconds, beat=beat
    )
