"""Intake's rules: what a valid submission is, and whether it is a new incident, a change or a repeat.

Pure: no I/O, no clock (the caller passes `now`), no framework.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from bridgework.common.contracts import (
    DepartmentSlug,
    FreeText,
    IncidentCategory,
    IncidentFacts,
    IncidentReportedV1,
    IncidentUpdatedV1,
    PseudonymousId,
    ResponseMode,
    Severity,
)
from bridgework.common.contracts.base import NulRefusing

# The fields whose change makes an IncidentUpdated. The dedup key (department, source tool and
# reference) never changes, the id is intake's own, and reported_at is when intake first heard.
COMPARED_FIELDS = frozenset(IncidentFacts.model_fields) - {
    "incident_id",
    "department",
    "reported_at",
}


# Postgres (through asyncpg) keeps the calendar's very first and last instants as -infinity
# and infinity, read back as naive datetimes, and refuses what falls outside it once in UTC:
# a time a tool sends must lie a day inside either end (any UTC offset fits in a day).
EARLIEST, LATEST = datetime(1, 1, 2), datetime(9999, 12, 30, 23, 59, 59, 999999)


def _storable(moment: datetime) -> datetime:
    if not EARLIEST <= moment.replace(tzinfo=None) <= LATEST:
        raise ValueError(f"must lie between {EARLIEST.date()} and {LATEST.date()}")
    return moment


StorableTime = Annotated[AwareDatetime, AfterValidator(_storable)]


class _Strict(NulRefusing):
    # Unknown fields are refused rather than silently dropped: a typo must not lose data.
    # No string may hold U+0000 (Postgres cannot store it): a raw-topic record holding one
    # is an invalid event naming the field, as an HTTP body holding one is a 422.
    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonInput(_Strict):
    """A person as a tool submits them: pseudonymous id plus department."""

    person_id: PseudonymousId
    department: DepartmentSlug


class SourceInput(_Strict):
    """The tool and its own reference: with the department, the de-duplication key."""

    tool: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] = (
        Field(description="`native`, `github`, `jira`, `servicenow`, `pagerduty`, your tool's name")
    )
    reference: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ] = Field(
        description="The tool's own id of the item; the same reference twice is one incident."
    )
    url: Annotated[str, StringConstraints(max_length=2000)] | None = Field(
        default=None, description="Where people can see the item in the tool."
    )


class AnswersInput(_Strict):
    """Answers to the restorative questions, when the tool carries them (all optional)."""

    what_happened: FreeText | None = None
    thinking_at_the_time: FreeText | None = None
    who_was_affected: FreeText | None = None
    make_things_right: FreeText | None = None


class ChangeRefInput(_Strict):
    """The planned change an incident came from: Bridgework's `change_id` (from the change's
    receipt), or the change's tool item (`tool`, `reference`, and the department that recorded
    it when known). A change intake has not heard of yet is fine: the link is kept."""

    change_id: UUID | None = None
    tool: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None
    ) = None
    reference: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    department: DepartmentSlug | None = None

    @model_validator(mode="after")
    def _names_a_change(self) -> ChangeRefInput:
        if self.change_id is None and (self.tool is None or self.reference is None):
            raise ValueError("name the change by change_id, or by tool and reference")
        return self


class IncidentSubmission(_Strict):
    """An incident as a department's tool submits it in Bridgework's native JSON."""

    department: DepartmentSlug = Field(description="The reporting department.")
    category: IncidentCategory
    severity: Severity
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    occurred_at: StorableTime
    responsible: list[PersonInput] = Field(default_factory=list, max_length=100)
    affected_people: list[PersonInput] = Field(default_factory=list, max_length=1000)
    affected_departments: list[DepartmentSlug] = Field(default_factory=list, max_length=100)
    response_mode: ResponseMode | None = None
    answers: AnswersInput | None = None
    source: SourceInput = Field(
        description="The tool and its own reference; the same reference twice is one incident."
    )
    source_updated_at: StorableTime | None = Field(
        default=None,
        description="When the tool last changed the item. A submission older than the one "
        "already recorded is stale and changes nothing (out-of-order retries).",
    )
    change_ref: ChangeRefInput | None = Field(
        default=None, description="The planned change the incident came from, if known."
    )


class Verdict(StrEnum):
    """What became of one submission."""

    ACCEPTED = "accepted"  # a new incident: IncidentReported
    UPDATED = "updated"  # a change to a known incident: IncidentUpdated
    DUPLICATE = "duplicate"  # nothing new: the same item again, or a delivery seen before
    STALE = "stale"  # older than what is recorded: ignored


@dataclass(frozen=True)
class StoredIncident:
    """What intake holds about one source item: its latest facts and revision."""

    facts: IncidentFacts
    revision: int
    source_updated_at: datetime | None


@dataclass(frozen=True)
class Decision:
    """The verdict on one submission, the item's state after it, and the event to publish."""

    verdict: Verdict
    state: StoredIncident
    event: IncidentFacts | None
    state_changed: bool


