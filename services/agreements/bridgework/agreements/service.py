"""Agreements' use cases, each inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from uuid import uuid4

from bridgework.agreements import repository
from bridgework.agreements.domain import open_repair
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import Clock
from bridgework.common.contracts import Contract, IncidentReportedV1
from bridgework.common.events import Event
from bridgework.common.outbox import enqueue
from bridgework.common.postgres import Connection


async def open_repairs(
    connection: Connection,
    incidents: Sequence[IncidentReportedV1],
    *,
    clock: Clock,
    settings: AgreementsSettings,
) -> int:
    """Open one repair per incident not seen before, and announce each with RepairOpened."""
    new_ids = await repository.insert_new_incidents(connection, incidents)
    now = clock.now()
    repairs = [
        open_repair(
            incident,
            repair_id=uuid4(),
            now=now,
            agreement_window=timedelta(days=settings.agreement_window_days),
        )
        for incident in incidents
        if incident.incident_id in new_ids
    ]
    if not repairs:
        return 0
    await repository.insert_repairs(connection, repairs)
    source = f"/bridgework/{settings.service_name}"
    events: list[Event[Contract]] = [
        Event.new(repair.opened_event(), source=source, time=now) for repair in repairs
    ]
    await enqueue(
        connection, schema=settings.db_schema, topic=settings.topics.repairs, events=events
    )
    return len(repairs)
