"""Intake's Kafka subscriber: incidents that tools produce as CloudEvents to the raw topic.

A plain client is enough: binary mode (`ce_*` headers, JSON body) or structured
mode (`content-type: application/cloudevents+json`), the department's token in the
`bridgeworktoken` extension attribute. A fetched batch is accepted in one
transaction; records that cannot be accepted go to `<raw>.dlq` with the reason in
`bridgework_dlq_*` headers (tokens redacted); then the offsets are committed, so
an offset never moves ahead of a durable incident or a dead letter.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy

from bridgework.common.clock import Clock
from bridgework.common.consumer import (
    MAX_BACKOFF_SECONDS,
    TRANSIENT_ERRORS,
    commit_batch,
    dead_letter,
)
from bridgework.common.events import InvalidEventError, decode_headers
from bridgework.common.postgres import Pool
from bridgework.common.runtime import Runtime
from bridgework.intake import cloudevents, service
from bridgework.intake.cloudevents import CloudEventError, IncomingCloudEvent
from bridgework.intake.credentials import redact_text
from bridgework.intake.service import Delivery, Item
from bridgework.intake.settings import IntakeSettings

logger = logging.getLogger(__name__)
CONSUMER = "intake.raw"
T = TypeVar("T")


@dataclass(frozen=True)
class RedactedRecord:
    """A raw record as it may be kept: the same place and bytes, minus any token."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]

    @staticmethod
    def of(record: Any) -> RedactedRecord:
        return RedactedRecord(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=cloudevents.redact_value(record.key) if record.key is not None else None,
            value=cloudevents.redact_value(record.value),
            headers=cloudevents.redact_headers(record.headers or ()),
        )


def parse_record(record: Any) -> IncomingCloudEvent:
    """The incident CloudEvent in a raw record; CloudEventError says why it is not one."""
    try:
        headers = decode_headers(record.headers)
    except InvalidEventError as error:
        raise CloudEventError([{"loc": ("headers",), "msg": error.reason}]) from error
    if record.value is None:
        raise CloudEventError([{"loc": ("value",), "msg": "empty record"}])
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    if cloudevents.media_type(content_type) == cloudevents.STRUCTURED:
        try:
            document = json.loads(record.value)
        except (ValueError, RecursionError) as error:
            raise CloudEventError([{"loc": ("value",), "msg": f"not JSON: {error}"}]) from error
        return cloudevents.from_structured(document)
    attributes = cloudevents.kafka_attributes(headers.items())
    if "specversion" not in attributes:
        raise CloudEventError(
            [
                {
                    "loc": ("headers",),
                    "msg": "not a CloudEvent: no ce_specversion header (binary mode) and no "
                    f"content-type {cloudevents.STRUCTURED} (structured mode)",
                }
            ]
        )
    return cloudevents.from_binary(attributes, content_type, record.value, prefix="ce_")


