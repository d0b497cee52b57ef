"""Agreements' background loop: retention, which destroys the data keys of repairs closed
longer than `BRIDGEWORK_RETENTION_PERIOD` ago (docs/privacy.md, "Retention").

A batch comes back full: go again at once; otherwise sleep for the poll interval. A failure
is logged (its type only: no personal data) and retried after a pause; the loop lives on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bridgework.agreements.settings import AgreementsSettings
from bridgework.agreements.use_cases.privacy import RETENTION_BATCH, expire_closed_repairs
from bridgework.common.clock import Clock
from bridgework.common.postgres import Pool
from bridgework.common.privacy import KeyStore

logger = logging.getLogger(__name__)


async def expire_repairs(
    *,
    pool: Pool,
    settings: AgreementsSettings,
    clock: Clock,
    keys: KeyStore,
    beat: Callable[[], None] = lambda: None,
) -> None:
    """Destroy the keys of repairs past retention, for as long as the process runs."""
    while True:
        beat()
        try:
            expired = await expire_closed_repairs(
                pool=pool, clock=clock, settings=settings, keys=keys
            )
        except asyncio.CancelledError:
            raise
        except Exception as error:
            logger.error("retention failed (%s); retrying", type(error).__name__)
            expired = []
        if expired:
            logger.info("retention destroyed the keys of %d closed repairs", len(expired))
        if len(expired) < RETENTION_BATCH:
            await asyncio.sleep(settings.retention_poll_seconds)
