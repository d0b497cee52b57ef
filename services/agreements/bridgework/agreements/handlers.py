"""Agreements' event subscribers: incidents (to open repairs) and follow-up's news."""

from __future__ import annotations

from collections.abc import Sequence

from faststream.kafka import KafkaBroker

from bridgework.agreements.service import apply_followup_facts, apply_incident_facts
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import Clock
from bridgework.common.consumer import BatchConsumer, subscribe
from bridgework.common.contracts import (
    CheckInRecordedV1,
    CommitmentLapsedV1,
    Contract,
    IncidentFacts,
)
from bridgework.common.events import Event
from bridgework.common.postgres import Connection, Pool


def subscribe_all(
    broker: KafkaBroker, pool: Pool, *, settings: AgreementsSettings, clock: Clock
) -> None:
    """Register every subscriber of the agreements service."""

    async def on_incident_events(connection: Connection, events: Sequence[Event[Contract]]) -> None:
        # IncidentReported and IncidentUpdated both carry the incident's whole facts.
        facts = [e.data for e in events if isinstance(e.data, IncidentFacts)]
        await apply_incident_facts(connection, facts, clock=clock, settings=settings)

    async def on_followup_events(connection: Connection, events: Sequence[Event[Contract]]) -> None:
        news = [
            e.data for e in events if isinstance(e.data, CommitmentLapsedV1 | CheckInRecordedV1)
        ]
        await apply_followup_facts(connection, news, settings=settings)

    # One consumer group per topic, so a rebalance of one never pauses the other.
    group_id = f"{settings.topic_namespace}.agreements"
    subscribe(
        broker,
        topics=[settings.topics.incidents],
        group_id=group_id,
        consumer=BatchConsumer(
            name="agreements.incidents",
            pool=pool,
            broker=broker,
            apply=on_incident_events,
            max_attempts=settings.consumer_max_attempts,
        ),
        batch_size=settings.consumer_batch_size,
        description=(
            "Opens a repair for every reported incident (IncidentReported), linking back to"
            " earlier repairs about the same matter; keeps incidents current (IncidentUpdated)."
        ),
    )
    subscribe(
        broker,
        topics=[settings.topics.followups],
        group_id=f"{group_id}.followups",
        consumer=BatchConsumer(
            name="agreements.followups",
            pool=pool,
            broker=broker,
            apply=on_followup_events,
            max_attempts=settings.consumer_max_attempts,
        ),
        batch_size=settings.consumer_batch_size,
        description=(
            "Records lapsed commitments (CommitmentLapsed) and the affected's answers at"
            " check-in (CheckInRecorded), which closing a repair as repaired needs."
        ),
    )
