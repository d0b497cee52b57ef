"""The pure steps of folding a batch: what changed in the rollups, what the repairs' numbers
need of their incidents, which departments a batch names."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from bridgework.common.contracts import FollowupEvent, IncidentFacts, RepairEvent, RepairOpenedV1
from bridgework.graphql_gateway.projection.domain.contributions import (
    ORGANISATION,
    DepartmentKey,
    IncidentSummary,
    PairKey,
    RepairParts,
    spread,
)
from bridgework.graphql_gateway.projection.domain.state import IncidentState, RepairState

# pg_notify payloads must stay under 8000 bytes; past this, say "everything changed".
MAX_NOTIFY_DEPARTMENTS = 200


def add_changes(
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


def opened_at(state: RepairState | None) -> datetime | None:
    """When the repair opened; None when it is unknown or not opened yet."""
    return state.opened_at if state is not None else None


def summary_of(state: IncidentState) -> IncidentSummary:
    """What a repair's numbers need of one incident."""
    people = [*state.facts.responsible, *state.facts.affected_people]
    return IncidentSummary(
        reported_at=state.facts.reported_at,
        named_people=frozenset(p.person_id for p in people),
    )


def first_reported(state: RepairState, summaries: dict[UUID, IncidentSummary]) -> datetime | None:
    """The first report among the repair's incidents."""
    times = [summaries[i].reported_at for i in state.incidents if i in summaries]
    return min(times) if times else None


def departments_seen(
    facts: Sequence[IncidentFacts], repair_facts: Sequence[RepairEvent | FollowupEvent]
) -> dict[str, datetime]:
    """Every department the batch names, with the first time it was seen."""
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


def departments_to_announce(departments: set[str]) -> list[str]:
    """The departments a change notification names ('*' alone once there are too many)."""
    return sorted(departments) if len(departments) <= MAX_NOTIFY_DEPARTMENTS else [ORGANISATION]
