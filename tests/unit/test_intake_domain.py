from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from pydantic import ValidationError

from bridgework.intake.domain import IncidentSubmission, report
from tests.factories import submission_json

NOW = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


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
