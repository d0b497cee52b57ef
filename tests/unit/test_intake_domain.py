from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from pydantic import ValidationError

from bridgework.common.contracts import IncidentReportedV1, IncidentUpdatedV1
from bridgework.intake.domain.incidents import (
    IncidentSubmission,
    StoredIncident,
    Verdict,
    decide,
    report,
)
from tests import factories

NOW = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 4, 8, 0, tzinfo=UTC)


def submission_json(*, reference: str | None = None, **overrides: Any) -> dict[str, Any]:
    body = factories.submission_json(**overrides)
    if reference is not None:
        body["source"] = {"tool": "native", "reference": reference}
    return body


def test_a_submission_becomes_an_incident_reported_at_the_clock_time() -> None:
    submission = IncidentSubmission.model_validate(submission_json())
    incident_id = uuid4()

    incident = report(submission, incident_id=incident_id, now=NOW)

    assert incident.incident_id == incident_id
    assert incident.reported_at == NOW
    assert incident.department == "it"
    assert incident.summary == submission.summary


def test_people_and_departments_are_deduplicated_and_sorted() -> None:
    submission = IncidentSubmission.model_validate(
        submission_json(
            affected_people=[
                {"person_id": "p2", "department": "hr"},
                {"person_id": "p1", "department": "finance"},
                {"person_id": "p2", "department": "hr"},
            ],
            affected_departments=["hr", "finance", "hr"],
        )
    )

    incident = report(submission, incident_id=uuid4(), now=NOW)

    assert [p.person_id for p in incident.affected_people] == ["p1", "p2"]
    assert incident.affected_departments == ["finance", "hr"]


def test_a_time_without_a_timezone_is_refused() -> None:
    with pytest.raises(ValidationError, match="occurred_at"):
        IncidentSubmission.model_validate(submission_json(occurred_at="2026-11-02T09:30:00"))


def test_a_department_must_be_a_slug() -> None:
    with pytest.raises(ValidationError, match="department"):
        IncidentSubmission.model_validate(submission_json(department="Finance Dept"))


def test_people_are_referenced_by_pseudonymous_id_not_e_mail() -> None:
    with pytest.raises(ValidationError, match="person_id"):
        IncidentSubmission.model_validate(
            submission_json(responsible=[{"person_id": "jo@example.org", "department": "it"}])
        )


def test_unknown_fields_are_refused_rather_than_silently_dropped() -> None:
    with pytest.raises(ValidationError, match="colour"):
        IncidentSubmission.model_validate(submission_json(colour="red"))


def _stored_after(body: dict[str, Any]) -> StoredIncident:
    decision = decide(
        None, IncidentSubmission.model_validate(body), new_incident_id=uuid4(), now=NOW
    )
    return decision.state


def test_a_first_submission_is_accepted_as_revision_one() -> None:
    submission = IncidentSubmission.model_validate(submission_json())

    decision = decide(None, submission, new_incident_id=uuid4(), now=NOW)

    assert decision.verdict is Verdict.ACCEPTED
    assert isinstance(decision.event, IncidentReportedV1)
    assert decision.state.revision == 1


def test_the_same_item_again_is_a_duplicate_with_no_event() -> None:
    body = submission_json()
    stored = _stored_after(body)

    decision = decide(
        stored, IncidentSubmission.model_validate(body), new_incident_id=uuid4(), now=LATER
    )

    assert decision.verdict is Verdict.DUPLICATE
    assert decision.event is None
    assert decision.state_changed is False


def test_listing_the_same_people_in_another_order_changes_nothing() -> None:
    people = [{"person_id": "p1", "department": "hr"}, {"person_id": "p2", "department": "it"}]
    stored = _stored_after(submission_json(affected_people=people, reference="x"))

    decision = decide(
        stored,
        IncidentSubmission.model_validate(
            submission_json(affected_people=people[::-1], reference="x")
        ),
        new_incident_id=uuid4(),
        now=LATER,
    )

    assert decision.verdict is Verdict.DUPLICATE


def test_a_change_is_an_update_naming_the_changed_fields_with_the_next_revision() -> None:
    body = submission_json()
    stored = _stored_after(body)
    changed = {**body, "severity": "severe", "summary": "Worse than we thought."}

    decision = decide(
        stored, IncidentSubmission.model_validate(changed), new_incident_id=uuid4(), now=LATER
    )

    assert decision.verdict is Verdict.UPDATED
    event = decision.event
    assert isinstance(event, IncidentUpdatedV1)
    assert event.incident_id == stored.facts.incident_id
    assert event.revision == 2
    assert event.changed_fields == ["severity", "summary"]
    assert event.reported_at == NOW
    assert event.updated_at == LATER


def test_a_change_of_the_source_url_alone_is_an_update() -> None:
    body = submission_json()
    stored = _stored_after(body)
    moved = {**body, "source": {**body["source"], "url": "https://tool.example.org/items/9"}}

    decision = decide(
        stored, IncidentSubmission.model_validate(moved), new_incident_id=uuid4(), now=LATER
    )

    assert decision.verdict is Verdict.UPDATED
    assert isinstance(decision.event, IncidentUpdatedV1)
    assert decision.event.changed_fields == ["source"]


def test_a_retry_older_than_what_is_recorded_is_stale_and_changes_nothing() -> None:
    body = submission_json(source_updated_at="2026-11-03T10:00:00+00:00")
    stored = _stored_after(body)
    older = {**body, "severity": "low", "source_updated_at": "2026-11-03T09:00:00+00:00"}

    decision = decide(
        stored, IncidentSubmission.model_validate(older), new_incident_id=uuid4(), now=LATER
    )

    assert decision.verdict is Verdict.STALE
    assert decision.event is None
    assert decision.state == stored


def test_a_newer_identical_item_moves_the_recorded_source_time_without_an_event() -> None:
    body = submission_json(source_updated_at="2026-11-03T10:00:00+00:00")
    stored = _stored_after(body)
    newer = {**body, "source_updated_at": "2026-11-03T11:00:00+00:00"}

    decision = decide(
        stored, IncidentSubmission.model_validate(newer), new_incident_id=uuid4(), now=LATER
    )

    assert decision.verdict is Verdict.DUPLICATE
    assert decision.event is None
    assert decision.state_changed is True
    assert decision.state.source_updated_at == datetime(2026, 11, 3, 11, 0, tzinfo=UTC)


def test_answers_to_the_restorative_questions_travel_with_the_incident() -> None:
    submission = IncidentSubmission.model_validate(
        submission_json(answers={"what_happened": "  Locked out at month end. "})
    )

    incident = report(submission, incident_id=uuid4(), now=NOW)

    assert incident.answers is not None
    assert incident.answers.what_happened == "Locked out at month end."
    assert incident.answers.make_things_right is None


def test_unknown_fields_inside_people_are_refused_too() -> None:
    with pytest.raises(ValidationError, match="name"):
        IncidentSubmission.model_validate(
            submission_json(responsible=[{"person_id": "p1", "department": "it", "name": "Jo"}])
        )
