"""The resources one service process holds, started and stopped in order.

The lifespan waits for Postgres (the pool and the migrations) and nothing else: the Kafka
side (topics, producer, subscribers) comes up in the background (`kafka_side.py`) and the
outbox relay retries on its own, so HTTP serves as soon as the database does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import Request
from faststream.kafka import KafkaBroker

from bridgework.common.health import Check, database_check
from bridgework.common.heartbeats import ConsumerHeartbeat, Heartbeats
from bridgework.common.inbox import keep_forgetting
from bridgework.common.kafka import make_broker
from bridgework.common.kafka_side import KafkaSide
from bridgework.common.outage_log import set_outage_log_interval
from bridgework.common.outbox import OutboxRelay
from bridgework.common.postgres import Pool, create_pool, migrate
from bridgework.common.settings import ServiceSettings

logger = logging.getLogger(__name__)

# A stop (SIGTERM, a test's teardown) ends in bounded time even when a task or a client
# does not answer its cancellation; what is left behind is named in the log.
STOP_SECONDS = 10.0


async def _cancel_all(tasks: Sequence[asyncio.Task[Any]]) -> None:
    for running in reversed(tasks):
        running.cancel()
    if not tasks:
        return
    done, pending = await asyncio.wait(tasks, timeout=STOP_SECONDS)
    for task in pending:
        logger.warning("%s did not stop in %ss of its cancellation", task.get_name(), STOP_SECONDS)
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            logger.error("%s had failed", task.get_name(), exc_info=task.exception())


RELAY_DRAIN_SECONDS = 10.0

Subscriptions = Callable[[KafkaBroker, Pool], None]
# A long-running loop of the service (a scheduler, say), started with it and cancelled at stop.
BackgroundTask = Callable[["Runtime"], Awaitable[None]]


@dataclass
class Runtime:
    """A running service's pool, broker (maybe still starting), outbox relay and heartbeats."""

    settings: ServiceSettings
    pool: Pool
    broker: KafkaBroker
    relay: OutboxRelay
    kafka: KafkaSide
    heartbeats: Heartbeats

    def health_checks(self) -> dict[str, Check]:
        return {"postgres": database_check(self.pool), "kafka": self.kafka.check}

    async def consumer_lag(self) -> dict[str, Any]:
        return await self.kafka.lag()


@contextlib.asynccontextmanager
async def service_runtime(
    settings: ServiceSettings,
    *,
    migrations_package: str | None,
    subscriptions: Subscriptions | None = None,
    background: Sequence[BackgroundTask] = (),
) -> AsyncIterator[Runtime]:
    """Migrate the schema; start the relay, the service's background tasks and (in the
    background) the Kafka side; stop them in reverse order."""
    set_outage_log_interval(settings.outage_log_interval_seconds)
    schema = settings.db_schema
    heartbeats = Heartbeats(stall_seconds=settings.liveness_stall_seconds)
    pool = await create_pool(
        settings.database_url, schema=schema, max_size=settings.db_pool_max_size
    )
    tasks: list[asyncio.Task[None]] = []
    relay: OutboxRelay | None = None
    relay_task: asyncio.Task[None] | None = None
    broker = make_broker(settings)
    try:
        await migrate(pool, schema=schema, package=migrations_package)
        # Registered before any subscriber, so it wraps every consumer's batches.
        broker.add_middleware(ConsumerHeartbeat.for_heartbeat(heartbeats.on_demand("consumers")))
        if subscriptions is not None:
            subscriptions(broker, pool)
        relay = OutboxRelay(
            pool=pool,
            dsn=settings.database_url,
            schema=schema,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            client_id=f"bridgework-{settings.service_name}",
            batch_size=settings.outbox_batch_size,
            poll_seconds=settings.outbox_poll_seconds,
            security=settings.kafka_security,
        )
        relay.beat = heartbeats.periodic(
            "outbox-relay", every_seconds=settings.outbox_poll_seconds
        ).beat
        kafka = KafkaSide(settings, broker)
        runtime = Runtime(
            settings=settings,
            pool=pool,
            broker=broker,
            relay=relay,
            kafka=kafka,
            heartbeats=heartbeats,
        )
        tasks.append(asyncio.create_task(kafka.run(), name=f"{schema}-kafka-side"))
        relay_task = asyncio.create_task(relay.run(), name=f"{schema}-outbox-relay")
        tasks += [
            asyncio.create_task(_logged(task, runtime), name=f"{schema}-task-{index}")
            for index, task in enumerate(background)
        ]
        pruning = heartbeats.periodic(
            "inbox-pruning", every_seconds=settings.inbox_prune_interval_seconds
        )
        tasks.append(
            asyncio.create_task(
                keep_forgetting(
                    pool,
                    older_than=timedelta(days=settings.inbox_retention_days),
                    every_seconds=settings.inbox_prune_interval_seconds,
                    beat=pruning.beat,
                ),
                name=f"{schema}-inbox-pruning",
            )
        )
        logger.info("%s serving; its Kafka side starts in the background", settings.service_name)
        yield runtime
    finally:
        await _cancel_all(tasks)
        if relay is not None and relay_task is not None:
            # Let the relay finish the batch in flight rather than republish it next start.
            relay.stop()
            try:
                await asyncio.wait_for(relay_task, RELAY_DRAIN_SECONDS)
            except TimeoutError:
                logger.warning("outbox relay did not drain in %ss; cancelled", RELAY_DRAIN_SECONDS)
            except Exception:
                logger.exception("outbox relay failed while draining")
        try:
            await asyncio.wait_for(broker.stop(), STOP_SECONDS)
        except TimeoutError:
            logger.warning("the Kafka broker did not stop in %ss; left behind", STOP_SECONDS)
        except Exception:
            logger.exception("the Kafka broker failed while stopping")
        await pool.close()
        logger.info("%s stopped", settings.service_name)


async def _logged(task: BackgroundTask, runtime: Runtime) -> None:
    # A background task that dies must say so; otherwise its exception waits unseen until stop.
    # The coroutine is made here, inside the task, so a stop before its first step leaves
    # no never-awaited coroutine behind.
    try:
        await task(runtime)
    except asyncio.CancelledError:
        raise
    except Exception:
        logger.exception("background task failed")
        raise


def get_runtime(request: Request) -> Runtime:
    """The runtime the app's lifespan started, for the services' own (async) dependencies."""
    runtime: Runtime = request.app.state.runtime
    return runtime
