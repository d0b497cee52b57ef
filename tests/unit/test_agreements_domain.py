from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from pydantic import ValidationError

from bridgework.agreements.domain import open_repair, strained_relationships
from bridgework.common.contracts import PersonRef, RelationshipPair
from tests.factories import incident_reported

NOW = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


def pair(a: str, b: str) -> RelationshipPair:
    return RelationshipPair(department_a=a, department_b=b)


def test_the_strained_relationship_joins_the_responsible_and_the_affected_department() -> None:
    assert strained_relationships(incident_reported()) == [pair("finance", "it")]


def test_without_named_responsible_people_the_reporting_department_is_responsible() -> None:
    incident = incident_reported(department="estates", responsible=[], affected_people=[])

    assert strained_relationships(incident) == [pair("estates", "finance")]


def test_harm_within_one_department_strains_no_relationship_between_departments() -> None:
    incident = incident_reported(
        affected_departments=["it"],
        affected_people=[PersonRef(person_id="p-it-9", department="it")],
    )

    assert strained_relationships(incident) == []


def test_every_responsible_and_affected_department_pair_is_strained_once() -> None:
    incident = incident_reported(
        responsible=[
            PersonRef(person_id="a", department="it"),
            PersonRef(person_id="b", department="hr"),
        ],
        affected_departments=["finance", "hr"],
        affected_people=[],
    )

    assert strained_relationships(incident) == [
        pair("finance", "hr"),
        pair("finance", "it"),
        pair("hr", "it"),
    ]


def test_a_repair_opens_for_the_incident_and_names_every_department_concerned() -> None:
    incident = incident_reported()
    repair_id = uuid4()

    repair = open_repair(
        incident, repair_id=repair_id, now=NOW, agreement_window=timedelta(days=14)
    )
    event = repair.opened_event()

    assert event.repair_id == repair_id
    assert event.incident_ids == [incident.incident_id]
    assert event.opened_at == NOW
    assert event.agreement_due_by == NOW + timedelta(days=14)
    assert event.category == incident.category
    assert event.departments == ["finance", "it"]
    assert event.relationships == [pair("finance", "it")]


def test_a_relationship_has_one_spelling() -> None:
    with pytest.raises(ValidationError, match="sort strictly before"):
        RelationshipPair(department_a="it", department_b="finance")
