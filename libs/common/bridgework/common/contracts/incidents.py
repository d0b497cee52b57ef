"""Facts about incidents, published by intake on `<namespace>.incidents`, keyed by incident id."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from bridgework.common.contracts.base import (
    Contract,
    DepartmentSlug,
    FreeText,
    PersonRef,
    ResponseMode,
    Stream,
)


class IncidentCategory(StrEnum):
    SHADOW_IT = "shadow_it"
    ACCESS_RESTRICTION = "access_restriction"
    DATA_HANDLING = "data_handling"
    OUTAGE = "outage"
    POLICY_BREACH = "policy_breach"
    COMMUNICATION = "communication"
    OTHER = "other"


class Severity(StrEnum):
    """How serious the harm was, as the reporter judged it."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    SEVERE = "severe"


class SourceRef(Contract):
    """Where an incident came from: the tool and the tool's own reference."""

    tool: Annotated[str, StringConstraints(min_length=1, max_length=40)] = Field(
        description="`native`, `cloudevents`, `github`, `jira`, `servicenow`, `pagerduty`, …"
    )
    reference: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="The tool's own id of the item; with the department and tool, the dedup key."
    )
    url: Annotated[str, StringConstraints(max_length=2000)] | None = None


class ReportedAnswers(Contract):
    """Answers to the restorative questions when the reporting tool carries them (all optional)."""

    what_happened: FreeText | None = None
    thinking_at_the_time: FreeText | None = None
    who_was_affected: FreeText | None = None
    make_things_right: FreeText | None = None


class ChangeRef(Contract):
    """The planned change an incident came from, as its reporter named it.

    By Bridgework's `change_id`, or by the change's tool item (`tool` and `reference`, and the
    department that recorded it when known), which is how a tool names it. The change may not
    be known yet: readers match it to a change's `change_id`, or its `source` and `department`,
    whenever that change arrives.
    """

    change_id: UUID | None = None
    tool: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = None
    reference: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    department: DepartmentSlug | None = None

    @model_validator(mode="after")
    def _names_a_change(self) -> ChangeRef:
        if self.change_id is None and (self.tool is None or self.reference is None):
            raise ValueError("name the change by change_id, or by tool and reference")
        return self


class IncidentFacts(Contract):
    """What intake knows about an incident; IncidentReported and IncidentUpdated both carry it whole."""

    stream: ClassVar[Stream] = "incidents"

    incident_id: UUID
    department: DepartmentSlug = Field(description="The reporting department.")
    category: IncidentCategory
    severity: Severity
    summary: Annotated[str, StringConstraints(min_length=1, max_length=4000)] = Field(
        description="What happened, in the reporter's words."
    )
    occurred_at: AwareDatetime
    reported_at: AwareDatetime
    responsible: list[PersonRef] = Field(default_factory=list)
    affected_people: list[PersonRef] = Field(default_factory=list)
    affected_departments: list[DepartmentSlug] = Field(default_factory=list)
    response_mode: ResponseMode | None = Field(
        default=None, description="How the organisation responded so far, when the tool knows."
    )
    answers: ReportedAnswers | None = None
    source: SourceRef
    change_ref: ChangeRef | None = Field(
        default=None, description="The planned change the incident came from, when named."
    )

    def subject(self) -> str:
        return str(self.incident_id)


class IncidentReportedV1(IncidentFacts):
    """A department reported a harm; intake accepted it."""

    event_type: ClassVar[str] = "bridgework.incident.reported.v1"


class IncidentUpdatedV1(IncidentFacts):
    """The source tool changed an incident intake already had; carries the whole new state."""

    event_type: ClassVar[str] = "bridgework.incident.updated.v1"

    revision: int = Field(ge=2, description="1 is the report itself; each update adds one.")
    updated_at: AwareDatetime
    changed_fields: list[str] = Field(
        description="Top-level fields that differ from the last revision."
    )
