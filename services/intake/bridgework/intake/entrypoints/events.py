"""Intake's Kafka subscriber: incidents that tools produce as CloudEvents to the raw topic.

A plain client is enough: binary mode (`ce_*` headers, JSON body) or structured
mode (`content-type: application/cloudevents+json`), the department's token in the
`bridgeworktoken` extension attribute. Common's batch consumer runs it through
`RawIncidents`, its hook: a fetched batch is accepted in one transaction; records
that cannot be accepted go to `<raw>.dlq` with the reason in `bridgework_dlq_*`
headers (tokens redacted); then the offsets are committed, so an offset never moves
ahead of a durable incident or a dead letter.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from faststream.kafka import KafkaBroker

from bridgework.common import logs
from bridgework.common.clock import Clock
from bridgework.common.consumer import BatchConsumer, Reading, Refusal, subscribe
from bridgework.common.errors import DomainError
from bridgework.common.events import InvalidEventError, decode_headers
from bridgework.common.postgres import Pool
from bridgework.intake.domain import cloudevents
from bridgework.intake.domain.cloudevents import IncomingCloudEvent
from bridgework.intake.domain.credentials import redact_text
from bridgework.intake.domain.errors import invalid_fields
from bridgework.intake.settings import IntakeSettings
from bridgework.intake.use_cases.cloudevents import accept_raw_events

logger = logging.getLogger(__name__)
CONSUMER = "intake.raw"


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
        """`record` with every token taken out of its key, value and headers."""
        return RedactedRecord(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=cloudevents.redact_value(record.key) if record.key is not None else None,
            value=cloudevents.redact_value(record.value),
            headers=cloudevents.redact_headers(record.headers or ()),
        )


def parse_record(record: Any) -> IncomingCloudEvent:
    """The incident CloudEvent in a raw record; a DomainError says why it is not one."""
    try:
        headers = decode_headers(record.headers)
    except InvalidEventError as error:
        raise invalid_fields([{"loc": ("headers",), "msg": error.reason}]) from error
    return cloudevents.from_kafka(headers, record.value)


@dataclass(frozen=True)
class RawIncidents:
    """Common's batch consumer's hook for the raw topic: reads tools' CloudEvents, accepts them."""

    pool: Pool
    clock: Clock
    settings: IntakeSettings

    def read(self, records: Sequence[Any]) -> Reading[IncomingCloudEvent]:
        """Each record's CloudEvent; a record that is none is refused as an invalid event."""
        items: list[tuple[Any, IncomingCloudEvent]] = []
        refused: list[tuple[Any, Refusal]] = []
        for record in records:
            try:
                items.append((record, parse_record(record)))
            except DomainError as invalid:
                refused.append((record, Refusal("invalid_event", str(invalid))))
            except Exception as unexpected:
                # A record must never stall the partition: whatever it is, it is kept aside.
                logger.error(
                    "%s: could not read a raw record: %s",
                    CONSUMER,
                    logs.without_message(unexpected),
                )
                error = f"{type(unexpected).__name__}: {unexpected}"
                refused.append((record, Refusal("invalid_event", error)))
        return Reading(items, refused)

    async def apply(self, items: Sequence[IncomingCloudEvent]) -> list[Refusal | None]:
        """Accept the events in one transaction; refuse those whose token may not report them."""
        results = await accept_raw_events(
            pool=self.pool, clock=self.clock, settings=self.settings, events=items
        )
        return [
            Refusal(result.code, result.detail) if isinstance(result, DomainError) else None
            for result in results
        ]

    def kept(self, record: Any, error: str) -> tuple[Any, str]:
        """The record and the error without any token, as the dead-letter topic keeps them."""
        return RedactedRecord.of(record), redact_text(error)


def subscribe_raw_incidents(
    broker: KafkaBroker, pool: Pool, *, settings: IntakeSettings, clock: Clock
) -> None:
    """Register intake's subscriber of the raw topic."""
    consumer = BatchConsumer(
        name=CONSUMER,
        pool=pool,
        broker=broker,
        hook=RawIncidents(pool=pool, clock=clock, settings=settings),
        max_attempts=settings.consumer_max_attempts,
    )
    subscribe(
        broker,
        topics=[settings.topics.intake_raw],
        group_id=f"{settings.topic_namespace}.intake",
        consumer=consumer,
        batch_size=settings.consumer_batch_size,
        title=f"{CONSUMER}:{settings.topics.intake_raw}",
        description="Incidents and planned changes produced by tools as CloudEvents (types "
        "bridgework.intake.incident.v1 and bridgework.intake.change.v1, token in the "
        "bridgeworktoken extension); invalid ones go to the .dlq topic.",
    )
