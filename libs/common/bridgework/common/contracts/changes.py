"""Facts about planned changes, published by intake on `<namespace>.changes`, keyed by change id.

A change is planned by one department (usually IT) and affects others; agreements engages
the affected departments before it goes live (DESIGN.md, "change" and "engagement").
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints

from bridgework.common.contracts.base import Contract, DepartmentSlug, PersonRef, Stream
from bridgework.common.contracts.incidents import SourceRef


class ChangeKind(StrEnum):
    """What a change does to the people it affects."""

    CONTROL = "control"  # a new security control
    ROLLOUT = "rollout"  # a tool or system rolled out
    RETIREMENT = "retirement"  # a tool or system retired
    POLICY = "policy"  # a policy introduced or tightened
    ACCESS = "access"  # access granted, narrowed or removed


class GoLiveReporter(StrEnum):
    """Who said the change went live."""

    TOOL = "tool"  # the tool's item reached implemented, closed or merged
    API = "api"  # `POST /v1/changes/{change_id}/go-live`


class ChangeEvent(Contract):
    stream: ClassVar[Stream] = "changes"

    change_id: UUID

    def subject(self) -> str:
        return str(self.change_id)


class ChangeFacts(ChangeEvent):
    """What intake knows about a change; ChangeRecorded and ChangeUpdated both carry it whole."""

    department: DepartmentSlug = Field(description="The department whose tool recorded it.")
    title: Annotated[str, StringConstraints(min_length=1, max_length=400)]
    kind: ChangeKind
    owner: PersonRef = Field(description="Who answers for the change, and their department.")
    affected_departments: list[DepartmentSlug] = Field(
        min_length=1, description="Sorted, without repeats; never the owner's department."
    )
    planned_go_live: AwareDatetime
    recorded_at: AwareDatetime = Field(description="When intake first heard of the change.")
    source: SourceRef = Field(
        description="The tool item it comes from; with the department, "
        "the de-duplication key and what an incident's `change_ref` names."
    )


class ChangeRecordedV1(ChangeFacts):
    """A department's tool recorded a planned change; intake accepted it."""

    event_type: ClassVar[str] = "bridgework.change.recorded.v1"


class ChangeUpdatedV1(ChangeFacts):
    """The source tool changed a change intake already had (a moved go-live, an added
    affected department…); carries the whole new state."""

    event_type: ClassVar[str] = "bridgework.change.updated.v1"

    revision: int = Field(ge=2, description="1 is the record itself; each update adds one.")
    updated_at: AwareDatetime
    changed_fields: list[str] = Field(
        description="Top-level fields that differ from the last revision."
    )


class ChangeWentLiveV1(ChangeEvent):
    """The change went live (once: later reports of it change nothing)."""

    event_type: ClassVar[str] = "bridgework.change.went-live.v1"

    department: DepartmentSlug
    went_live_at: AwareDatetime
    reported_at: AwareDatetime = Field(description="When intake heard of it.")
    reported_by: GoLiveReporter
    planned_go_live: AwareDatetime = Field(description="The plan in force when it went live.")
