"""Agreements' Kafka subscribers: incidents (to open repairs), follow-up's news and planned
changes, each common's batch consumer over one use case."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from faststream.kafka import KafkaBroker

from bridgework.agreements.settings import AgreementsSettings
from bridgework.agreements.use_cases.changes import record_changes
from bridgework.agreements.use_cases.followup_news import record_followup_news
from bridgework.agreements.use_cases.incidents import open_repairs_for_incidents
from bridgework.agreements.use_cases.privacy import tombstone_facts
from bridgework.common.clock import Clock
from bridgework.common.consumer import BatchConsumer, subscribe
from bridgework.common.contracts import (
    ChangeEvent,
    CheckInRecordedV1,
    CommitmentLapsedV1,
    Contract,
    IncidentFacts,
)
from bridgework.common.events import Event
from bridgework.common.postgres import Connection, Pool


async def on_incident_facts(
    connection: Connection,
    events: Sequence[Event[Contract]],
    *,
    settings: AgreementsSettings,
    clock: Clock,
) -> None:
    """IncidentReported and IncidentUpdated both carry the incident's whole facts."""
    facts = [e.data for e in events if isinstance(e.data, IncidentFacts)]
    # Intake re-sends an incident's whole facts: an erased person stays their tombstone.
    facts = await tombstone_facts(connection=connection, facts=facts)
    await open_repairs_for_incidents(
        connection=connection, facts=facts, clock=clock, settings=settings
    )


async def on_followup_news(connection: Connection, events: Sequence[Event[Contract]]) -> None:
    """CommitmentLapsed and CheckInRecorded; follow-up's other events are not agreements' business."""
    news = [e.data for e in events if isinstance(e.data, CommitmentLapsedV1 | CheckInRecordedV1)]
    await record_followup_news(connection=connection, news=news)


async def on_change_facts(
    connection: Connection,
    events: Sequence[Event[Contract]],
    *,
    settings: AgreementsSettings,
    clock: Clock,
) -> None:
    """ChangeRecorded, ChangeUpdated and ChangeWentLive: keep each change, decide its mode live."""
    facts = [e.data for e in events if isinstance(e.data, ChangeEvent)]
    await record_changes(connection=connection, facts=facts, settings=settings, clock=clock)


def subscribe_all(
    broker: KafkaBroker, pool: Pool, *, settings: AgreementsSettings, clock: Clock
) -> None:
    """Register every subscriber of the agreements service."""
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
            apply=partial(on_incident_facts, settings=settings, clock=clock),
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
            apply=on_followup_news,
            max_attempts=settings.consumer_max_attempts,
        ),
        batch_size=settings.consumer_batch_size,
        description=(
            "Records lapsed commitments (CommitmentLapsed) and the affected's answers at"
            " check-in (CheckInRecorded), which closing a repair as repaired needs."
        ),
    )
    subscribe(
        broker,
        topics=[settings.topics.changes],
        group_id=f"{group_id}.changes",
        consumer=BatchConsumer(
            name="agreements.changes",
            pool=pool,
            broker=broker,
            apply=partial(on_change_facts, settings=settings, clock=clock),
            max_attempts=settings.consumer_max_attempts,
        ),
        batch_size=settings.consumer_batch_size,
        description=(
            "Keeps every planned change (ChangeRecorded, ChangeUpdated) for its engagement, and"
            " decides its response mode when it goes live (ChangeWentLive)."
        ),
    )
