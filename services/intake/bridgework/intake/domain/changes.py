"""Intake's rules for planned changes: a valid change, and whether a submission records a new
one, updates it, reports its go-live, repeats it, or is stale.

Pure: no I/O, no clock (the caller passes `now`), no framework. The rules for edge cases are
written here and in docs/intake.md ("Planned changes").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import ConfigDict, Field, StringConstraints

from bridgework.common.contracts import (
    ChangeEvent,
    ChangeFacts,
    ChangeKind,
    ChangeRecordedV1,
    ChangeUpdatedV1,
    ChangeWentLiveV1,
    DepartmentSlug,
    GoLiveReporter,
)
from bridgework.common.contracts.base import NulRefusing
from bridgework.common.errors import FieldProblem
from bridgework.intake.domain.incidents import Delivery, PersonInput, SourceInput, StorableTime

TITLE_LIMIT = 400
# The fields whose change makes a ChangeUpdated: not the key, the id or when intake first heard.
COMPARED_FIELDS = frozenset(ChangeFacts.model_fields) - {"change_id", "department", "recorded_at"}


class _Strict(NulRefusing):
    # As for incidents: an unknown field is refused (a typo must not lose data), no NUL.
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChangeSubmission(_Strict):
    """A planned change as a department's tool submits it in Bridgework's native JSON."""

    department: DepartmentSlug = Field(description="The department recording the change.")
    title: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_LIMIT)
    ]
    kind: ChangeKind
    owner: PersonInput = Field(description="Who answers for the change, and their department.")
    affected_departments: list[DepartmentSlug] = Field(
        min_length=1,
        max_length=100,
        description="Every department the change affects (at least one; not the owner's).",
    )
    planned_go_live: StorableTime = Field(
        description="When it is planned to go live; not in the past when first recorded."
    )
    went_live_at: StorableTime | None = Field(
        default=None,
        description="When it went live, if the tool says so (implemented, closed, merged).",
    )
    source: SourceInput = Field(
        description="The tool and its own reference; the same reference twice is one change."
    )
    source_updated_at: StorableTime | None = Field(
        default=None,
        description="When the tool last changed the item; an older submission is stale.",
    )


class ChangeVerdict(StrEnum):
    """What became of one submission or go-live report."""

    ACCEPTED = "accepted"  # a new change: ChangeRecorded (and ChangeWentLive if it says so)
    UPDATED = "updated"  # ChangeUpdated (and ChangeWentLive if it says so)
    WENT_LIVE = "went_live"  # only the go-live is new: ChangeWentLive
    DUPLICATE = "duplicate"  # nothing new
    STALE = "stale"  # older than what is recorded: ignored


@dataclass(frozen=True)
class StoredChange:
    """What intake holds about one change: its latest facts, revision and go-live."""

    facts: ChangeFacts
    revision: int
    source_updated_at: datetime | None
    went_live_at: datetime | None


@dataclass(frozen=True)
class ChangeDecision:
    """The verdict, the change's state after it, and the events to publish (in order)."""

    verdict: ChangeVerdict
    state: StoredChange
    events: tuple[ChangeEvent, ...]
    state_changed: bool


@dataclass(frozen=True)
class ChangeItem:
    """A change submission and the delivery that brought it (when the tool names one)."""

    submission: ChangeSubmission
    delivery: Delivery | None = None


@dataclass(frozen=True)
class ChangeOutcome:
    """What became of one item: the verdict and the change it is."""

    verdict: ChangeVerdict
    change_id: UUID | None
    revision: int | None = None


def refusals(
    stored: StoredChange | None, submission: ChangeSubmission, *, now: datetime
) -> list[FieldProblem]:
    """Why `submission` cannot be taken (empty when it can), each naming its field.

    - A new change's planned go-live may not be in the past: it would be no plan to engage
      anyone on. An update may move it anywhere (the tool corrects its record after the fact).
    - A go-live reported for a time still to come is refused: it has not happened.
    - The owner's department is not among the affected: a change is engaged with the others.
    """
    problems: list[FieldProblem] = []
    if stored is None and submission.planned_go_live < now:
        problems.append(
            FieldProblem("planned_go_live", "must not be in the past when a change is recorded")
        )
    if submission.went_live_at is not None and submission.went_live_at > now:
        problems.append(FieldProblem("went_live_at", "must not be in the future"))
    if submission.owner.department in submission.affected_departments:
        problems.append(
            FieldProblem(
                "affected_departments",
                f"lists the owner's department {submission.owner.department!r}; "
                "list the departments the change affects besides the owner's",
            )
        )
    return problems


