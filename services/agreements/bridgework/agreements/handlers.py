"""Agreements' event subscribers."""

from __future__ import annotations

from collections.abc import Sequence

from faststream.kafka import KafkaBroker

from bridgework.agreements.service import open_repairs
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import Clock
from bridgework.common.consumer import BatchConsumer, subscribe
from bridgework.common.contracts import Contract, IncidentReportedV1
from bridgework.common.events import Event
from bridgework.common.postgres import Connection, Pool


def subscribe_all(
    broker: KafkaBroker, pool: Pool, *, settings: AgreementsSettings, clock: Clock
) -> None:
    """Register every subscriber of the agreements service."""

    async def on_incident_events(connection: Connection, events: Sequence[Event[Contract]]) -> None:
        reported = [e.data for e in events if isinstance(e.data, IncidentReportedV1)]
        await open_repairs(connection, reported, clock=clock, settings=settings)

    subscribe(
        broker,
        topics=[settings.topics.incidents],
        group_id=f"{settings.topic_namespace}.agreements",
        consumer=BatchConsumer(
            name="agreements.incidents",
            pool=pool,
            broker=broker,
            apply=on_incident_events,
            max_attempts=settings.consumer_max_attempts,
        ),
        batch_size=settings.consumer_batch_size,
        description="Opens a repair for every reported incident (IncidentReported).",
    )
