"""The gateway's subscribers: every topic feeds the read model, in the transaction that applies it."""

from __future__ import annotations

from collections.abc import Sequence

from faststream.kafka import KafkaBroker

from bridgework.common.consumer import BatchConsumer, subscribe
from bridgework.common.contracts import Contract, IncidentReportedV1, RepairOpenedV1
from bridgework.common.events import Event
from bridgework.common.postgres import Connection, Pool
from bridgework.common.settings import ServiceSettings
from bridgework.graphql_gateway import repository


async def apply_to_read_model(connection: Connection, events: Sequence[Event[Contract]]) -> None:
    """Fold a batch of events into the read model (idempotent per event: inbox plus upserts)."""
    await repository.record_incidents(
        connection, [e.data for e in events if isinstance(e.data, IncidentReportedV1)]
    )
    await repository.record_repairs(
        connection, [e.data for e in events if isinstance(e.data, RepairOpenedV1)]
    )


def subscribe_all(broker: KafkaBroker, pool: Pool, *, settings: ServiceSettings) -> None:
    """Register the read model's subscriber on every topic that carries facts."""
    topics = settings.topics
    subscribe(
        broker,
        topics=[topics.incidents, topics.repairs, topics.followups],
        group_id=f"{settings.topic_namespace}.gateway",
        consumer=BatchConsumer(
            name="gateway.read_model",
            pool=pool,
            broker=broker,
            apply=apply_to_read_model,
            max_attempts=settings.consumer_max_attempts,
        ),
        batch_size=settings.consumer_batch_size,
        description="Builds the dashboards' read model from incidents, repairs and follow-ups.",
    )