def decide(
    stored: StoredChange | None,
    submission: ChangeSubmission,
    *,
    new_change_id: UUID,
    now: datetime,
) -> ChangeDecision:
    """What `submission` does to `stored` (call `refusals` first: this assumes it is valid)."""
    facts = _normalised_facts(submission)
    if stored is None:
        recorded = ChangeRecordedV1.model_validate(
            {"change_id": new_change_id, "recorded_at": now, **facts}
        )
        state = StoredChange(recorded, 1, submission.source_updated_at, None)
        return _with_go_live(ChangeVerdict.ACCEPTED, state, (recorded,), submission, now)
    if _is_stale(submission.source_updated_at, stored.source_updated_at):
        return ChangeDecision(ChangeVerdict.STALE, stored, (), state_changed=False)
    source_time = _latest(stored.source_updated_at, submission.source_updated_at)
    changed = changed_fields(stored.facts, facts)
    if not changed:
        state = StoredChange(stored.facts, stored.revision, source_time, stored.went_live_at)
        decision = _with_go_live(ChangeVerdict.DUPLICATE, state, (), submission, now)
        if decision.verdict is ChangeVerdict.DUPLICATE:
            moved = source_time != stored.source_updated_at
            return ChangeDecision(ChangeVerdict.DUPLICATE, state, (), state_changed=moved)
        return decision
    updated = ChangeUpdatedV1.model_validate(
        {
            "change_id": stored.facts.change_id,
            "recorded_at": stored.facts.recorded_at,
            "revision": stored.revision + 1,
            "updated_at": now,
            "changed_fields": changed,
            **facts,
        }
    )
    state = StoredChange(updated, stored.revision + 1, source_time, stored.went_live_at)
    return _with_go_live(ChangeVerdict.UPDATED, state, (updated,), submission, now)


def go_live(
    stored: StoredChange, *, went_live_at: datetime, now: datetime, by: GoLiveReporter
) -> ChangeDecision:
    """A go-live reported for `stored`: the first report counts, later ones are duplicates."""
    if stored.went_live_at is not None:
        return ChangeDecision(ChangeVerdict.DUPLICATE, stored, (), state_changed=False)
    event = ChangeWentLiveV1(
        change_id=stored.facts.change_id,
        department=stored.facts.department,
        went_live_at=went_live_at,
        reported_at=now,
        reported_by=by,
        planned_go_live=stored.facts.planned_go_live,
    )
    state = StoredChange(stored.facts, stored.revision, stored.source_updated_at, went_live_at)
    return ChangeDecision(ChangeVerdict.WENT_LIVE, state, (event,), state_changed=True)


def changed_fields(before: ChangeFacts, after: dict[str, Any]) -> list[str]:
    """Top-level fields of `after` (normalised facts) that differ from `before`, sorted."""
    new = ChangeFacts.model_validate(
        {**after, "change_id": before.change_id, "recorded_at": before.recorded_at}
    )
    return sorted(name for name in COMPARED_FIELDS if getattr(before, name) != getattr(new, name))


def _with_go_live(
    verdict: ChangeVerdict,
    state: StoredChange,
    events: tuple[ChangeEvent, ...],
    submission: ChangeSubmission,
    now: datetime,
) -> ChangeDecision:
    """`verdict` and `events`, followed by the go-live when the submission first reports one."""
    if submission.went_live_at is None or state.went_live_at is not None:
        return ChangeDecision(verdict, state, events, state_changed=bool(events))
    live = go_live(state, went_live_at=submission.went_live_at, now=now, by=GoLiveReporter.TOOL)
    if verdict is ChangeVerdict.DUPLICATE:
        verdict = ChangeVerdict.WENT_LIVE
    return ChangeDecision(verdict, live.state, events + live.events, state_changed=True)


def _normalised_facts(submission: ChangeSubmission) -> dict[str, Any]:
    """The contract's fields of a submission; departments sorted and unique, so the same
    change always makes the same event body whatever order the tool listed them in."""
    source = submission.source
    return {
        "department": submission.department,
        "title": submission.title,
        "kind": submission.kind,
        "owner": {
            "person_id": submission.owner.person_id,
            "department": submission.owner.department,
        },
        "affected_departments": sorted(set(submission.affected_departments)),
        "planned_go_live": submission.planned_go_live,
        "source": {"tool": source.tool, "reference": source.reference, "url": source.url},
    }


def _is_stale(incoming: datetime | None, recorded: datetime | None) -> bool:
    return incoming is not None and recorded is not None and incoming < recorded


def _latest(recorded: datetime | None, incoming: datetime | None) -> datetime | None:
    if recorded is None or incoming is None:
        return recorded or incoming
    return max(recorded, incoming)
