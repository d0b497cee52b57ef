"""The gateway's subscriber: every topic feeds the read model, in the transaction that applies it."""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from bridgework.common.consumer import BatchConsumer, subscribe
from bridgework.common.postgres import Pool
from bridgework.common.settings import ServiceSettings
from bridgework.graphql_gateway import service

CONSUMER = "gateway.read_model"


def subscribe_all(broker: KafkaBroker, pool: Pool, *, settings: ServiceSettings) -> None:
    """Register the read model's subscriber on every topic that carries facts."""
    topics = settings.topics
    subscribe(
        broker,
        topics=[topics.incidents, topics.repairs, topics.followups],
        # One group per schema: a gateway started with another BRIDGEWORK_SERVICE_NAME builds
        # a fresh read model from the start of every topic (a rebuild beside the live one).
        group_id=f"{settings.topic_namespace}.{settings.db_schema}",
        consumer=BatchConsumer(
            name=CONSUMER,
            pool=pool,
            broker=broker,
            apply=service.apply_events,
            max_attempts=settings.consumer_max_attempts,
        ),
        batch_size=settings.consumer_batch_size,
        description="Builds the dashboards' read model and rollups from incidents, repairs "
        "and follow-ups; announces each applied batch to live subscriptions.",
    )
