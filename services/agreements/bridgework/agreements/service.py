"""Agreements' use cases: each is one transaction that changes repairs and stores their events.

A repair is changed under a row lock (`SELECT … FOR UPDATE`), so two consents arriving
together cannot both miss that they were the last ones needed.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from bridgework.agreements import agreement, domain, repository
from bridgework.agreements.domain import Decision, Repair, UnknownError
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import Clock
from bridgework.common.contracts import (
    CheckInRecordedV1,
    CommitmentLapsedV1,
    Contract,
    ConversationRecordedV1,
    IncidentFacts,
    IncidentUpdatedV1,
    PersonRef,
)
from bridgework.common.events import Event
from bridgework.common.outbox import enqueue
from bridgework.common.postgres import Connection, Pool

logger = logging.getLogger(__name__)

Decide = Callable[[Repair, datetime], Decision]


@dataclass(frozen=True)
class RepairDetails:
    """A repair and the stored facts of its incidents, as the API shows them."""

    repair: Repair
    incidents: list[dict[str, Any]]


# --- consumed events ------------------------------------------------------------------------


async def apply_incident_facts(
    connection: Connection,
    facts: Sequence[IncidentFacts],
    *,
    clock: Clock,
    settings: AgreementsSettings,
) -> int:
    """Open a repair for each incident not heard of before (reported, or first heard of through
    an update) and keep every incident's newest revision; return how many repairs opened."""
    first_of_each: dict[UUID, IncidentFacts] = {}
    for incident in facts:
        first_of_each.setdefault(incident.incident_id, incident)
    new_ids = await repository.insert_new_incidents(connection, list(first_of_each.values()))
    opened = await _open_repairs(
        connection,
        [i for i in first_of_each.values() if i.incident_id in new_ids],
        clock=clock,
        settings=settings,
    )
    await repository.refresh_incidents(
        connection, [i for i in facts if isinstance(i, IncidentUpdatedV1)]
    )
    return opened


async def _open_repairs(
    connection: Connection,
    incidents: Sequence[IncidentFacts],
    *,
    clock: Clock,
    settings: AgreementsSettings,
) -> int:
    if not incidents:
        return 0
    now = clock.now()
    window = timedelta(days=settings.recurrence_window_days)
    index = domain.SameMatterIndex(
        await repository.recurrence_candidates(
            connection,
            domain.same_matter_keys(incidents),
            since=now - window,
            per_key=settings.recurrence_max_links,
        ),
        limit=settings.recurrence_max_links,
    )
    repairs = domain.open_repairs(
        incidents,
        new_id=uuid4,
        now=now,
        agreement_window=timedelta(days=settings.agreement_window_days),
        earlier=index,
        recurrence_window=window,
    )
    await repository.insert_repairs(connection, repairs)
    await _enqueue(connection, settings, [repair.opened_event() for repair in repairs], now=now)
    return len(repairs)


async def apply_followup_facts(
    connection: Connection,
    facts: Sequence[CommitmentLapsedV1 | CheckInRecordedV1],
    *,
    settings: AgreementsSettings,
) -> int:
    """Record lapses and check-ins from follow-up, all repairs of a batch in one write; news
    about a repair agreements does not know is logged and dropped. Return repairs changed."""
    by_repair: dict[UUID, list[CommitmentLapsedV1 | CheckInRecordedV1]] = defaultdict(list)
    for fact in facts:
        by_repair[fact.repair_id].append(fact)
    repairs = await repository.lock_repairs(connection, list(by_repair))
    changed: list[Repair] = []
    for repair_id, news in by_repair.items():
        repair = repairs.get(repair_id)
        if repair is None:
            logger.warning("follow-up news about unknown repair %s dropped", repair_id)
            continue
        updated = repair
        for fact in news:
            if isinstance(fact, CommitmentLapsedV1):
                updated = agreement.record_lapse(updated, fact)
            else:
                updated = domain.record_check_in(updated, fact)
        if updated != repair:
            changed.append(updated)
    await repository.save_repairs(connection, changed)
    return len(changed)


# --- commands from the API ------------------------------------------------------------------


async def change_repair(
    *, pool: Pool, clock: Clock, settings: AgreementsSettings, repair_id: UUID, decide: Decide
) -> RepairDetails:
    """Apply one command to one repair: lock, decide, store the repair and its events."""
    now = clock.now()
    async with _locked(pool, [repair_id]) as (connection, repairs):
        decision = decide(_one(repairs, repair_id), now)
        await _store(connection, settings, [decision], now=now)
        return RepairDetails(decision.repair, await repository.incidents_of(connection, repair_id))


