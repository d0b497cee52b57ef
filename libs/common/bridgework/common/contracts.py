"""Versioned event contracts: the JSON body of every Bridgework event.

A change that would break an old consumer is a new class with a new version
(`...v2`), never an edit of an existing one. `schemas/` holds the generated
JSON Schemas, and a unit test fails when they drift or break compatibility.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

DepartmentSlug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,39}$"),
    Field(description="An organisational unit as a lower-case slug, e.g. `it`, `finance`."),
]
PseudonymousId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"),
    Field(description="A stable pseudonymous person id; never a name or an e-mail address."),
]


class IncidentCategory(StrEnum):
    SHADOW_IT = "shadow_it"
    ACCESS_RESTRICTION = "access_restriction"
    DATA_HANDLING = "data_handling"
    OUTAGE = "outage"
    POLICY_BREACH = "policy_breach"
    COMMUNICATION = "communication"
    OTHER = "other"


class Severity(StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    SEVERE = "severe"


class ResponseMode(StrEnum):
    """The social-discipline-window quadrant of a response."""

    WITH = "with"
    TO = "to"
    FOR = "for"
    NOT = "not"


class Contract(BaseModel):
    """Base of every event body: immutable; a tolerant reader of fields added later.

    Unknown fields are ignored so that adding an optional field to a version
    does not break the consumers already running (schemas/ and its test hold
    every version to that).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    aggregate: ClassVar[str]

    def subject(self) -> str:
        """The aggregate id: the CloudEvents subject and the Kafka key."""
        raise NotImplementedError


class PersonRef(Contract):
    """A person as events carry them: pseudonymous id plus department."""

    person_id: PseudonymousId
    department: DepartmentSlug


class SourceRef(Contract):
    """Where an incident came from: the tool and the tool's own reference."""

    tool: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    reference: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class IncidentReportedV1(Contract):
    """A department reported a harm; intake accepted it."""

    event_type: ClassVar[str] = "bridgework.incident.reported.v1"
    aggregate: ClassVar[str] = "incident"

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
    response_mode: ResponseMode | None = None
    source: SourceRef

    def subject(self) -> str:
        return str(self.incident_id)


class RelationshipPair(Contract):
    """An unordered pair of departments, written in sorted order so each pair has one spelling."""

    department_a: DepartmentSlug
    department_b: DepartmentSlug

    @model_validator(mode="after")
    def _sorted_and_distinct(self) -> RelationshipPair:
        if not self.department_a < self.department_b:
            raise ValueError("department_a must sort strictly before department_b")
        return self


class RepairOpenedV1(Contract):
    """A restorative repair was opened for one or more incidents."""

    event_type: ClassVar[str] = "bridgework.repair.opened.v1"
    aggregate: ClassVar[str] = "repair"

    repair_id: UUID
    incident_ids: list[UUID] = Field(min_length=1)
    opened_at: AwareDatetime
    departments: list[DepartmentSlug] = Field(
        description="Every department the repair concerns, sorted."
    )
    relationships: list[RelationshipPair] = Field(
        description="The department pairs the harm strained: responsible side x affected side."
    )

    def subject(self) -> str:
        return str(self.repair_id)


CONTRACTS: tuple[type[Contract], ...] = (IncidentReportedV1, RepairOpenedV1)
CONTRACTS_BY_TYPE: dict[str, type[Contract]] = {c.event_type: c for c in CONTRACTS}
