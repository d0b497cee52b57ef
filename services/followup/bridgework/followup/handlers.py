"""Follow-up's event subscribers."""

from __future__ import annotations

from collections.abc import Sequence

from faststream.kafka import KafkaBroker

from bridgework.common.clock import Clock
from bridgework.common.consumer import BatchConsumer, subscribe
from bridgework.common.contracts import Contract, RepairOpenedV1
from bridgework.common.events import Event
from bridgework.common.postgres import Connection, Pool
from bridgework.common.settings import ServiceSettings
from bridgework.followup.service import track_repairs


def subscribe_all(
    broker: KafkaBroker, pool: Pool, *, settings: ServiceSettings, clock: Clock
) -> None:
    """Register every subscriber of the follow-up service."""

    async def on_repair_events(connection: Connection, events: Sequence[Event[Contract]]) -> None:
        opened = [e.data for e in events if isinstance(e.data, RepairOpenedV1)]
        await track_repairs(connection, opened, clock=clock)

    subscribe(
        broker,
        topics=[settings.topics.repairs],
        group_id=f"{settings.topic_namespace}.followup",
        consumer=BatchConsumer(
            name="followup.repairs",
            pool=pool,
            broker=broker,
            apply=on_repair_events,
            max_attempts=settings.consumer_max_attempts,
        ),
        batch_size=settings.consumer_batch_size,
        description="Starts following each opened repair (RepairOpened).",
    )
