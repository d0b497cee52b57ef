"""The resources one service process holds, started and stopped in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from fastapi import Request
from faststream.kafka import KafkaBroker

from bridgework.common.health import Check, database_check
from bridgework.common.kafka import ensure_topics, make_broker
from bridgework.common.outbox import OutboxRelay
from bridgework.common.postgres import Pool, create_pool, migrate
from bridgework.common.settings import ServiceSettings

logger = logging.getLogger(__name__)

Subscriptions = Callable[[KafkaBroker, Pool], None]


@dataclass
class Runtime:
    """A running service's pool, broker and outbox relay."""

    settings: ServiceSettings
    pool: Pool
    broker: KafkaBroker
    relay: OutboxRelay

    def health_checks(self) -> dict[str, Check]:
        async def kafka() -> None:
            if not await self.broker.ping(timeout=2.0):
                raise ConnectionError("Kafka broker does not answer")

        return {"postgres": database_check(self.pool), "kafka": kafka}


@contextlib.asynccontextmanager
async def service_runtime(
    settings: ServiceSettings,
    *,
    migrations_package: str | None,
    subscriptions: Subscriptions | None = None,
) -> AsyncIterator[Runtime]:
    """Migrate the schema, make the topics, subscribe, start the broker and the outbox relay."""
    schema = settings.db_schema
    pool = await create_pool(
        settings.database_url, schema=schema, max_size=settings.db_pool_max_size
    )
    relay_task: asyncio.Task[None] | None = None
    broker = make_broker(settings)
    try:
        await migrate(pool, schema=schema, package=migrations_package)
        await ensure_topics(
            settings.kafka_bootstrap_servers,
            settings.topics.all(),
            partitions=settings.topic_partitions,
        )
        if subscriptions is not None:
            subscriptions(broker, pool)
        await broker.start()
        relay = OutboxRelay(
            pool=pool,
            dsn=settings.database_url,
            schema=schema,
            broker=broker,
            batch_size=settings.outbox_batch_size,
            poll_seconds=settings.outbox_poll_seconds,
        )
        relay_task = asyncio.create_task(relay.run(), name=f"{schema}-outbox-relay")
        logger.info("%s started", settings.service_name)
        yield Runtime(settings=settings, pool=pool, broker=broker, relay=relay)
    finally:
        if relay_task is not None:
            relay_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relay_task
        await broker.stop()
        await pool.close()
        logger.info("%s stopped", settings.service_name)


def get_runtime(request: Request) -> Runtime:
    """FastAPI dependency: the runtime the app's lifespan started."""
    runtime: Runtime = request.app.state.runtime
    return runtime