@dataclass
class RawIntakeConsumer:
    """Accepts batches of raw CloudEvents; dead-letters what cannot be accepted."""

    pool: Pool
    broker: KafkaBroker
    clock: Clock
    settings: IntakeSettings
    retry_base_seconds: float = 0.2
    accepted: int = field(default=0, init=False)
    dead_lettered: int = field(default=0, init=False)

    async def handle(self, records: Sequence[Any]) -> None:
        """Make every record durable as an incident or a dead letter; never raise for data."""
        events: list[tuple[Any, IncomingCloudEvent]] = []
        for record in records:
            try:
                events.append((record, parse_record(record)))
            except CloudEventError as invalid:
                await self._dead_letter(record, "invalid_event", str(invalid))
            except Exception as unexpected:
                # A record must never stall the partition: whatever it is, it is kept aside.
                logger.exception("%s: could not read a raw record", CONSUMER)
                await self._dead_letter(
                    record, "invalid_event", f"{type(unexpected).__name__}: {unexpected}"
                )
        tokens = [event.token for _, event in events if event.token]
        principals = await self._until_infrastructure_answers(
            lambda: service.authenticate(self.pool, tokens)
        )
        items: list[tuple[Any, Item]] = []
        for record, event in events:
            principal = principals.get(event.token) if event.token else None
            department = event.submission.department
            if event.token is None:
                await self._dead_letter(
                    record, "unauthenticated", "no `bridgeworktoken` extension attribute"
                )
            elif principal is None:
                await self._dead_letter(record, "unauthenticated", "unknown or revoked token")
            elif principal.department != department:
                await self._dead_letter(
                    record,
                    "forbidden",
                    f"the token reports for {principal.department!r}, data.department is "
                    f"{department!r}",
                )
            else:
                delivery = Delivery("cloudevents", event.delivery_id)
                items.append((record, Item(event.submission, delivery)))
        await self._accept(items)

    async def _accept(self, items: list[tuple[Any, Item]]) -> None:
        failures = 0
        while items:
            try:
                await self._until_infrastructure_answers(
                    lambda: service.accept(
                        pool=self.pool,
                        clock=self.clock,
                        settings=self.settings,
                        items=[item for _, item in items],
                    )
                )
                self.accepted += len(items)
                return
            except Exception as error:
                failures += 1
                if failures < self.settings.consumer_max_attempts:
                    await asyncio.sleep(self.retry_base_seconds * 2**failures)
                    continue
                if len(items) > 1:
                    # Find the bad ones: each on its own, with its own bounded retries.
                    for one in items:
                        await self._accept([one])
                    return
                logger.exception("%s: giving up on %s", CONSUMER, items[0][1].delivery)
                await self._dead_letter(
                    items[0][0], "processing_failed", f"{type(error).__name__}: {error}"
                )
                return

    async def _until_infrastructure_answers(self, work: Callable[[], Awaitable[T]]) -> T:
        # Skipping while the database is away would lose incidents: wait for it instead.
        attempt = 0
        while True:
            try:
                return await work()
            except TRANSIENT_ERRORS as error:
                attempt += 1
                delay = min(self.retry_base_seconds * 2**attempt, MAX_BACKOFF_SECONDS)
                logger.warning(
                    "%s: infrastructure unavailable (%r); retry in %.1fs", CONSUMER, error, delay
                )
                await asyncio.sleep(delay)

    async def _dead_letter(self, record: Any, reason: str, error: str) -> None:
        await dead_letter(
            self.broker,
            RedactedRecord.of(record),
            consumer=CONSUMER,
            reason=reason,
            error=redact_text(error),
        )
        self.dead_lettered += 1


def subscribe_all(
    broker: KafkaBroker, pool: Pool, *, settings: IntakeSettings, clock: Clock
) -> None:
    """Register intake's subscriber of the raw topic."""
    consumer = RawIntakeConsumer(pool=pool, broker=broker, clock=clock, settings=settings)

    async def on_raw_incidents(message: KafkaMessage) -> None:
        records = message.raw_message
        batch = records if isinstance(records, tuple) else (records,)
        await consumer.handle(batch)
        await commit_batch(message.consumer, batch)

    broker.subscriber(
        settings.topics.intake_raw,
        group_id=f"{settings.topic_namespace}.intake",
        batch=True,
        max_records=settings.consumer_batch_size,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
        title=f"{CONSUMER}:{settings.topics.intake_raw}",
        description="Incidents produced by tools as CloudEvents (type bridgework.intake.incident.v1,"
        " token in the bridgeworktoken extension); invalid ones go to the .dlq topic.",
    )(on_raw_incidents)


async def forget_old_deliveries(
    runtime: Runtime, *, clock: Clock, every_seconds: float = 3600
) -> None:
    """Background task: drop delivery ids past their retention, once an hour."""
    settings = runtime.settings
    assert isinstance(settings, IntakeSettings)
    while True:
        try:
            dropped = await service.forget_old_deliveries(
                pool=runtime.pool, clock=clock, settings=settings
            )
            if dropped:
                logger.info("forgot %d delivery ids past retention", dropped)
        except TRANSIENT_ERRORS as error:
            logger.warning("could not forget old delivery ids (%r); later", error)
        await asyncio.sleep(every_seconds)
