"""Benchmark: what libs/common's plumbing costs per event, with no service logic at all.

Two phases against the Kafka and Postgres named by KAFKA_BOOTSTRAP_SERVERS /
DATABASE_URL (`eval "$(deploy/local/infra.sh up)"` first), in one process:
- outbox: enqueue N events in transactions of 500, then let the relay publish
  them to Kafka and empty the outbox;
- consumer: a BatchConsumer whose effect is empty reads them back, claiming
  each id in the inbox and committing offsets after each batch's transaction.

For each phase it prints wall time and this process's CPU time per event (the
machine's other processes, Postgres and Kafka among them, are not in the CPU
figure). The relay is kept from leading while the enqueue phase is timed; its
own figure includes up to one poll interval (0.2 s) of waiting to lead. Every
service pays these costs on top of its own work.

    .venv/bin/python -m bench.plumbing --events 20000
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from uuid import uuid4

import asyncpg
from faststream.kafka import KafkaBroker
from tests.factories import T0, incident_reported
from tests.infra import create_database, delete_topics, drop_database, infrastructure_from_env

from bridgework.common.consumer import BatchConsumer, subscribe
from bridgework.common.contracts import Contract
from bridgework.common.events import Event
from bridgework.common.outbox import enqueue
from bridgework.common.postgres import Connection, Pool
from bridgework.common.runtime import service_runtime
from bridgework.common.serve import tune_garbage_collector
from bridgework.common.settings import ServiceSettings

TRANSACTION = 500


def settings(kafka: str, dsn: str, namespace: str, name: str) -> ServiceSettings:
    return ServiceSettings(
        service_name=name,
        kafka_bootstrap_servers=kafka,
        database_url=dsn,
        topic_namespace=namespace,
        outbox_poll_seconds=0.2,
    )


async def until(done: Callable[[], bool]) -> None:
    while not done():
        await asyncio.sleep(0.01)


def report(phase: str, events: int, wall: float, cpu: float) -> None:
    print(
        f"{phase:<9} {events} events: {wall:6.2f} s wall ({events / wall:8,.0f}/s), "
        f"{wall / events * 1e6:6.0f} us wall and {cpu / events * 1e6:5.0f} us CPU per event"
    )


async def timed(phase: str, events: int, work: Callable[[], Awaitable[None]]) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    await work()
    report(phase, events, time.perf_counter() - wall, time.process_time() - cpu)


async def outbox_phase(base: ServiceSettings, count: int) -> None:
    batches = [
        [
            Event.new(incident_reported(summary=f"bench {n}"), source="/bench", time=T0)
            for n in range(start, min(start + TRANSACTION, count))
        ]
        for start in range(0, count, TRANSACTION)
    ]
    # As every service does at start (and the prepared events are the benchmark's own).
    tune_garbage_collector()
    # Holding the relay's leader lock keeps it waiting while the enqueue phase is timed.
    lock = await asyncpg.connect(base.database_url)
    await lock.execute("SELECT pg_advisory_lock(hashtext($1))", f"outbox:{base.db_schema}")
    async with service_runtime(base, migrations_package=None) as runtime:
        relay = runtime.relay
        assert relay is not None

        async def enqueue_all() -> None:
            for batch in batches:
                async with runtime.pool.acquire() as connection, connection.transaction():
                    await enqueue(
                        connection, schema=base.db_schema, topic=base.topics.repairs, events=batch
                    )

        await timed("enqueue", count, enqueue_all)
        await lock.close()  # the relay leads within a poll interval (0.2 s), then drains
        await timed("relay", count, lambda: until(lambda: relay.published >= count))


async def consumer_phase(base: ServiceSettings, count: int) -> None:
    consumer: BatchConsumer | None = None

    async def nothing(_: Connection, __: Sequence[Event[Contract]]) -> None:
        return None

    def subscriptions(broker: KafkaBroker, pool: Pool) -> None:
        nonlocal consumer
        consumer = BatchConsumer(name="bench.consumer", pool=pool, broker=broker, apply=nothing)
        subscribe(
            broker,
            topics=[base.topics.repairs],
            group_id=f"bench-{uuid4().hex[:6]}",
            consumer=consumer,
            batch_size=base.consumer_batch_size,
            description="reads the relayed events back, applying nothing",
        )

    async with service_runtime(base, migrations_package=None, subscriptions=subscriptions):
        assert consumer is not None
        applied = consumer
        # From the first batch applied, so the group join and the first fetch are not counted.
        await until(lambda: applied.applied > 0)
        first = applied.applied
        await timed("consume", count - first, lambda: until(lambda: applied.applied >= count))


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--events", type=int, default=20000)
    args = parser.parse_args()
    infra = infrastructure_from_env()
    dsn = await create_database(infra)
    namespace = f"plumbing{uuid4().hex[:6]}"
    try:
        await outbox_phase(settings(infra.kafka, dsn, namespace, "producer"), args.events)
        await consumer_phase(settings(infra.kafka, dsn, namespace, "consumer"), args.events)
    finally:
        await drop_database(infra, dsn)
        await delete_topics(infra.kafka, namespace)


if __name__ == "__main__":
    asyncio.run(main())