@dataclass(frozen=True)
class Delivery:
    """One delivery of a tool (webhook delivery id, CloudEvents source + id)."""

    channel: str
    delivery_id: str


@dataclass(frozen=True)
class Item:
    """A submission to accept, and the delivery that brought it (when the tool names one)."""

    submission: IncidentSubmission
    delivery: Delivery | None = None


@dataclass(frozen=True)
class Outcome:
    """What became of one item: the verdict, and the incident it is (when there is one)."""

    verdict: Verdict
    incident_id: UUID | None
    revision: int | None = None


def report(
    submission: IncidentSubmission, *, incident_id: UUID, now: datetime
) -> IncidentReportedV1:
    """Normalise a submission into the IncidentReported contract.

    People and departments are de-duplicated and sorted, so the same report
    always produces the same event body whatever order the tool listed them in.
    """
    return IncidentReportedV1.model_validate(
        {"incident_id": incident_id, "reported_at": now, **_normalised_facts(submission)}
    )


def decide(
    stored: StoredIncident | None,
    submission: IncidentSubmission,
    *,
    new_incident_id: UUID,
    now: datetime,
) -> Decision:
    """Whether `submission` is a new incident, a change to `stored`, a repeat, or stale."""
    if stored is None:
        reported = report(submission, incident_id=new_incident_id, now=now)
        state = StoredIncident(reported, revision=1, source_updated_at=submission.source_updated_at)
        return Decision(Verdict.ACCEPTED, state, reported, state_changed=True)
    if _is_stale(submission.source_updated_at, stored.source_updated_at):
        return Decision(Verdict.STALE, stored, None, state_changed=False)
    latest_source_time = _latest(stored.source_updated_at, submission.source_updated_at)
    facts = _normalised_facts(submission)
    changed = changed_fields(stored.facts, facts)
    if not changed:
        state = StoredIncident(stored.facts, stored.revision, latest_source_time)
        return Decision(
            Verdict.DUPLICATE,
            state,
            None,
            state_changed=latest_source_time != stored.source_updated_at,
        )
    updated = IncidentUpdatedV1.model_validate(
        {
            "incident_id": stored.facts.incident_id,
            "reported_at": stored.facts.reported_at,
            "revision": stored.revision + 1,
            "updated_at": now,
            "changed_fields": changed,
            **facts,
        }
    )
    state = StoredIncident(updated, stored.revision + 1, latest_source_time)
    return Decision(Verdict.UPDATED, state, updated, state_changed=True)


def changed_fields(before: IncidentFacts, after: dict[str, Any]) -> list[str]:
    """Top-level fields of `after` (normalised facts) that differ from `before`, sorted.

    Values are compared as the contract holds them (nested people, source and answers as
    the same contract models on both sides, so equal values compare equal).
    """
    new = IncidentFacts.model_validate(
        {**after, "incident_id": before.incident_id, "reported_at": before.reported_at}
    )
    return sorted(name for name in COMPARED_FIELDS if getattr(before, name) != getattr(new, name))


def _normalised_facts(submission: IncidentSubmission) -> dict[str, Any]:
    """The contract's fields of a submission as plain data, validated once by the contract.

    (Plain dicts rather than contract models built one by one: the contract validates the
    whole incident in one pass of pydantic-core, which is what keeps a batch of 500 cheap.)
    """
    source = submission.source
    return {
        "department": submission.department,
        "category": submission.category,
        "severity": submission.severity,
        "summary": submission.summary,
        "occurred_at": submission.occurred_at,
        "responsible": _unique_people(submission.responsible),
        "affected_people": _unique_people(submission.affected_people),
        "affected_departments": _unique_sorted(submission.affected_departments),
        "response_mode": submission.response_mode,
        "answers": _answers(submission.answers),
        "source": {"tool": source.tool, "reference": source.reference, "url": source.url},
        "change_ref": _change_ref(submission.change_ref),
    }


def _change_ref(ref: ChangeRefInput | None) -> dict[str, Any] | None:
    return None if ref is None else ref.model_dump(exclude_none=True)


def _unique_people(people: list[PersonInput]) -> list[dict[str, str]]:
    if len(people) == 1:
        return [{"person_id": people[0].person_id, "department": people[0].department}]
    unique = sorted({(person.person_id, person.department) for person in people})
    return [{"person_id": pid, "department": dept} for pid, dept in unique]


def _unique_sorted(values: list[str]) -> list[str]:
    return list(values) if len(values) < 2 else sorted(set(values))


def _answers(answers: AnswersInput | None) -> dict[str, str | None] | None:
    if answers is None:
        return None
    given = answers.model_dump()
    return given if any(value is not None for value in given.values()) else None


def _is_stale(incoming: datetime | None, recorded: datetime | None) -> bool:
    return incoming is not None and recorded is not None and incoming < recorded


def _latest(recorded: datetime | None, incoming: datetime | None) -> datetime | None:
    if recorded is None:
        return incoming
    if incoming is None:
        return recorded
    return max(recorded, incoming)
