"""Intake's use cases: each is one transaction that records state and its events together."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID, uuid4

from bridgework.common.clock import Clock
from bridgework.common.contracts import IncidentFacts
from bridgework.common.events import Event
from bridgework.common.outbox import enqueue
from bridgework.common.postgres import Connection, Pool
from bridgework.intake import repository
from bridgework.intake.credentials import new_token, token_hash
from bridgework.intake.domain import IncidentSubmission, StoredIncident, Verdict, decide
from bridgework.intake.mapping import Tool, ToolMapping, effective_mapping
from bridgework.intake.repository import DeliveryKey, SourceKey
from bridgework.intake.settings import IntakeSettings


@dataclass(frozen=True)
class Delivery:
    """One delivery of a tool (webhook delivery id, CloudEvents source + id)."""

    channel: str
    delivery_id: str


@dataclass(frozen=True)
class Item:
    """A submission to accept, and the delivery that brought it (when the tool names one)."""

    submission: IncidentSubmission
    delivery: Delivery | None = None


@dataclass(frozen=True)
class Outcome:
    """What became of one item: the verdict, and the incident it is (when there is one)."""

    verdict: Verdict
    incident_id: UUID | None
    revision: int | None = None


@dataclass(frozen=True)
class Principal:
    """Who a token speaks for."""

    token_id: UUID
    department: str


async def accept(
    *, pool: Pool, clock: Clock, settings: IntakeSettings, items: Sequence[Item]
) -> list[Outcome]:
    """Record submissions and their events in one transaction; one outcome per item, in order.

    A delivery seen before is a duplicate before anything else; otherwise the source
    item decides: new (IncidentReported), changed (IncidentUpdated), the same, or stale.
    Items of one call that name the same source item apply in order.
    """
    async with pool.acquire() as connection, connection.transaction():
        return await _accept(connection, clock=clock, settings=settings, items=items)


async def _accept(
    connection: Connection, *, clock: Clock, settings: IntakeSettings, items: Sequence[Item]
) -> list[Outcome]:
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


async def delivery_outcome(pool: Pool, *, department: str, delivery: Delivery) -> Outcome | None:
    """The outcome of a delivery handled before (a tool's retry), or None if it is new."""
    key = (department, delivery.channel, delivery.delivery_id)
    async with pool.acquire() as connection:
        seen = await repository.find_deliveries(connection, [key])
    if key not in seen:
        return None
    return Outcome(Verdict.DUPLICATE, seen[key])


async def forget_old_deliveries(*, pool: Pool, clock: Clock, settings: IntakeSettings) -> int:
    """Drop delivery ids past their retention; identical content still de-duplicates after."""
    before = clock.now() - timedelta(days=settings.delivery_retention_days)
    async with pool.acquire() as connection:
        return await repository.forget_deliveries(connection, before=before)


async def authenticate(pool: Pool, tokens: Iterable[str]) -> dict[str, Principal]:
    """The principals of the active tokens among `tokens` (unknown or revoked ones are absent)."""
    by_hash = {token_hash(token): token for token in set(tokens)}
    async with pool.acquire() as connection:
        found = await repository.find_active_tokens(connection, list(by_hash))
    return {
        by_hash[digest]: Principal(token_id=token_id, department=department)
        for digest, (token_id, department) in found.items()
    }


async def webhook_secrets(pool: Pool, *, department: str, tool: Tool) -> list[str]:
    """The department's active signing secrets for `tool`."""
    async with pool.acquire() as connection:
        return await repository.active_secrets(connection, department=department, tool=tool.value)


async def mapping_in_force(pool: Pool, *, department: str, tool: Tool) -> ToolMapping:
    """The department's mapping of `tool` laid over the tool's defaults."""
    async with pool.acquire() as connection:
        stored = await repository.get_mapping(connection, department=department, tool=tool.value)
    configured = ToolMapping.model_validate(stored) if stored is not None else None
    return effective_mapping(tool, configured)


async def create_token(
    pool: Pool, *, clock: Clock, department: str, label: str
) -> tuple[UUID, str]:
    """A new API token for `department`: its id, and the token itself (shown only now)."""
    token_id, token = uuid4(), new_token()
    async with pool.acquire() as connection:
        await repository.insert_token(
            connection,
            token_id=token_id,
            department=department,
            token_hash=token_hash(token),
            label=label,
            created_at=clock.now(),
        )
    return token_id, token


async def list_tokens(pool: Pool, *, department: str | None) -> list[repository.TokenRow]:
    """Tokens (never their values), active and revoked."""
    async with pool.acquire() as connection:
        return await repository.list_tokens(connection, department=department)


async def revoke_tokens(
    pool: Pool,
    *,
    clock: Clock,
    token_id: UUID | None = None,
    department: str | None = None,
    label: str | None = None,
) -> int:
    """Revoke a token by id, or the tokens with a label (of one department, or all); return
    how many."""
    if token_id is None and label is None:
        raise ValueError("name a token id or a label")
    async with pool.acquire() as connection:
        return await repository.revoke_tokens(
            connection, at=clock.now(), token_id=token_id, department=department, label=label
        )


async def add_webhook_secret(
    pool: Pool, *, clock: Clock, department: str, tool: Tool, secret: str, label: str
) -> UUID:
    """Add a signing secret for `tool` in `department` (old ones stay valid until revoked)."""
    secret_id = uuid4()
    async with pool.acquire() as connection:
        await repository.insert_secret(
            connection,
            secret_id=secret_id,
            department=department,
            tool=tool.value,
            secret=secret,
            label=label,
            created_at=clock.now(),
        )
    return secret_id


async def list_webhook_secrets(pool: Pool, *, department: str | None) -> list[repository.SecretRow]:
    """Signing secrets (never their values), active and revoked."""
    async with pool.acquire() as connection:
        return await repository.list_secrets(connection, department=department)


async def revoke_webhook_secret(pool: Pool, *, clock: Clock, secret_id: UUID) -> bool:
    async with pool.acquire() as connection:
        return await repository.revoke_secret(connection, secret_id=secret_id, at=clock.now())


async def set_mapping(
    pool: Pool, *, clock: Clock, department: str, tool: Tool, mapping: ToolMapping
) -> None:
    """Store the department's own mapping of `tool` (laid over the defaults when used)."""
    async with pool.acquire() as connection:
        await repository.put_mapping(
            connection,
            department=department,
            tool=tool.value,
            mapping=mapping.model_dump(mode="json", exclude_defaults=True),
            at=clock.now(),
        )


async def reset_mapping(pool: Pool, *, department: str, tool: Tool) -> bool:
    """Forget the department's own mapping of `tool`: the defaults apply again."""
    async with pool.acquire() as connection:
        return await repository.delete_mapping(connection, department=department, tool=tool.value)


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
