"""Intake's rules: what a valid incident submission is, and how it becomes IncidentReported."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from bridgework.common.contracts import (
    DepartmentSlug,
    IncidentCategory,
    IncidentReportedV1,
    PersonRef,
    ResponseMode,
    Severity,
    SourceRef,
)


class IncidentSubmission(BaseModel):
    """An incident as a department's tool submits it in Bridgework's native JSON."""

    model_config = ConfigDict(extra="forbid")

    department: DepartmentSlug = Field(description="The reporting department.")
    category: IncidentCategory
    severity: Severity
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    occurred_at: AwareDatetime
    responsible: list[PersonRef] = Field(default_factory=list, max_length=100)
    affected_people: list[PersonRef] = Field(default_factory=list, max_length=1000)
    affected_departments: list[DepartmentSlug] = Field(default_factory=list, max_length=100)
    response_mode: ResponseMode | None = None
    source: SourceRef = Field(
        description="The tool and its own reference; the same reference twice is one incident."
    )


def report(
    submission: IncidentSubmission, *, incident_id: UUID, now: datetime
) -> IncidentReportedV1:
    """Normalise a submission into the IncidentReported contract.

    People and departments are de-duplicated and sorted, so the same report
    always produces the same event body whatever order the tool listed them in.
    """
    return IncidentReportedV1(
        incident_id=incident_id,
        department=submission.department,
        category=submission.category,
        severity=submission.severity,
        summary=submission.summary,
        occurred_at=submission.occurred_at,
        reported_at=now,
        responsible=_unique_people(submission.responsible),
        affected_people=_unique_people(submission.affected_people),
        affected_departments=sorted(set(submission.affected_departments)),
        response_mode=submission.response_mode,
        source=submission.source,
    )


def _unique_people(people: list[PersonRef]) -> list[PersonRef]:
    unique = {(person.person_id, person.department): person for person in people}
    return [unique[key] for key in sorted(unique)]
