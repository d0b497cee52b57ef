"""The read model's subscriber: every topic that carries facts feeds it, in the transaction
the consumer opens for each batch with its inbox claims."""

from __future__ import annotations

from collections.abc import Sequence

from faststream.kafka import KafkaBroker

from bridgework.common.consumer import BatchConsumer, subscribe
from bridgework.common.contracts import Contract
from bridgework.common.events import Event
from bridgework.common.postgres import Connection, Pool
from bridgework.graphql_gateway.projection.use_cases.fold_changes import fold_changes
from bridgework.graphql_gateway.projection.use_cases.privacy import fold_with_erasures
from bridgework.graphql_gateway.settings import GatewaySettings

CONSUMER = "gateway.read_model"


async def on_events(connection: Connection, events: Sequence[Event[Contract]]) -> None:
    """A batch of facts, of any stream: fold them into the read model (erasures first)."""
    await fold_with_erasures(connection=connection, events=events)
    await fold_changes(connection=connection, events=events)


def subscribe_read_model(broker: KafkaBroker, pool: Pool, *, settings: GatewaySettings) -> None:
    """Register the read model's subscriber on every topic that carries facts."""
    topics = settings.topics
    subscribe(
        broker,
        topics=[
            topics.incidents,
            topics.repairs,
            topics.followups,
            topics.privacy,
            topics.changes,
            topics.engagements,
        ],
        # One group per schema: a gateway started with another BRIDGEWORK_SERVICE_NAME builds
        # a fresh read model from the start of every topic (a rebuild beside the live one).
        group_id=f"{settings.topic_namespace}.{settings.db_schema}",
        consumer=BatchConsumer(
            name=CONSUMER,
            pool=pool,
            broker=broker,
            apply=on_events,
            max_attempts=settings.consumer_max_attempts,
        ),
        batch_size=settings.consumer_batch_size,
        description="Builds the dashboards' read model and rollups from incidents, repairs "
        "and follow-ups, and planned changes with their engagement; tombstones erased "
        "people (PersonErased); announces each applied batch to live subscriptions.",
    )
