"""The delivery guarantees of libs/common against the real broker and database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition
from faststream.kafka import KafkaBroker

from bridgework.common.consumer import BatchConsumer, subscribe
from bridgework.common.contracts import Contract, IncidentReportedV1
from bridgework.common.events import Event, decode_headers, from_kafka
from bridgework.common.inbox import forget_applied
from bridgework.common.outbox import enqueue, pending_count
from bridgework.common.postgres import Connection, Pool, create_pool, migrate
from bridgework.common.runtime import Runtime, service_runtime
from bridgework.common.settings import ServiceSettings
from bridgework.common.topics import dead_letter_topic
from tests.factories import T0, incident_reported
from tests.infra import Infrastructure, eventually, header, produce, read_topic

pytestmark = pytest.mark.integration

GROUP = "delivery-test"
PARTITIONS = 2


@dataclass
class Effects:
    """Records what the consumer applied, in its own table, in the consumer's transaction."""

    fail_on: set[str] = field(default_factory=set)
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    transient_failures: int = 0
    consumer: BatchConsumer | None = None

    async def apply(self, connection: Connection, events: Sequence[Event[Contract]]) -> None:
        await self.gate.wait()
        if self.transient_failures > 0:
            self.transient_failures -= 1
            raise ConnectionResetError("the database went away for a moment")
        for event in events:
            assert isinstance(event.data, IncidentReportedV1)
            if event.data.summary in self.fail_on:
                raise ValueError(f"cannot apply {event.data.summary}")
        await connection.executemany(
            "INSERT INTO effects (event_id) VALUES ($1)", [(e.id,) for e in events]
        )


def settings_for(infra: Infrastructure, database_url: str, namespace: str) -> ServiceSettings:
    return ServiceSettings(
        service_name="delivery",
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=namespace,
        topic_partitions=PARTITIONS,
        outbox_poll_seconds=0.2,
    )


@pytest.fixture
async def effects() -> Effects:
    effects = Effects()
    effects.gate.set()
    return effects


@pytest.fixture
async def runtime(
    infra: Infrastructure, database_url: str, namespace: str, effects: Effects
) -> AsyncIterator[Runtime]:
    settings = settings_for(infra, database_url, namespace)

    def subscriptions(broker: KafkaBroker, pool: Pool) -> None:
        effects.consumer = BatchConsumer(
            name="delivery.test",
            pool=pool,
            broker=broker,
            apply=effects.apply,
            max_attempts=2,
            retry_base_seconds=0.01,
        )
        subscribe(
            broker,
            topics=[settings.topics.incidents],
            group_id=GROUP,
            consumer=effects.consumer,
            batch_size=50,
            description="test consumer",
        )

    async with service_runtime(
        settings, migrations_package=None, subscriptions=subscriptions
    ) as rt:
        async with rt.pool.acquire() as connection:
            await connection.execute("CREATE TABLE effects (event_id uuid NOT NULL)")
        yield rt


async def applied_ids(pool: Pool) -> list[UUID]:
    async with pool.acquire() as connection:
        return [r["event_id"] for r in await connection.fetch("SELECT event_id FROM effects")]


def events(count: int, **overrides: object) -> list[Event[Contract]]:
    return [
        Event.new(incident_reported(summary=f"incident {n}", **overrides), source="/test", time=T0)
        for n in range(count)
    ]


async def test_the_outbox_relay_publishes_every_event_in_order_and_empties_the_outbox(
    runtime: Runtime, infra: Infrastructure
) -> None:
    one_incident = incident_reported()
    batch = [Event.new(one_incident, source="/test", time=T0) for _ in range(20)]
    async with runtime.pool.acquire() as connection, connection.transaction():
        await enqueue(
            connection, schema="delivery", topic=runtime.settings.topics.repairs, events=batch
        )

    records = await read_topic(
        infra.kafka, runtime.settings.topics.repairs, until=lambda r: len(r) >= 20
    )

    assert [header(r, "ce_id") for r in records] == [str(e.id) for e in batch]
    assert {r.key for r in records} == {str(one_incident.incident_id).encode()}
    assert await eventually(lambda: _outbox_empty(runtime.pool))


async def _outbox_empty(pool: Pool) -> bool:
    return await pending_count(pool) == 0


async def test_a_rolled_back_transaction_publishes_nothing(
    runtime: Runtime, infra: Infrastructure
) -> None:
    doomed, kept = events(1), events(1)

    async def change_that_fails() -> None:
        async with runtime.pool.acquire() as connection, connection.transaction():
            await enqueue(
                connection, schema="delivery", topic=runtime.settings.topics.repairs, events=doomed
            )
            raise RuntimeError("the state change failed")

    with pytest.raises(RuntimeError):
        await change_that_fails()
    async with runtime.pool.acquire() as connection, connection.transaction():
        await enqueue(
            connection, schema="delivery", topic=runtime.settings.topics.repairs, events=kept
        )

    records = await read_topic(
        infra.kafka, runtime.settings.topics.repairs, until=lambda r: len(r) >= 1, settle=1.0
    )

    assert [header(r, "ce_id") for r in records] == [str(kept[0].id)]