async def record_conversation(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    repair_id: UUID,
    decide: Decide,
    recorded_by: PersonRef,
) -> ConversationRecordedV1:
    """Record a participant's answers: the confidential rows and their event, together."""
    now = clock.now()
    async with _locked(pool, [repair_id]) as (connection, repairs):
        decision = decide(_one(repairs, repair_id), now)
        records = [e for e in decision.events if isinstance(e, ConversationRecordedV1)]
        await repository.insert_conversation(connection, records, recorded_by=recorded_by.person_id)
        await _store(connection, settings, [decision], now=now)
    return records[0]


async def link_incident(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    repair_id: UUID,
    incident_id: UUID,
    actor: PersonRef,
) -> RepairDetails:
    """A further incident about the same harm joins the repair; its own untouched repair merges."""
    now = clock.now()
    async with pool.acquire() as connection:
        holder = await repository.find_repair_of_incident(connection, incident_id)
    if holder is None:
        raise UnknownError("unknown_incident", f"no incident {incident_id} has been reported")
    async with _locked(pool, [repair_id, holder]) as (connection, repairs):
        target = _one(repairs, repair_id)
        if await repository.find_repair_of_incident(connection, incident_id) != holder:
            raise domain.ConflictError(
                "concurrent_change", "the incident moved while linking; try again"
            )
        linked, merged = domain.link_incident(
            target, actor=actor, incident_id=incident_id, incident_repair=repairs[holder], now=now
        )
        if merged is not None:
            await repository.move_incident(connection, incident_id, to_repair=repair_id)
        await _store(connection, settings, [d for d in (linked, merged) if d], now=now)
        return RepairDetails(linked.repair, await repository.incidents_of(connection, repair_id))


# --- reads ------------------------------------------------------------------------------------


async def repair_details(pool: Pool, repair_id: UUID) -> RepairDetails:
    async with pool.acquire() as connection:
        repair = await repository.get_repair(connection, repair_id)
        if repair is None:
            raise UnknownError("unknown_repair", f"no repair {repair_id}")
        return RepairDetails(repair, await repository.incidents_of(connection, repair_id))


async def repair_of_incident(pool: Pool, incident_id: UUID) -> RepairDetails:
    async with pool.acquire() as connection:
        repair_id = await repository.find_repair_of_incident(connection, incident_id)
    if repair_id is None:
        raise UnknownError("unknown_incident", f"no repair for incident {incident_id}")
    return await repair_details(pool, repair_id)


async def conversation(
    pool: Pool, repair_id: UUID, *, reader: str
) -> tuple[Repair, list[repository.ConversationRecord]]:
    """The conversation of a repair, for one of its participants (facilitator included) only."""
    async with pool.acquire() as connection:
        repair = await repository.get_repair(connection, repair_id)
        if repair is None:
            raise UnknownError("unknown_repair", f"no repair {repair_id}")
        if repair.participant(reader) is None:
            raise domain.ForbiddenError(
                "not_a_participant",
                "the conversation is confidential to the repair's participants",
            )
        return repair, await repository.conversation_of(connection, repair_id)


# --- plumbing ---------------------------------------------------------------------------------


@asynccontextmanager
async def _locked(
    pool: Pool, repair_ids: Sequence[UUID]
) -> AsyncIterator[tuple[Connection, dict[UUID, Repair]]]:
    async with pool.acquire() as connection, connection.transaction():
        yield connection, await repository.lock_repairs(connection, repair_ids)


def _one(repairs: dict[UUID, Repair], repair_id: UUID) -> Repair:
    repair = repairs.get(repair_id)
    if repair is None:
        raise UnknownError("unknown_repair", f"no repair {repair_id}")
    return repair


async def _store(
    connection: Connection,
    settings: AgreementsSettings,
    decisions: Sequence[Decision],
    *,
    now: datetime,
) -> None:
    changed = [d.repair for d in decisions if d.events]
    await repository.save_repairs(connection, changed)
    await _enqueue(connection, settings, [e for d in decisions for e in d.events], now=now)


async def _enqueue(
    connection: Connection,
    settings: AgreementsSettings,
    facts: Sequence[Contract],
    *,
    now: datetime,
) -> None:
    source = f"/bridgework/{settings.service_name}"
    events: list[Event[Contract]] = [Event.new(fact, source=source, time=now) for fact in facts]
    await enqueue(
        connection, schema=settings.db_schema, topic=settings.topics.repairs, events=events
    )
