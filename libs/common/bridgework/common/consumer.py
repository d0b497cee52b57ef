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

A consumer of records that are not Bridgework events (intake's raw topic of tools'
CloudEvents) gives the consumer a `RecordHook`: it reads the records and applies what
it read in its own transaction, and the retries, splitting and dead letters stay here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

import asyncpg
from aiokafka.errors import CommitFailedError, KafkaError
from aiokafka.structs import TopicPartition
from faststream.kafka import KafkaBroker, KafkaRouter
from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy

from bridgework.common import logs, metrics, tracing
from bridgework.common.contracts import Contract
from bridgework.common.events import Event, InvalidEventError, decode_headers, from_kafka
from bridgework.common.inbox import claim
from bridgework.common.postgres import Connection, Pool
from bridgework.common.topics import dead_letter_topic

logger = logging.getLogger(__name__)

Applier = Callable[[Connection, Sequence[Event[Contract]]], Awaitable[None]]
T = TypeVar("T")


@dataclass(frozen=True)
class Refusal:
    """Why a record is not applied: it goes to the dead-letter topic with this reason."""

    reason: str
    error: str


@dataclass(frozen=True)
class Reading(Generic[T]):
    """What a hook made of a fetched batch: the records to apply, each with what it carries,
    and the records refused at once, each with why."""

    items: list[tuple[Any, T]]
    refused: list[tuple[Any, Refusal]]


class RecordHook(Protocol[T]):
    """A consumer's own reading of records that are not Bridgework events, and applying."""

    def read(self, records: Sequence[Any]) -> Reading[T]:
        """Sort a fetched batch into items to apply and records refused (no I/O)."""
        ...

    async def apply(self, items: Sequence[T]) -> Sequence[Refusal | None]:
        """Apply `items` in one transaction; per item, in order, None or why it was refused
        (an empty sequence: none was). Raising retries, as for any applier."""
        ...

    def kept(self, record: Any, error: str) -> tuple[Any, str]:
        """The record and the error as the dead-letter topic may keep them (secrets out)."""
        ...


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
    """Applies batches of events for one named consumer of one service.

    With a `hook`, the batches are of records the hook reads and applies itself (`apply`
    is then not called, and no inbox is claimed: the hook's own transaction de-duplicates).
    """

    name: str
    pool: Pool
    broker: KafkaBroker
    apply: Applier | None = None
    max_attempts: int = 3
    retry_base_seconds: float = 0.2
    hook: RecordHook[Any] | None = None
    applied: int = field(default=0, init=False)
    dead_lettered: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if (self.apply is None) == (self.hook is None):
            raise ValueError(f"{self.name}: give the consumer an applier or a hook, not both")
        self._applied_total = metrics.EVENTS_APPLIED.labels(self.name)
        self._batch_seconds = metrics.CONSUMER_BATCH_SECONDS.labels(self.name)

    async def handle(self, records: Sequence[Any]) -> None:
        """Apply a fetched batch durably (or dead-letter its bad records); never raise for data."""
        started = perf_counter()
        with tracing.consuming(self.name, records), _about(records):
            reading = self._read(records) if self.hook is None else self.hook.read(records)
            for record, refusal in reading.refused:
                await self._dead_letter(record, refusal.reason, refusal.error)
            await self._apply_with_retries(reading.items)
        self._batch_seconds.observe(perf_counter() - started)

    @staticmethod
    def _read(records: Sequence[Any]) -> Reading[Event[Contract]]:
        # The first record of each event id: the one dead-lettered if the event cannot apply.
        items: list[tuple[Any, Event[Contract]]] = []
        refused: list[tuple[Any, Refusal]] = []
        seen: set[UUID] = set()
        for record in records:
            try:
                event = from_kafka(decode_headers(record.headers), record.value)
            except InvalidEventError as invalid:
                refused.append((record, Refusal("invalid_event", invalid.reason)))
                continue
            if event.id not in seen:
                seen.add(event.id)
                items.append((record, event))
        return Reading(items, refused)

    async def _apply_with_retries(self, items: list[tuple[Any, Any]]) -> None:
        if not items:
            return
        failures = 0
        transient_failures = 0
        while True:
            try:
                refusals = await self._apply_once([item for _, item in items])
                break
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
                if len(items) > 1:
                    # Find the bad ones: apply one by one, each with its own bounded retries.
                    for item in items:
                        with _about([item[0]]):
                            await self._apply_with_retries([item])
                    return
                record = items[0][0]
                logger.error(
                    "%s: giving up on %s[%s]@%s: %s",
                    self.name,
                    record.topic,
                    record.partition,
                    record.offset,
                    logs.without_message(error),
                )
                await self._dead_letter(
                    record, "processing_failed", f"{type(error).__name__}: {error}"
                )
                return
        # Refused by a hook's transaction, which committed: kept aside, never applied again.
        for (record, _), refusal in zip(items, refusals, strict=bool(refusals)):
            if refusal is not None:
                await self._dead_letter(record, refusal.reason, refusal.error)

    async def _apply_once(self, items: list[Any]) -> Sequence[Refusal | None]:
        if self.hook is not None:
            refusals = await self.hook.apply(items)
            applied = sum(r is None for r in refusals) if refusals else len(items)
            self.applied += applied
            self._applied_total.inc(applied)
            return refusals
        assert self.apply is not None
        async with self.pool.acquire() as connection, connection.transaction():
            fresh_ids = await claim(connection, consumer=self.name, event_ids=[e.id for e in items])
            fresh = [event for event in items if event.id in fresh_ids]
            if fresh:
                await self.apply(connection, fresh)
        self.applied += len(fresh)
        self._applied_total.inc(len(fresh))
        return ()

    async def _dead_letter(self, record: Any, reason: str, error: str) -> None:
        if self.hook is not None:
            record, error = self.hook.kept(record, error)
        with _about([record]):
            await dead_letter(self.broker, record, consumer=self.name, reason=reason, error=error)
        self.dead_lettered += 1
        metrics.EVENTS_DEAD_LETTERED.labels(self.name, reason).inc()


