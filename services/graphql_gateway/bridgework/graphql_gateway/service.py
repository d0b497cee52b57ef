"""The gateway's one write use case: fold a batch of events into the read model.

Runs inside the consumer's transaction (with the inbox claims), so a batch's facts,
derived columns and rollup changes commit together or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
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
    RepairParts,
    incident_contributions,
    repair_parts,
    spread,
)

CHANGES_CHANNEL = "gateway_read_model"
# pg_notify payloads must stay under 8000 bytes; past this, say "everything changed".
MAX_NOTIFY_DEPARTMENTS = 200


async def apply_events(connection: Connection, events: Sequence[Event[Contract]]) -> None:
    """Fold `events` into the read model and its rollups; announce the change at commit."""
    facts = [e.data for e in events if isinstance(e.data, IncidentFacts)]
    repair_facts = [e.data for e in events if isinstance(e.data, RepairEvent | FollowupEvent)]
    affected = await _lock_affected(connection, facts, repair_facts)

    # Repairs with no stored row start empty (nothing to copy, compare or subtract); of the
    # others, only those the batch has events for are copied to fold into.
    before = await repository.load_repairs(connection, affected)
    after: dict[UUID, RepairState] = {}
    for repair_id in affected:
        known = before.get(repair_id)
        after[repair_id] = known if known is not None else RepairState(repair_id=repair_id)
    folded: set[UUID] = set()
    for repair_fact in repair_facts:
        repair_id = repair_fact.repair_id
        if repair_id not in folded:
            folded.add(repair_id)
            if repair_id in before:
                after[repair_id] = after[repair_id].copy()
        fold_repair(after[repair_id], repair_fact)

    # What the repairs' numbers depend on beyond themselves, before and after the batch.
    batch_incidents = {f.incident_id for f in facts}
    incidents_named = {i for s in after.values() for i in s.incidents}
    for repair_id in folded:
        if repair_id in before:
            incidents_named.update(before[repair_id].incidents)
    incidents_before, summaries_before = await repository.load_incidents(
        connection, list(incidents_named | batch_incidents), with_state=batch_incidents
    )
    incidents_after = dict(incidents_before)
    for incident in facts:
        incidents_after[incident.incident_id] = fold_incident(
            incidents_after.get(incident.incident_id), incident
        )
    summaries_after = {
        **summaries_before,
        **{i: _summary(state) for i, state in incidents_after.items()},
    }
    earlier = {r for s in after.values() for r in s.recurrence_of}
    for repair_id in folded:
        if repair_id in before:
            earlier.update(before[repair_id].recurrence_of)
    opened_before = await repository.opened_at_of(connection, list(earlier))
    opened_after = {
        **opened_before,
        **{r: opened for r in earlier if (opened := _opened_at(after.get(r)))},
    }

    await repository.save_incidents(
        connection, [s for i, s in incidents_after.items() if incidents_before.get(i) is not s]
    )
    writes = repository.RowWrites()
    department_changes: dict[DepartmentKey, int] = {}
    pair_changes: dict[PairKey, int] = {}
    for repair_id in affected:
        old, new = before.get(repair_id), after[repair_id]
        repository.changed_rows(
            writes,
            old,
            new,
            _first_reported(old, summaries_before) if old is not None else None,
            _first_reported(new, summaries_after),
        )
        _add_changes(
            department_changes,
            pair_changes,
            repair_parts(old, summaries_before, opened_before) if old is not None else None,
            repair_parts(new, summaries_after, opened_after),
        )
    await writes.write(connection)
    await repository.record_conversations(
        connection, [f for f in repair_facts if isinstance(f, ConversationRecordedV1)]
    )
    await repository.record_departments(connection, _departments_seen(facts, repair_facts))

    for incident_id, state in incidents_after.items():
        was = incidents_before.get(incident_id)
        if was is state:
            continue
        for key, value in incident_contributions(state).items():
            department_changes[key] = department_changes.get(key, 0) + value
        if was is not None:
            for key, value in incident_contributions(was).items():
                department_changes[key] = department_changes.get(key, 0) - value
    departments = {k: v for k, v in department_changes.items() if v}
    await repository.add_to_rollups(
        connection, departments, {k: v for k, v in pair_changes.items() if v}
    )
    await _announce(connection, {department for _, department, _, _ in departments})


def _add_changes(
    departments: dict[DepartmentKey, int],
    pairs: dict[PairKey, int],
    old: RepairParts | None,
    new: RepairParts | None,
) -> None:
    """Add what one repair's change does to the rollups (new parts minus old ones). Most
    events change few of a repair's counts: when its departments and pairs stay, only the
    counts that differ are spread over them."""
    if old is None or new is None:
        if old is not None:
            old.spread(departments, pairs, -1)
        if new is not None:
            new.spread(departments, pairs)
        return
    if old.departments != new.departments or old.relationships != new.relationships:
        old.spread(departments, pairs, -1)
        new.spread(departments, pairs)
        return
    per_department = dict(new.per_department)
    for slot, value in old.per_department.items():
        per_department[slot] = per_department.get(slot, 0) - value
    per_pair = dict(new.per_pair)
    for pair_slot, value in old.per_pair.items():
        per_pair[pair_slot] = per_pair.get(pair_slot, 0) - value
    spread(new.departments, per_department, new.relationships, per_pair, departments, pairs)


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
    await repository.lock(connection, named_incidents, named_repairs)
    opened = [f.repair_id for f in repair_facts if isinstance(f, RepairOpenedV1)]
    neighbours = await repository.dependent_repairs(
        connection, list({f.incident_id for f in facts}), opened
    )
    await repository.lock(connection, (), neighbours - named_repairs)
    # Sorted as before: rows of one key from two repairs (only in broken data) keep a winner.
    return sorted(repair_ids | neighbours)


def _opened_at(state: RepairState | None) -> datetime | None:
    return state.opened_at if state is not None else None


def _summary(state: IncidentState) -> IncidentSummary:
    people = [*state.facts.responsible, *state.facts.affected_people]
    return IncidentSummary(
        reported_at=state.facts.reported_at,
        named_people=frozenset(p.person_id for p in people),
    )


def _first_reported(state: RepairState, summaries: dict[UUID, IncidentSummary]) -> datetime | None:
    times = [summaries[i].reported_at for i in state.incidents if i in summaries]
    return min(times) if times else None


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
