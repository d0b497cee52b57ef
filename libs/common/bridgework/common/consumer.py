"""Consuming events exactly once in effect: batches, inbox, bounded retries, dead letters.

A batch is applied in one Postgres transaction together with the inbox rows
of its event ids; offsets are committed only after that transaction commits
(FastStream's MANUAL ack policy, explicit offsets). So a crash anywhere
redelivers, and the inbox makes the redelivery a no-op.

Failures are sorted in two kinds:
- the infrastructure is away (database or network): retried with backoff for
  as long as it takes, because skipping would lose the event;
- the event itself cannot be applied (invalid, or the apply keeps failing):
  after `max_attempts` the batch is split and each bad event goes to the
  dead-letter topic with the reason in its headers; the partition flows on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg
from aiokafka.errors import CommitFailedError, KafkaError
from aiokafka.structs import TopicPartition
from faststream.kafka import KafkaBroker, KafkaRouter
from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy

from bridgework.common.contracts import Contract
from bridgework.common.events import Event, InvalidEventError, decode_headers, from_kafka
from bridgework.common.inbox import claim
from bridgework.common.postgres import Connection, Pool
from bridgework.common.topics import dead_letter_topic

logger = logging.getLogger(__name__)

Applier = Callable[[Connection, Sequence[Event[Contract]]], Awaitable[None]]

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.AdminShutdownError,
    KafkaError,
)
MAX_BACKOFF_SECONDS = 5.0


@dataclass
class BatchConsumer:
    """Applies batches of events for one named consumer of one service."""

    name: str
    pool: Pool
    broker: KafkaBroker
    apply: Applier
    max_attempts: int = 3
    retry_base_seconds: float = 0.2
    applied: int = field(default=0, init=False)
    dead_lettered: int = field(default=0, init=False)

    async def handle(self, records: Sequence[Any]) -> None:
        """Apply a fetched batch durably (or dead-letter its bad records); never raise for data."""
        events: list[Event[Contract]] = []
        # The first record of each event id: the one dead-lettered if the event cannot apply.
        record_of: dict[UUID, Any] = {}
        for record in records:
            try:
                event = from_kafka(decode_headers(record.headers), record.value)
            except InvalidEventError as invalid:
                await self._dead_letter(record, "invalid_event", invalid.reason)
                continue
            if event.id not in record_of:
                record_of[event.id] = record
                events.append(event)
        await self._apply_with_retries(events, record_of)

    async def _apply_with_retries(
        self, events: list[Event[Contract]], records: dict[UUID, Any]
    ) -> None:
        if not events:
            return
        failures = 0
        transient_failures = 0
        while True:
            try:
                await self._apply_once(events)
                return
            except TRANSIENT_ERRORS as error:
                transient_failures += 1
                delay = min(self.retry_base_seconds * 2**transient_failures, MAX_BACKOFF_SECONDS)
                logger.warning(
                    "%s: infrastructure unavailable (%r); retrying in %.1fs",
                    self.name,
                    error,
                    delay,
                )
                await asyncio.sleep(delay)
            except Exception as error:
                failures += 1
                if failures < self.max_attempts:
                    await asyncio.sleep(self.retry_base_seconds * 2**failures)
                    continue
                if len(events) > 1:
                    # Find the bad ones: apply one by one, each with its own bounded retries.
                    for event in events:
                        await self._apply_with_retries([event], records)
                    return
                logger.exception("%s: giving up on event %s", self.name, events[0].id)
                await self._dead_letter(
                    records[events[0].id],
                    "processing_failed",
                    f"{type(error).__name__}: {error}",
                )
                return

    async def _apply_once(self, events: list[Event[Contract]]) -> None:
        async with self.pool.acquire() as connection, connection.transaction():
            fresh_ids = await claim(
                connection, consumer=self.name, event_ids=[e.id for e in events]
            )
            fresh = [event for event in events if event.id in fresh_ids]
            if fresh:
                await self.apply(connection, fresh)
        self.applied += len(fresh)

    async def _dead_letter(self, record: Any, reason: str, error: str) -> None:
        await dead_letter(self.broker, record, consumer=self.name, reason=reason, error=error)
        self.dead_lettered += 1


async def dead_letter(
    broker: KafkaBroker,
    record: Any,
    *,
    consumer: str,
    reason: str,
    error: str,
    retry_base_seconds: float = 0.2,
) -> None:
    """Keep a bad record where people can see it: `<topic>.dlq`, original bytes and headers,
    plus `bridgework_dlq_*` headers saying who gave up on it and why.

    Awaited (acks=all) before the caller commits the offset, and retried while
    Kafka is away, so a record is never both skipped and lost.
    """
    headers = {
        name: (value or b"").decode(errors="backslashreplace")
        for name, value in record.headers or ()
    }
    headers.update(
        {
            "bridgework_dlq_reason": reason,
            "bridgework_dlq_error": error[:2000],
            "bridgework_dlq_consumer": consumer,
            "bridgework_dlq_topic": record.topic,
            "bridgework_dlq_partition": str(record.partition),
            "bridgework_dlq_offset": str(record.offset),
        }
    )
    logger.warning(
        "%s: dead-lettering %s[%s]@%s: %s",
        consumer,
        record.topic,
        record.partition,
        record.offset,
        error,
    )
    delay = retry_base_seconds
    while True:
        try:
            await broker.publish(
                record.value or b"",
                topic=dead_letter_topic(record.topic),
                key=record.key,
                headers=headers,
            )
            return
        except TRANSIENT_ERRORS as failure:
            logger.warning("%s: dead-letter publish failed (%r); retrying", consumer, failure)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_SECONDS)


async def commit_batch(consumer: Any, records: Sequence[Any]) -> None:
    """Commit the offsets just past `records`, partition by partition."""
    offsets: dict[TopicPartition, int] = {}
    for record in records:
        partition = TopicPartition(record.topic, record.partition)
        offsets[partition] = max(offsets.get(partition, 0), record.offset + 1)
    if not offsets:
        return
    try:
        await consumer.commit(offsets)
    except CommitFailedError:
        # The group rebalanced while we worked: the new owner gets these records
        # again, and the inbox turns that redelivery into a no-op.
        logger.warning("offset commit lost to a rebalance; the batch will be redelivered")


async def _bodies_left_undecoded(_message: Any) -> None:
    """FastStream's own batch decoder json-parses every record body before the handler runs;
    ours reads `raw_message` and validates each body once, against its contract (from_kafka).
    Skipping the first parse took a tenth of the consumer's CPU (bench/plumbing.py). Async,
    because FastStream runs a plain function in a worker thread."""


def subscribe(
    broker: KafkaBroker | KafkaRouter,
    *,
    topics: Sequence[str],
    group_id: str,
    consumer: BatchConsumer,
    batch_size: int,
    description: str,
) -> None:
    """Register `consumer` as a batch subscriber with manual, after-the-fact commits."""

    async def on_batch(message: KafkaMessage) -> None:
        records = message.raw_message
        batch = records if isinstance(records, tuple) else (records,)
        await consumer.handle(batch)
        await commit_batch(message.consumer, batch)

    on_batch.__name__ = f"on_{consumer.name.replace('.', '_')}"
    broker.subscriber(
        *topics,
        group_id=group_id,
        batch=True,
        max_records=batch_size,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
        decoder=_bodies_left_undecoded,
        title=consumer.name,
        description=description,
    )(on_batch)
