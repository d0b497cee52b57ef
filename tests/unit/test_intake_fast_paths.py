"""The cheaper ways intake now builds incidents, ids and receipts give what the old ones gave."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from bridgework.common.contracts import IncidentFacts
from bridgework.intake.domain.incidents import (
    COMPARED_FIELDS,
    IncidentSubmission,
    Outcome,
    StoredIncident,
    Verdict,
    changed_fields,
    decide,
    report,
)
from bridgework.intake.entrypoints import receipts
from bridgework.intake.use_cases.incidents import _new_ids
from tests import factories

NOW = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


def submission(**overrides: Any) -> IncidentSubmission:
    body = factories.submission_json(**overrides)
    body["source"] = {"tool": "native", "reference": "item-1", "url": "https://tool/1"}
    return IncidentSubmission.model_validate(body)


def stored_as_read_back(facts: IncidentFacts, revision: int = 1) -> StoredIncident:
    """What find_incidents makes of the body intake stored (the event's JSON)."""
    body = facts.__pydantic_serializer__.to_json(facts)
    return StoredIncident(IncidentFacts.model_validate_json(body), revision, None)


def dump_compared(before: IncidentFacts, after: IncidentFacts) -> list[str]:
    """The comparison intake made before: model dumps, field by field."""
    old = before.model_dump(include=set(COMPARED_FIELDS))
    new = after.model_dump(include=set(COMPARED_FIELDS))
    return sorted(name for name in COMPARED_FIELDS if old.get(name) != new.get(name))


def test_the_report_is_the_contract_the_submission_makes() -> None:
    incident = report(
        submission(
            responsible=[{"person_id": "p-it-7", "department": "it"}],
            affected_people=[
                {"person_id": "p2", "department": "hr"},
                {"person_id": "p1", "department": "finance"},
                {"person_id": "p2", "department": "hr"},
            ],
            affected_departments=["hr"],
            answers={"what_happened": None},
        ),
        incident_id=uuid4(),
        now=NOW,
    )

    assert [(p.person_id, p.department) for p in incident.responsible] == [("p-it-7", "it")]
    assert [p.person_id for p in incident.affected_people] == ["p1", "p2"]
    assert incident.affected_departments == ["hr"]
    assert incident.answers is None  # answers that say nothing are no answers
    assert incident.source.url == "https://tool/1"
    assert type(incident).model_validate(incident.model_dump()) == incident


def test_the_same_item_read_back_from_storage_is_a_duplicate() -> None:
    first = submission(answers={"what_happened": "Locked out."})
    reported = report(first, incident_id=uuid4(), now=NOW)

    decision = decide(stored_as_read_back(reported), first, new_incident_id=uuid4(), now=NOW)

    assert decision.verdict is Verdict.DUPLICATE
    assert decision.event is None


def test_changed_fields_are_those_a_field_by_field_dump_finds() -> None:
    reported = report(submission(), incident_id=uuid4(), now=NOW)
    before = stored_as_read_back(reported).facts
    changes: list[dict[str, Any]] = [
        {"summary": "Something else entirely."},
        {"severity": "low", "category": "outage"},
        {"affected_people": [{"person_id": "p-x", "department": "hr"}]},
        {"affected_people": []},
        {"affected_departments": ["hr", "finance"]},
        {"answers": {"make_things_right": "A meeting."}},
        {"occurred_at": "2026-11-02T10:30:00+01:00"},  # the same instant
        {"response_mode": "with"},
    ]
    for change in changes:
        after = report(submission(**change), incident_id=uuid4(), now=NOW)
        facts = {name: getattr(after, name) for name in COMPARED_FIELDS | {"department"}}

        assert changed_fields(before, facts) == dump_compared(before, after), change


def test_new_ids_are_random_version_4_uuids() -> None:
    ids = list(_new_ids(1000))

    assert len(set(ids)) == 1000
    assert all(i.version == 4 and i.variant == uuid.RFC_4122 for i in ids)
    assert all(uuid.UUID(str(i)) == i for i in ids)


def test_a_native_batch_receipt_names_every_field_and_counts_each_status() -> None:
    first, second = uuid4(), uuid4()
    response = receipts.batch(
        [Outcome(Verdict.ACCEPTED, first, 1), Outcome(Verdict.DUPLICATE, second, 3)]
    )

    assert response.status_code == 200
    assert json.loads(bytes(response.body)) == {
        "results": [
            {"incident_id": str(first), "status": "accepted", "revision": 1, "detail": None,
             "index": 0},
            {"incident_id": str(second), "status": "duplicate", "revision": 3, "detail": None,
             "index": 1},
        ],
        "counts": {"accepted": 1, "updated": 0, "duplicate": 1, "stale": 0},
    }  # fmt: skip


def test_a_cloudevents_batch_receipt_leaves_out_what_is_absent() -> None:
    seen = uuid4()
    response = receipts.batch(
        [Outcome(Verdict.DUPLICATE, seen), Outcome(Verdict.DUPLICATE, None)], exclude_none=True
    )

    assert json.loads(bytes(response.body))["results"] == [
        {"incident_id": str(seen), "status": "duplicate", "index": 0},
        {"status": "duplicate", "index": 1},
    ]