@contextmanager
def _about(records: Sequence[Any]) -> Iterator[None]:
    """While one record is in hand, log lines carry its CloudEvent id (`ce_id`), if any."""
    if len(records) != 1:
        yield
        return
    ce_id = next(
        (value for name, value in records[0].headers or () if name == "ce_id" and value), None
    )
    token = logs.event_id.set(ce_id.decode(errors="replace")[:64] if ce_id else None)
    try:
        yield
    finally:
        logs.event_id.reset(token)


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
    # The reason code only: the error text (kept in the dead letter's header, beside the
    # record itself) may quote the record's content.
    logger.warning(
        "%s: dead-lettering %s[%s]@%s: %s (bridgework_dlq_error says why)",
        consumer,
        record.topic,
        record.partition,
        record.offset,
        reason,
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


async def commit_batch(consumer: Any, records: Sequence[Any]) -> dict[TopicPartition, int]:
    """Commit the offsets just past `records`, partition by partition; return them."""
    offsets: dict[TopicPartition, int] = {}
    for record in records:
        partition = TopicPartition(record.topic, record.partition)
        offsets[partition] = max(offsets.get(partition, 0), record.offset + 1)
    if not offsets:
        return offsets
    try:
        await consumer.commit(offsets)
    except CommitFailedError:
        # The group rebalanced while we worked: the new owner gets these records
        # again, and the inbox turns that redelivery into a no-op.
        logger.warning("offset commit lost to a rebalance; the batch will be redelivered")
    return offsets


# The partitions each consumer has reported lag for, so a partition it lost in a rebalance
# stops reporting (its new owner reports it): a stale figure would look like a stuck one.
_lag_reported: dict[str, set[TopicPartition]] = {}


def observe_lag(consumer: Any, name: str, offsets: dict[TopicPartition, int]) -> None:
    """Lag of each partition a batch came from: its high watermark (as of the fetch that
    brought the batch) minus the offset to read next. No request: aiokafka keeps both."""
    reported = _lag_reported.setdefault(name, set())
    for partition, next_offset in offsets.items():
        highwater = consumer.highwater(partition)
        if highwater is not None:
            metrics.CONSUMER_LAG.labels(name, partition.topic, str(partition.partition)).set(
                max(highwater - next_offset, 0)
            )
            reported.add(partition)
    lost = reported - consumer.assignment()
    for partition in lost:
        metrics.CONSUMER_LAG.remove(name, partition.topic, str(partition.partition))
    reported -= lost


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
    title: str | None = None,
) -> None:
    """Register `consumer` as a batch subscriber with manual, after-the-fact commits.

    `title` names it in the AsyncAPI document (default: the consumer's name).
    """

    async def on_batch(message: KafkaMessage) -> None:
        records = message.raw_message
        batch = records if isinstance(records, tuple) else (records,)
        await consumer.handle(batch)
        offsets = await commit_batch(message.consumer, batch)
        observe_lag(message.consumer, consumer.name, offsets)

    on_batch.__name__ = f"on_{consumer.name.replace('.', '_')}"
    broker.subscriber(
        *topics,
        group_id=group_id,
        batch=True,
        max_records=batch_size,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
        decoder=_bodies_left_undecoded,
        title=title or consumer.name,
        description=description,
    )(on_batch)
