"""The projection's one use case: fold a batch of events into the read model.

Runs inside the consumer's transaction (with the inbox claims), so a batch's facts,
derived columns and rollup changes commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from bridgework.graphql_gateway.projection.domain.batch import (
    add_changes,
    departments_seen,
    departments_to_announce,
    first_reported,
    opened_at,
    summary_of,
)
from bridgework.graphql_gateway.projection.domain.contributions import (
    DepartmentKey,
    PairKey,
    figure_slots,
    incident_contributions,
    incident_pair_contributions,
    repair_parts,
)
from bridgework.graphql_gateway.projection.domain.folding import fold_incident, fold_repair
from bridgework.graphql_gateway.projection.domain.state import RepairState
from bridgework.graphql_gateway.projection.repository import (
    incidents,
    locks,
    repairs,
    rollups,
    rows,
)


async def fold_events(*, connection: Connection, events: Sequence[Event[Contract]]) -> None:
    """Fold `events` into the read model and its rollups; announce the change at commit."""
    facts = [e.data for e in events if isinstance(e.data, IncidentFacts)]
    repair_facts = [e.data for e in events if isinstance(e.data, RepairEvent | FollowupEvent)]
    affected = await _lock_affected(connection, facts, repair_facts)

    # Repairs with no stored row start empty (nothing to copy, compare or subtract); of the
    # others, only those the batch has events for are copied to fold into.
    before = await repairs.load_repairs(connection, affected)
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
    incidents_before, summaries_before = await incidents.load_incidents(
        connection, list(incidents_named | batch_incidents), with_state=batch_incidents
    )
    incidents_after = dict(incidents_before)
    for incident in facts:
        incidents_after[incident.incident_id] = fold_incident(
            incidents_after.get(incident.incident_id), incident
        )
    summaries_after = {
        **summaries_before,
        **{i: summary_of(state) for i, state in incidents_after.items()},
    }
    earlier = {r for s in after.values() for r in s.recurrence_of}
    for repair_id in folded:
        if repair_id in before:
            earlier.update(before[repair_id].recurrence_of)
    opened_before = await locks.opened_at_of(connection, list(earlier))
    opened_after = {
        **opened_before,
        **{r: opened for r in earlier if (opened := opened_at(after.get(r)))},
    }

    await incidents.save_incidents(
        connection, [s for i, s in incidents_after.items() if incidents_before.get(i) is not s]
    )
    writes = rows.RowWrites()
    department_changes: dict[DepartmentKey, int] = {}
    pair_changes: dict[PairKey, int] = {}
    figures = rollups.FigureIndexChanges()
    for repair_id in affected:
        old, new = before.get(repair_id), after[repair_id]
        rows.changed_rows(
            writes,
            old,
            new,
            first_reported(old, summaries_before) if old is not None else None,
            first_reported(new, summaries_after),
        )
        old_parts = repair_parts(old, summaries_before, opened_before) if old is not None else None
        new_parts = repair_parts(new, summaries_after, opened_after)
        add_changes(department_changes, pair_changes, old_parts, new_parts)
        figures.record(repair_id, figure_slots(old_parts), figure_slots(new_parts))
    await writes.write(connection)
    await figures.write(connection)
    await rollups.record_conversations(
        connection, [f for f in repair_facts if isinstance(f, ConversationRecordedV1)]
    )
    await rollups.record_departments(connection, departments_seen(facts, repair_facts))

    for incident_id, state in incidents_after.items():
        was = incidents_before.get(incident_id)
        if was is state:
            continue
        for key, value in incident_contributions(state).items():
            department_changes[key] = department_changes.get(key, 0) + value
        for pair_key, value in incident_pair_contributions(state).items():
            pair_changes[pair_key] = pair_changes.get(pair_key, 0) + value
        if was is not None:
            for key, value in incident_contributions(was).items():
                department_changes[key] = department_changes.get(key, 0) - value
            for pair_key, value in incident_pair_contributions(was).items():
                pair_changes[pair_key] = pair_changes.get(pair_key, 0) - value
    departments = {k: v for k, v in department_changes.items() if v}
    await rollups.add_to_rollups(
        connection, departments, {k: v for k, v in pair_changes.items() if v}
    )
    changed = {department for _, department, _, _ in departments}
    if changed:
        await rollups.announce(connection, departments_to_announce(changed))


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
    await locks.lock(connection, named_incidents, named_repairs)
    opened = [f.repair_id for f in repair_facts if isinstance(f, RepairOpenedV1)]
    neighbours = await locks.dependent_repairs(
        connection, list({f.incident_id for f in facts}), opened
    )
    await locks.lock(connection, (), neighbours - named_repairs)
    # Sorted as before: rows of one key from two repairs (only in broken data) keep a winner.
    return sorted(repair_ids | neighbours)
