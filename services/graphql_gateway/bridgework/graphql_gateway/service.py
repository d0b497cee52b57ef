"""The gateway's one write use case: fold a batch of events into the read model.

Runs inside the consumer's transaction (with the inbox claims), so a batch's facts,
derived columns and rollup changes commit together or not at all.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from bridgework.common.contracts import (
    Contract,
    ConversationRecordedV1,
    FollowupEvent,
    IncidentFacts,
    IncidentLinkedV1,
    RepairEvent,
    RepairOpenedV1,
)
from bridgework.common.events import Event
from bridgework.common.postgres import Connection
from bridgework.graphql_gateway import repository
from bridgework.graphql_gateway.domain import IncidentState, RepairState, fold_incident, fold_repair
from bridgework.graphql_gateway.metrics import (
    ORGANISATION,
    DepartmentKey,
    IncidentSummary,
    PairKey,
    difference,
    incident_contributions,
    repair_contributions,
)

CHANGES_CHANNEL = "gateway_read_model"
# pg_notify payloads must stay under 8000 bytes; past this, say "everything changed".
MAX_NOTIFY_DEPARTMENTS = 200


async def apply_events(connection: Connection, events: Sequence[Event[Contract]]) -> None:
    """Fold `events` into the read model and its rollups; announce the change at commit."""
    facts = [e.data for e in events if isinstance(e.data, IncidentFacts)]
    repair_facts = [e.data for e in events if isinstance(e.data, RepairEvent | FollowupEvent)]
    affected = await _lock_affected(connection, facts, repair_facts)

    incident_ids = sorted({f.incident_id for f in facts})
    incidents_before = await repository.load_incidents(connection, incident_ids)
    incidents_after = dict(incidents_before)
    for incident in facts:
        incidents_after[incident.incident_id] = fold_incident(
            incidents_after.get(incident.incident_id), incident
        )
    before = await repository.load_repairs(connection, affected)
    after = {repair_id: state.copy() for repair_id, state in before.items()}
    for repair_fact in repair_facts:
        fold_repair(after[repair_fact.repair_id], repair_fact)

    # What the repairs' numbers depend on beyond themselves, before and after the batch.
    incidents_named = sorted({i for s in (*before.values(), *after.values()) for i in s.incidents})
    summaries_before = await repository.incident_summaries(connection, incidents_named)
    summaries_after = {
        **summaries_before,
        **{i: _summary(state) for i, state in incidents_after.items()},
    }
    earlier = sorted({r for s in (*before.values(), *after.values()) for r in s.recurrence_of})
    opened_before = await repository.opened_at_of(connection, earlier)
    opened_after = {
        **opened_before,
        **{r: opened for r in earlier if (opened := _opened_at(after.get(r)))},
    }

    await repository.save_incidents(
        connection, [s for i, s in incidents_after.items() if incidents_before.get(i) is not s]
    )
    await repository.save_repairs(
        connection,
        [(before[r], after[r]) for r in affected],
        first_reported_at=_first_reported(after.values(), summaries_after),
        first_reported_before=_first_reported(before.values(), summaries_before),
    )
    await repository.record_conversations(
        connection, [f for f in repair_facts if isinstance(f, ConversationRecordedV1)]
    )
    await repository.record_departments(connection, _departments_seen(facts, repair_facts))

    departments_before: Counter[DepartmentKey] = Counter()
    departments_after: Counter[DepartmentKey] = Counter()
    pairs_before: Counter[PairKey] = Counter()
    pairs_after: Counter[PairKey] = Counter()
    for repair_id in affected:
        old_d, old_p = repair_contributions(before[repair_id], summaries_before, opened_before)
        new_d, new_p = repair_contributions(after[repair_id], summaries_after, opened_after)
        departments_before.update(old_d)
        departments_after.update(new_d)
        pairs_before.update(old_p)
        pairs_after.update(new_p)
    for incident_id, state in incidents_after.items():
        departments_after.update(incident_contributions(state))
        if incident_id in incidents_before:
            departments_before.update(incident_contributions(incidents_before[incident_id]))
    department_changes = difference(departments_after, departments_before)
    await repository.add_to_rollups(
        connection, department_changes, difference(pairs_after, pairs_before)
    )
    await _announce(connection, {department for _, department, _, _ in department_changes})


async def _lock_affected(
    connection: Connection,
    facts: Sequence[IncidentFacts],
    repair_facts: Sequence[RepairEvent | FollowupEvent],
) -> list[UUID]:
    """Lock what the batch touches, then the repairs outside it whose numbers depend on it
    (those of its incidents; later repairs recurring one opened now); return all repairs."""
    repair_ids = {f.repair_id for f in repair_facts}
    named_incidents = {f.incident_id for f in facts}
    named_repairs = set(repair_ids)
    for fact in repair_facts:
        if isinstance(fact, RepairOpenedV1):
            named_incidents.update(fact.incident_ids)
            named_repairs.update(fact.recurrence_of)
        elif isinstance(fact, IncidentLinkedV1):
            named_incidents.add(fact.incident_id)
    await repository.lock(connection, _lock_keys(named_incidents, named_repairs))
    opened = sorted({f.repair_id for f in repair_facts if isinstance(f, RepairOpenedV1)})
    neighbours = await repository.repairs_of_incidents(
        connection, sorted({f.incident_id for f in facts})
    )
    neighbours |= await repository.repairs_recurring(connection, opened)
    await repository.lock(connection, _lock_keys(set(), neighbours - named_repairs))
    return sorted(repair_ids | neighbours)


def _opened_at(state: RepairState | None) -> datetime | None:
    return state.opened_at if state is not None else None


def _lock_keys(incident_ids: set[UUID], repair_ids: set[UUID]) -> list[str]:
    return [f"gateway:i:{i}" for i in incident_ids] + [f"gateway:r:{r}" for r in repair_ids]


def _summary(state: IncidentState) -> IncidentSummary:
    people = [*state.facts.responsible, *state.facts.affected_people]
    return IncidentSummary(
        reported_at=state.facts.reported_at,
        named_people=frozenset(p.person_id for p in people),
    )


def _first_reported(
    states: Iterable[RepairState], summaries: dict[UUID, IncidentSummary]
) -> dict[UUID, datetime | None]:
    result: dict[UUID, datetime | None] = {}
    for state in states:
        times = [summaries[i].reported_at for i in state.incidents if i in summaries]
        result[state.repair_id] = min(times) if times else None
    return result


def _departments_seen(
    facts: Sequence[IncidentFacts], repair_facts: Sequence[RepairEvent | FollowupEvent]
) -> dict[str, datetime]:
    seen: dict[str, datetime] = {}

    def saw(department: str, at: datetime) -> None:
        seen[department] = min(seen.get(department, at), at)

    for fact in facts:
        for department in (fact.department, *fact.affected_departments):
            saw(department, fact.reported_at)
    for repair in repair_facts:
        if isinstance(repair, RepairOpenedV1):
            for department in repair.departments:
                saw(department, repair.opened_at)
    return seen


async def _announce(connection: Connection, departments: set[str]) -> None:
    """Tell every gateway replica's subscriptions what changed (delivered at commit)."""
    if not departments:
        return
    named = sorted(departments) if len(departments) <= MAX_NOTIFY_DEPARTMENTS else [ORGANISATION]
    await connection.execute("SELECT pg_notify($1, $2)", CHANGES_CHANNEL, json.dumps(named))
