"""How change facts and incidents' `change_ref` become read-model rows. Pure: no I/O.

Order-independence is the repository's: a row carries its revision and the newer one wins,
the earliest go-live wins (docs/metrics.md, "Changes").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from bridgework.common.contracts import (
    ChangeFacts,
    ChangeUpdatedV1,
    IncidentFacts,
    IncidentUpdatedV1,
)


@dataclass(frozen=True)
class ChangeRow:
    """What the read model keeps of a change. The owner's person id is left out on purpose:
    the figures need the department only, and a row without people needs no erasure."""

    change_id: UUID
    revision: int
    department: str
    owner_department: str
    title: str
    kind: str
    affected_departments: tuple[str, ...]
    planned_go_live: datetime
    recorded_at: datetime
    source_tool: str
    source_reference: str


@dataclass(frozen=True)
class ChangeIncidentRow:
    """An incident and the change it names (all ref fields None once a revision drops it)."""

    incident_id: UUID
    revision: int
    department: str
    occurred_at: datetime
    change_id: UUID | None
    ref_tool: str | None
    ref_reference: str | None
    ref_department: str | None


def change_row(facts: ChangeFacts) -> ChangeRow:
    """The row a ChangeRecorded (revision 1) or ChangeUpdated carries."""
    return ChangeRow(
        change_id=facts.change_id,
        revision=facts.revision if isinstance(facts, ChangeUpdatedV1) else 1,
        department=facts.department,
        owner_department=facts.owner.department,
        title=facts.title,
        kind=facts.kind.value,
        affected_departments=tuple(sorted(set(facts.affected_departments))),
        planned_go_live=facts.planned_go_live,
        recorded_at=facts.recorded_at,
        source_tool=facts.source.tool,
        source_reference=facts.source.reference,
    )


def change_incident_row(facts: IncidentFacts) -> ChangeIncidentRow | None:
    """The link an incident revision makes to a change; None for a first report naming none
    (a later revision that drops its change is kept, as a row naming nothing, so it wins)."""
    revision = facts.revision if isinstance(facts, IncidentUpdatedV1) else 1
    ref = facts.change_ref
    if ref is None and revision == 1:
        return None
    return ChangeIncidentRow(
        incident_id=facts.incident_id,
        revision=revision,
        department=facts.department,
        occurred_at=facts.occurred_at,
        change_id=ref.change_id if ref else None,
        ref_tool=ref.tool if ref else None,
        ref_reference=ref.reference if ref else None,
        ref_department=ref.department if ref else None,
    )
