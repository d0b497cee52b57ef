"""Intake's rules for planned changes: what is refused, and what each submission publishes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from pydantic import ValidationError

from bridgework.common.contracts import (
    ChangeRecordedV1,
    ChangeUpdatedV1,
    ChangeWentLiveV1,
    GoLiveReporter,
    IncidentReportedV1,
)
from bridgework.intake.domain.changes import (
    ChangeSubmission,
    ChangeVerdict,
    StoredChange,
    decide,
    go_live,
    refusals,
)
from bridgework.intake.domain.incidents import IncidentSubmission, report
from tests.factories import submission_json
from tests.intake_change_factories import change_json

NOW = datetime(2026, 11, 6, 15, 0, tzinfo=UTC)


def submission(**overrides: Any) -> ChangeSubmission:
    return ChangeSubmission.model_validate(change_json(**overrides))


def recorded(**overrides: Any) -> StoredChange:
    decision = decide(None, submission(**overrides), new_change_id=uuid4(), now=NOW)
    return decision.state


def fields(problems: list[Any]) -> list[str]:
    return [problem.field for problem in problems]


def test_a_new_change_is_recorded_with_sorted_unique_departments() -> None:
    new_id = uuid4()
    given = submission(affected_departments=["hr", "finance", "hr"])

    decision = decide(None, given, new_change_id=new_id, now=NOW)

    assert decision.verdict is ChangeVerdict.ACCEPTED
    [event] = decision.events
    assert isinstance(event, ChangeRecordedV1)
    assert event.change_id == new_id
    assert event.affected_departments == ["finance", "hr"]
    assert event.recorded_at == NOW
    assert decision.state.revision == 1
    assert decision.state.went_live_at is None


def test_a_change_without_affected_departments_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as refused:
        submission(affected_departments=[])

    assert [error["loc"] for error in refused.value.errors()] == [("affected_departments",)]


def test_a_go_live_in_the_past_is_refused_at_creation_only() -> None:
    past = submission(planned_go_live=(NOW - timedelta(days=1)).isoformat())

    assert fields(refusals(None, past, now=NOW)) == ["planned_go_live"]
    known = recorded(source=past.source.model_dump())
    assert refusals(known, past, now=NOW) == []


def test_a_go_live_reported_for_the_future_and_the_owner_among_the_affected_are_refused() -> None:
    odd = submission(
        went_live_at=(NOW + timedelta(hours=1)).isoformat(), affected_departments=["it", "hr"]
    )

    assert fields(refusals(None, odd, now=NOW)) == ["went_live_at", "affected_departments"]


def test_the_same_change_again_is_a_duplicate_and_publishes_nothing() -> None:
    given = submission()
    stored = decide(None, given, new_change_id=uuid4(), now=NOW).state

    again = decide(stored, given, new_change_id=uuid4(), now=NOW)

    assert (again.verdict, again.events, again.state_changed) == (
        ChangeVerdict.DUPLICATE,
        (),
        False,
    )


def test_a_moved_go_live_and_an_added_department_are_one_update() -> None:
    given = submission()
    stored = decide(None, given, new_change_id=uuid4(), now=NOW).state
    moved = given.model_copy(
        update={
            "planned_go_live": datetime(2026, 12, 15, 8, tzinfo=UTC),
            "affected_departments": ["finance", "hr", "legal"],
        }
    )

    decision = decide(stored, moved, new_change_id=uuid4(), now=NOW + timedelta(hours=1))

    assert decision.verdict is ChangeVerdict.UPDATED
    [event] = decision.events
    assert isinstance(event, ChangeUpdatedV1)
    assert event.revision == 2
    assert event.changed_fields == ["affected_departments", "planned_go_live"]
    assert event.change_id == stored.facts.change_id
    assert event.recorded_at == NOW


def test_an_older_copy_of_the_item_is_stale() -> None:
    stored = recorded(source_updated_at="2026-11-05T10:00:00+00:00")
    older = submission(
        source=stored.facts.source.model_dump(),
        title="An older title",
        source_updated_at="2026-11-04T10:00:00+00:00",
    )

    assert decide(stored, older, new_change_id=uuid4(), now=NOW).verdict is ChangeVerdict.STALE


def test_the_tool_reporting_go_live_publishes_went_live_once() -> None:
    stored = recorded()
    live_at = NOW - timedelta(minutes=5)
    same_but_live = submission(
        source=stored.facts.source.model_dump(), went_live_at=live_at.isoformat()
    )

    first = decide(stored, same_but_live, new_change_id=uuid4(), now=NOW)
    again = decide(first.state, same_but_live, new_change_id=uuid4(), now=NOW)

    assert first.verdict is ChangeVerdict.WENT_LIVE
    [event] = first.events
    assert isinstance(event, ChangeWentLiveV1)
    assert (event.went_live_at, event.reported_by) == (live_at, GoLiveReporter.TOOL)
    assert event.planned_go_live == stored.facts.planned_go_live
    assert again.verdict is ChangeVerdict.DUPLICATE
    assert again.events == ()


def test_an_update_that_also_goes_live_publishes_the_update_then_the_go_live() -> None:
    stored = recorded()
    changed = submission(
        source=stored.facts.source.model_dump(),
        title="MFA for finance, phase one",
        went_live_at=NOW.isoformat(),
    )

    decision = decide(stored, changed, new_change_id=uuid4(), now=NOW)

    assert decision.verdict is ChangeVerdict.UPDATED
    assert [type(event) for event in decision.events] == [ChangeUpdatedV1, ChangeWentLiveV1]
    assert decision.state.went_live_at == NOW


def test_go_live_through_the_api_counts_once() -> None:
    stored = recorded()

    first = go_live(stored, went_live_at=NOW, now=NOW, by=GoLiveReporter.API)
    again = go_live(first.state, went_live_at=NOW, now=NOW, by=GoLiveReporter.API)

    assert first.verdict is ChangeVerdict.WENT_LIVE
    [event] = first.events
    assert isinstance(event, ChangeWentLiveV1)
    assert event.reported_by is GoLiveReporter.API
    assert (again.verdict, again.events) == (ChangeVerdict.DUPLICATE, ())


def test_an_incident_may_name_its_change_by_id_or_by_tool_item() -> None:
    by_tool = IncidentSubmission.model_validate(
        submission_json(change_ref={"tool": "servicenow", "reference": "a1b2", "department": "it"})
    )
    change_id = uuid4()
    by_id = IncidentSubmission.model_validate(submission_json(change_ref={"change_id": change_id}))

    first = report(by_tool, incident_id=uuid4(), now=NOW)
    second = report(by_id, incident_id=uuid4(), now=NOW)

    assert isinstance(first, IncidentReportedV1)
    assert first.change_ref is not None
    assert (first.change_ref.tool, first.change_ref.reference) == ("servicenow", "a1b2")
    assert second.change_ref is not None
    assert second.change_ref.change_id == change_id


def test_an_incident_naming_a_change_by_half_a_tool_item_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        IncidentSubmission.model_validate(submission_json(change_ref={"tool": "jira"}))

    assert [error["loc"] for error in refused.value.errors()] == [("change_ref",)]
