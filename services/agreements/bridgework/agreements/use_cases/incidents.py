"""Incidents from intake: open a repair for every incident not heard of before, and keep every
incident's newest revision. Runs in the incidents consumer's transaction for the batch."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from uuid import UUID, uuid4

from bridgework.agreements.domain import opening
from bridgework.agreements.repository import incidents as incident_rows
from bridgework.agreements.repository import repairs as repair_rows
from bridgework.agreements.settings import AgreementsSettings
from bridgework.agreements.use_cases.repair_changes import enqueue_facts
from bridgework.common.clock import Clock
from bridgework.common.contracts import IncidentFacts, IncidentUpdatedV1
from bridgework.common.postgres import Connection


async def open_repairs_for_incidents(
    *,
    connection: Connection,
    facts: Sequence[IncidentFacts],
    clock: Clock,
    settings: AgreementsSettings,
) -> int:
    """Open a repair for each incident not heard of before (reported, or first heard of through
    an update) and keep every incident's newest revision; return how many repairs opened."""
    first_of_each: dict[UUID, IncidentFacts] = {}
    for incident in facts:
        first_of_each.setdefault(incident.incident_id, incident)
    new_ids = await incident_rows.insert_new_incidents(connection, list(first_of_each.values()))
    opened = await _open_repairs(
        connection,
        [i for i in first_of_each.values() if i.incident_id in new_ids],
        clock=clock,
        settings=settings,
    )
    await incident_rows.refresh_incidents(
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
    index = opening.SameMatterIndex(
        await repair_rows.recurrence_candidates(
            connection,
            opening.same_matter_keys(incidents),
            since=now - window,
            per_key=settings.recurrence_max_links,
        ),
        limit=settings.recurrence_max_links,
    )
    repairs = opening.open_repairs(
        incidents,
        new_id=uuid4,
        now=now,
        agreement_window=timedelta(days=settings.agreement_window_days),
        earlier=index,
        recurrence_window=window,
    )
    await repair_rows.insert_repairs(connection, repairs)
    await enqueue_facts(
        connection, settings, [repair.opened_event() for repair in repairs], now=now
    )
    return len(repairs)