async def test_a_redelivered_event_has_no_second_effect(
    runtime: Runtime, infra: Infrastructure
) -> None:
    batch = events(10)
    await produce(infra.kafka, runtime.settings.topics.incidents, batch + batch[:4])

    await eventually(lambda: _count_is(runtime.pool, 10))
    await asyncio.sleep(0.5)

    assert sorted(await applied_ids(runtime.pool)) == sorted(e.id for e in batch)


async def _count_is(pool: Pool, expected: int) -> bool:
    return len(await applied_ids(pool)) == expected


async def test_an_invalid_record_goes_to_the_dead_letter_topic_and_the_partition_flows_on(
    runtime: Runtime, infra: Infrastructure
) -> None:
    topic = runtime.settings.topics.incidents
    good = events(3)
    garbage = (good[0].data.subject().encode(), b"not an event", [("origin", b"kcat")])
    await produce(infra.kafka, topic, good[:1], extra=[garbage])
    await produce(infra.kafka, topic, good[1:])

    dead = await read_topic(infra.kafka, dead_letter_topic(topic), until=lambda r: len(r) >= 1)
    await eventually(lambda: _count_is(runtime.pool, 3))

    assert dead[0].value == b"not an event"
    assert header(dead[0], "bridgework_dlq_reason") == "invalid_event"
    assert "missing CloudEvents headers" in (header(dead[0], "bridgework_dlq_error") or "")
    assert header(dead[0], "bridgework_dlq_topic") == topic
    assert header(dead[0], "origin") == "kcat"


async def test_an_event_that_keeps_failing_is_dead_lettered_and_the_others_apply(
    runtime: Runtime, infra: Infrastructure, effects: Effects
) -> None:
    topic = runtime.settings.topics.incidents
    batch = events(5)
    effects.fail_on = {"incident 2"}
    await produce(infra.kafka, topic, batch)

    dead = await read_topic(infra.kafka, dead_letter_topic(topic), until=lambda r: len(r) >= 1)
    await eventually(lambda: _count_is(runtime.pool, 4))

    assert header(dead[0], "ce_id") == str(batch[2].id)
    assert header(dead[0], "bridgework_dlq_reason") == "processing_failed"
    assert "cannot apply incident 2" in (header(dead[0], "bridgework_dlq_error") or "")
    assert from_kafka(decode_headers(dead[0].headers), dead[0].value).id == batch[2].id
    assert sorted(await applied_ids(runtime.pool)) == sorted(
        e.id for i, e in enumerate(batch) if i != 2
    )


async def test_offsets_are_committed_only_after_the_effect_is_durable(
    runtime: Runtime, infra: Infrastructure, effects: Effects
) -> None:
    topic = runtime.settings.topics.incidents
    effects.gate.clear()
    effects.transient_failures = 2
    await produce(infra.kafka, topic, events(6))
    await asyncio.sleep(1.0)  # the consumer has fetched the batch and waits at the gate

    assert await committed_total(infra, topic) == 0

    effects.gate.set()
    await eventually(lambda: _count_is(runtime.pool, 6))
    assert await eventually(lambda: _committed_is(infra, topic, 6))
    assert effects.consumer is not None
    assert effects.consumer.dead_lettered == 0


async def committed_total(infra: Infrastructure, topic: str) -> int:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=infra.kafka, group_id=GROUP, enable_auto_commit=False
    )
    await consumer.start()
    try:
        total = 0
        for partition in range(PARTITIONS):
            total += await consumer.committed(TopicPartition(topic, partition)) or 0
        return total
    finally:
        await consumer.stop()


async def _committed_is(infra: Infrastructure, topic: str, expected: int) -> bool:
    return await committed_total(infra, topic) == expected


async def test_the_inbox_forgets_ids_older_than_its_retention_and_keeps_the_rest(
    database_url: str,
) -> None:
    # A schema of its own, without a running service whose own pruning would race this one.
    pool = await create_pool(database_url, schema="pruning")
    await migrate(pool, schema="pruning", package=None)
    async with pool.acquire() as connection:
        await connection.execute(
            "INSERT INTO inbox (consumer, event_id, applied_at)"
            " SELECT 'old', gen_random_uuid(), now() - interval '40 days' FROM generate_series(1, 25)"
        )
        await connection.execute(
            "INSERT INTO inbox (consumer, event_id, applied_at)"
            " SELECT 'recent', gen_random_uuid(), now() - interval '2 days' FROM generate_series(1, 7)"
        )

    try:
        forgotten = await forget_applied(pool, older_than=timedelta(days=30), chunk=10)
        async with pool.acquire() as connection:
            left = await connection.fetch("SELECT consumer, count(*) FROM inbox GROUP BY consumer")
    finally:
        await pool.close()

    assert forgotten == 25, "in three chunks of at most 10"
    assert {row["consumer"]: row["count"] for row in left} == {"recent": 7}
