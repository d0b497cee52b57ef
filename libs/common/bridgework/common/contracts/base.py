"""What every contract shares: the base model and the value types events carry."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

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
FreeText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=8000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]

# Which topic a contract travels on: `<namespace>.<stream>`.
Stream = Literal["incidents", "repairs", "followups"]


class ResponseMode(StrEnum):
    """The social-discipline-window quadrant of a response.

    with: both the responsible and the affected consented (restorative);
    to: decided by an authority without the responsible party's consent (punitive);
    for: decided without the affected parties' voice (permissive);
    not: no agreement at all within the window set for it (neglectful).
    """

    WITH = "with"
    TO = "to"
    FOR = "for"
    NOT = "not"


class Contract(BaseModel):
    """Base of every event body: immutable; a tolerant reader of fields added later.

    Unknown fields are ignored so that adding an optional field to a version
    does not break the consumers already running (event-schemas/ and its test
    hold every version to that).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    stream: ClassVar[Stream]

    def subject(self) -> str:
        """The aggregate id: the CloudEvents subject and the Kafka key."""
        raise NotImplementedError


class PersonRef(Contract):
    """A person as events carry them: pseudonymous id plus department."""

    person_id: PseudonymousId
    department: DepartmentSlug


class RelationshipPair(Contract):
    """An unordered pair of departments, written in sorted order so each pair has one spelling."""

    department_a: DepartmentSlug
    department_b: DepartmentSlug

    @model_validator(mode="after")
    def _sorted_and_distinct(self) -> RelationshipPair:
        if not self.department_a < self.department_b:
            raise ValueError("department_a must sort strictly before department_b")
        return self
