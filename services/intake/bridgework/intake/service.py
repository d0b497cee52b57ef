"""Intake's use cases: each is one transaction that records state and its events together."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

from bridgework.common.clock import Clock
from bridgework.common.events import Event
from bridgework.common.outbox import enqueue
from bridgework.common.postgres import Pool
from bridgework.common.settings import ServiceSettings
from bridgework.intake import repository
from bridgework.intake.domain import IncidentSubmission, report


@dataclass(frozen=True)
class Accepted:
    incident_id: UUID
    duplicate: bool


async def accept_incident(
    *, pool: Pool, clock: Clock, settings: ServiceSettings, submission: IncidentSubmission
) -> Accepted:
    """Record a submitted incident and its IncidentReported event; a repeat returns the original."""
    now = clock.now()
    incident = report(submission, incident_id=uuid4(), now=now)
    async with pool.acquire() as connection, connection.transaction():
        inserted = await repository.insert_incident(connection, incident=incident, received_at=now)
        if inserted is None:
            existing = await repository.find_by_source(
                connection,
                department=incident.department,
                tool=incident.source.tool,
                reference=incident.source.reference,
            )
            assert existing is not None, "a conflicting row must exist"
            return Accepted(incident_id=existing, duplicate=True)
        event = Event.new(incident, source=f"/bridgework/{settings.service_name}", time=now)
        await enqueue(
            connection, schema=settings.db_schema, topic=settings.topics.incidents, events=[event]
        )
    return Accepted(incident_id=inserted, duplicate=False)
