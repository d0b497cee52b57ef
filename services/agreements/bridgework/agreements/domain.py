"""Agreements' rules, pure: no I/O, no clock, no framework."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from bridgework.common.contracts import (
    IncidentCategory,
    IncidentReportedV1,
    RelationshipPair,
    RepairOpenedV1,
)


class RepairStatus(StrEnum):
    OPEN = "open"


@dataclass(frozen=True)
class Repair:
    """A restorative case opened for one or more incidents."""

    repair_id: UUID
    incident_ids: tuple[UUID, ...]
    category: IncidentCategory
    opened_at: datetime
    agreement_due_by: datetime
    departments: tuple[str, ...]
    relationships: tuple[RelationshipPair, ...]
    status: RepairStatus = RepairStatus.OPEN

    def opened_event(self) -> RepairOpenedV1:
        return RepairOpenedV1(
            repair_id=self.repair_id,
            incident_ids=list(self.incident_ids),
            category=self.category,
            opened_at=self.opened_at,
            agreement_due_by=self.agreement_due_by,
            departments=list(self.departments),
            relationships=list(self.relationships),
        )


def responsible_departments(incident: IncidentReportedV1) -> set[str]:
    """The side that caused the harm: the responsible people's departments, else the reporter."""
    return {person.department for person in incident.responsible} or {incident.department}


def affected_departments(incident: IncidentReportedV1) -> set[str]:
    """The side that bore the harm: named departments and the affected people's departments."""
    return set(incident.affected_departments) | {p.department for p in incident.affected_people}


def strained_relationships(incident: IncidentReportedV1) -> list[RelationshipPair]:
    """Every pair (responsible department, affected department) of two different departments."""
    pairs = {
        tuple(sorted((mine, theirs)))
        for mine in responsible_departments(incident)
        for theirs in affected_departments(incident)
        if mine != theirs
    }
    return [RelationshipPair(department_a=a, department_b=b) for a, b in sorted(pairs)]


def open_repair(
    incident: IncidentReportedV1, *, repair_id: UUID, now: datetime, agreement_window: timedelta
) -> Repair:
    """Open a repair for a newly reported incident; an agreement is due within the window."""
    departments = (
        {incident.department} | responsible_departments(incident) | affected_departments(incident)
    )
    return Repair(
        repair_id=repair_id,
        incident_ids=(incident.incident_id,),
        category=incident.category,
        opened_at=now,
        agreement_due_by=now + agreement_window,
        departments=tuple(sorted(departments)),
        relationships=tuple(strained_relationships(incident)),
    )
