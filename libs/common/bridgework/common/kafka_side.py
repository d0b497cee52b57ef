"""A service's Kafka side (topics, producer, subscribers), brought up beside its HTTP side.

Nothing a service's HTTP routes do needs Kafka at once: writes go to the outbox, reads to
Postgres. So the lifespan does not wait for the broker: this starts it in the background,
retrying with backoff while the cluster is away, and reports its state to /health/ready.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from faststream.kafka import KafkaBroker

from bridgework.common.kafka import ensure_topics
from bridgework.common.outage_log import OUTAGE
from bridgework.common.settings import ServiceSettings

logger = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 15.0
LAG_TIMEOUT_SECONDS = 1.0
WATCH_SECONDS = 2.0


class KafkaNotUpError(ConnectionError):
    """The Kafka side has not started yet (the broker was unreachable so far)."""


class KafkaSide:
    """Starts `broker` (its subscribers registered already) once the cluster answers."""

    def __init__(
        self,
        settings: ServiceSettings,
        broker: KafkaBroker,
        *,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        self._settings = settings
        self.broker = broker
        self._sleep = sleep
        self.started = asyncio.Event()
        self.attempts = 0
        self.last_error: str | None = None

    async def run(self) -> None:
        """Make the topics and start the broker, retrying until both are done."""
        delay = FIRST_RETRY_SECONDS
        while True:
            self.attempts += 1
            try:
                await ensure_topics(
                    self._settings.kafka_bootstrap_servers,
                    self._settings.topics.all(),
                    partitions=self._settings.topic_partitions,
                    security=self._settings.kafka_security,
                )
                await self.broker.start()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.last_error = f"{type(error).__name__}: {error}"
                # Once, not per attempt: the outage log (outage_log.py) speaks for the rest.
                level = logging.WARNING if self.attempts == 1 else logging.DEBUG
                logger.log(level, "Kafka side not up yet (%s); HTTP serves, retrying", error)
                # A half-started broker (producer up, a subscriber not) starts again whole.
                with contextlib.suppress(Exception):
                    await self.broker.stop()
                await self._sleep(delay)
                delay = min(delay * 2, MAX_RETRY_SECONDS)
                continue
            self.last_error = None
            self.started.set()
            logger.info("Kafka side up (attempt %d)", self.attempts)
            break
        await self._watch()

    async def _watch(self) -> None:
        """While the outage log holds an outage open, summarise it and look for its end."""
        while True:
            if OUTAGE.active:
                OUTAGE.tick()
                if await self.broker.ping(timeout=WATCH_SECONDS):
                    OUTAGE.broker_reachable(quiet_seconds=WATCH_SECONDS)
            await self._sleep(WATCH_SECONDS)

    async def check(self) -> None:
        """For /health/ready: the broker started and answers."""
        if not self.started.is_set():
            raise KafkaNotUpError(self.last_error or "starting")
        if not await self.broker.ping(timeout=1.5):
            raise ConnectionError("Kafka broker does not answer")

    async def lag(self) -> dict[str, Any]:
        """Per consumer group: records behind each assigned partition's high-water mark."""
        if not self.started.is_set():
            return {}
        groups: dict[str, Any] = {}
        for subscriber in self.broker.subscribers:
            consumer = getattr(subscriber, "consumer", None)
            group = getattr(subscriber, "group_id", None)
            if consumer is None or group is None:
                continue
            partitions: dict[str, int] = {}
            for partition in sorted(consumer.assignment()):
                highwater = consumer.highwater(partition)
                with contextlib.suppress(Exception):
                    position = await asyncio.wait_for(
                        consumer.position(partition), LAG_TIMEOUT_SECONDS
                    )
                    if highwater is not None:
                        partitions[f"{partition.topic}[{partition.partition}]"] = max(
                            0, highwater - position
                        )
            groups[group] = {"total": sum(partitions.values()), "partitions": partitions}
        return groups
