"""Accepting incidents: each call is one transaction that records state and its events together."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from datetime import timedelta
from uuid import UUID

from bridgework.common.clock import Clock
from bridgework.common.contracts import IncidentFacts
from bridgework.common.events import Event
from bridgework.common.outbox import enqueue
from bridgework.common.postgres import Connection, Pool
from bridgework.intake import repository
from bridgework.intake.domain.credentials import Principal, token_hash
from bridgework.intake.domain.incidents import (
    Delivery,
    IncidentSubmission,
    Item,
    Outcome,
    StoredIncident,
    Verdict,
    decide,
)
from bridgework.intake.repository import DeliveryKey, SourceKey
from bridgework.intake.settings import IntakeSettings

RAW_CHANNEL = "cloudevents"


async def accept(
    *, pool: Pool, clock: Clock, settings: IntakeSettings, items: Sequence[Item]
) -> list[Outcome]:
    """Record submissions and their events in one transaction; one outcome per item, in order.

    A delivery seen before is a duplicate before anything else; otherwise the source
    item decides: new (IncidentReported), changed (IncidentUpdated), the same, or stale.
    Items of one call that name the same source item apply in order.
    """
    async with pool.acquire() as connection, connection.transaction():
        return await accept_in(connection, clock=clock, settings=settings, items=items)


async def delivery_outcome(*, pool: Pool, department: str, delivery: Delivery) -> Outcome | None:
    """The outcome of a delivery handled before (a tool's retry), or None if it is new."""
    async with pool.acquire() as connection:
        return await delivery_outcome_in(connection, department=department, delivery=delivery)


async def forget_old_deliveries(*, pool: Pool, clock: Clock, settings: IntakeSettings) -> int:
    """Drop delivery ids past their retention; identical content still de-duplicates after."""
    before = clock.now() - timedelta(days=settings.delivery_retention_days)
    async with pool.acquire() as connection:
        return await repository.forget_deliveries(connection, before=before)


async def accept_in(
    connection: Connection, *, clock: Clock, settings: IntakeSettings, items: Sequence[Item]
) -> list[Outcome]:
    """`accept` inside a transaction the caller (another use case) opened."""
    if not items:
        return []
    now = clock.now()
    keys = [_source_key(item.submission) for item in items]
    await repository.lock_sources(connection, keys)
    delivery_keys = {
        index: _delivery_key(item) for index, item in enumerate(items) if item.delivery
    }
    seen = await repository.find_deliveries(connection, list(set(delivery_keys.values())))
    states = await repository.find_incidents(connection, keys)
    existing = set(states)
    changed: dict[SourceKey, StoredIncident] = {}
    events: list[Event[IncidentFacts]] = []
    outcomes: list[Outcome] = []
    new_deliveries: list[tuple[DeliveryKey, UUID | None]] = []
    source = _event_source(settings)
    ids = _new_ids(2 * len(items))  # an incident id and an event id per item, at most
    for index, (item, key) in enumerate(zip(items, keys, strict=True)):
        delivery = delivery_keys.get(index)
        if delivery is not None and delivery in seen:
            outcomes.append(Outcome(Verdict.DUPLICATE, seen[delivery]))
            continue
        decision = decide(states.get(key), item.submission, new_incident_id=next(ids), now=now)
        states[key] = decision.state
        if decision.state_changed:
            changed[key] = decision.state
        if decision.event is not None:
            events.append(Event(id=next(ids), source=source, time=now, data=decision.event))
        incident_id = decision.state.facts.incident_id
        if delivery is not None:
            seen[delivery] = incident_id
            new_deliveries.append((delivery, incident_id))
        outcomes.append(Outcome(decision.verdict, incident_id, decision.state.revision))
    await repository.insert_incidents(
        connection, [s for k, s in changed.items() if k not in existing], received_at=now
    )
    await repository.update_incidents(
        connection, [s for k, s in changed.items() if k in existing], updated_at=now
    )
    await repository.record_deliveries(connection, new_deliveries, received_at=now)
    await enqueue(
        connection,
        schema=settings.db_schema,
        topic=settings.topics.incidents,
        events=events,
    )
    return outcomes


async def delivery_outcome_in(
    connection: Connection, *, department: str, delivery: Delivery
) -> Outcome | None:
    """`delivery_outcome` on a connection the caller (another use case) holds."""
    key = (department, delivery.channel, delivery.delivery_id)
    seen = await repository.find_deliveries(connection, [key])
    if key not in seen:
        return None
    return Outcome(Verdict.DUPLICATE, seen[key])


async def principals_in(connection: Connection, tokens: Sequence[str]) -> dict[str, Principal]:
    """The principals of the active tokens among `tokens`, on the caller's connection."""
    by_hash = {token_hash(token): token for token in set(tokens)}
    found = await repository.find_active_tokens(connection, list(by_hash))
    return {
        by_hash[digest]: Principal(token_id=token_id, department=department)
        for digest, (token_id, department) in found.items()
    }


def _source_key(submission: IncidentSubmission) -> SourceKey:
    return (submission.department, submission.source.tool, submission.source.reference)


def _delivery_key(item: Item) -> DeliveryKey:
    assert item.delivery is not None
    return (item.submission.department, item.delivery.channel, item.delivery.delivery_id)


def _new_ids(count: int) -> Iterator[UUID]:
    """Random (version 4) UUIDs exactly as `uuid4` makes them, from one read of the OS's
    randomness for the whole batch rather than one system call per id."""
    randomness = os.urandom(16 * count)
    for start in range(0, 16 * count, 16):
        yield UUID(bytes=randomness[start : start + 16], version=4)


def _event_source(settings: IntakeSettings) -> str:
    return f"/bridgework/{settings.service_name}"
