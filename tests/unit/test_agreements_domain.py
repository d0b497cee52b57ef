from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from bridgework.agreements.domain.opening import (
    PriorRepair,
    SameMatterIndex,
    open_repair,
    open_repairs,
    recurrence_of,
    same_matter_keys,
    strained_relationships,
)
from bridgework.common.contracts import IncidentCategory, PersonRef, RelationshipPair
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


# --- recurrence: a new incident about the same matter links back to earlier repairs ----------


def prior(
    *,
    days_ago: float,
    category: IncidentCategory = IncidentCategory.ACCESS_RESTRICTION,
    pairs: tuple[RelationshipPair, ...] = (
        RelationshipPair(department_a="finance", department_b="it"),
    ),
) -> PriorRepair:
    return PriorRepair(
        repair_id=uuid4(),
        category=category,
        relationships=pairs,
        opened_at=NOW - timedelta(days=days_ago),
    )


def reopened(*earlier: PriorRepair, limit: int = 10) -> tuple[UUID, ...]:
    repair = open_repair(
        incident_reported(),
        repair_id=uuid4(),
        now=NOW,
        agreement_window=timedelta(days=14),
        earlier=SameMatterIndex(earlier, limit=limit),
        recurrence_window=timedelta(days=180),
    )
    return repair.recurrence_of


def test_the_same_matter_between_the_same_departments_recurs() -> None:
    earlier = prior(days_ago=30)

    assert reopened(earlier) == (earlier.repair_id,)
    assert open_repair(
        incident_reported(),
        repair_id=uuid4(),
        now=NOW,
        agreement_window=timedelta(days=14),
        earlier=SameMatterIndex([earlier], limit=10),
    ).opened_event().recurrence_of == [earlier.repair_id]


def test_another_matter_between_the_same_departments_does_not_recur() -> None:
    assert reopened(prior(days_ago=30, category=IncidentCategory.OUTAGE)) == ()


def test_the_same_matter_between_other_departments_does_not_recur() -> None:
    elsewhere = (RelationshipPair(department_a="estates", department_b="it"),)

    assert reopened(prior(days_ago=30, pairs=elsewhere)) == ()


def test_the_same_matter_long_ago_does_not_recur() -> None:
    assert reopened(prior(days_ago=181)) == ()


def test_recurrence_links_the_newest_earlier_repairs_first() -> None:
    oldest, middle, newest = prior(days_ago=90), prior(days_ago=60), prior(days_ago=3)

    assert reopened(oldest, newest, middle, limit=2) == (newest.repair_id, middle.repair_id)


def test_harm_within_one_department_never_recurs_across_departments() -> None:
    incident = incident_reported(
        affected_departments=["it"],
        affected_people=[PersonRef(person_id="p-it-9", department="it")],
    )
    repair = open_repair(
        incident,
        repair_id=uuid4(),
        now=NOW,
        agreement_window=timedelta(days=14),
        earlier=SameMatterIndex([prior(days_ago=1, pairs=())], limit=10),
    )

    assert repair.recurrence_of == ()


def test_repairs_opened_together_recur_the_latest_added_first() -> None:
    index = SameMatterIndex((), limit=2)
    first, second, third = (prior(days_ago=0) for _ in range(3))
    for each in (first, second, third):
        index.add(each)

    repair = open_repair(
        incident_reported(),
        repair_id=uuid4(),
        now=NOW,
        agreement_window=timedelta(days=14),
        earlier=index,
    )

    assert repair.recurrence_of == (third.repair_id, second.repair_id)


# --- opening a batch: the index's shortcut gives what the rule says -----------------------------


def test_a_batch_recurs_its_own_earlier_repairs_about_the_same_matter() -> None:
    stored = prior(days_ago=2)
    first, other_matter, again = (
        incident_reported(),
        incident_reported(category=IncidentCategory.OUTAGE),
        incident_reported(),
    )
    ids = iter(UUID(int=n) for n in range(1, 10))

    repairs = open_repairs(
        [first, other_matter, again],
        new_id=lambda: next(ids),
        now=NOW,
        agreement_window=timedelta(days=14),
        earlier=SameMatterIndex([stored], limit=10),
    )

    assert [r.repair_id for r in repairs] == [UUID(int=1), UUID(int=2), UUID(int=3)]
    assert [r.recurrence_of for r in repairs] == [
        (stored.repair_id,),
        (),
        (UUID(int=1), stored.repair_id),
    ]


def test_the_same_matter_keys_are_each_incidents_category_with_each_strained_pair() -> None:
    incident = incident_reported(
        responsible=[PersonRef(person_id="a", department="it")],
        affected_departments=["finance", "hr"],
        affected_people=[],
    )

    assert same_matter_keys([incident, incident_reported(category=IncidentCategory.OUTAGE)]) == [
        (IncidentCategory.ACCESS_RESTRICTION, pair("finance", "it")),
        (IncidentCategory.ACCESS_RESTRICTION, pair("hr", "it")),
        (IncidentCategory.OUTAGE, pair("finance", "it")),
    ]


@pytest.mark.parametrize("seed", range(20))
def test_the_index_finds_exactly_what_the_recurrence_rule_finds(seed: int) -> None:
    """Random earlier repairs (many opened at the same instant, several pairs each) and
    random incidents: the index's answer equals `recurrence_of` over all the candidates."""
    rng = random.Random(seed)
    departments = ["estates", "finance", "hr", "it"]
    pairs = [pair(a, b) for a in departments for b in departments if a < b]
    categories = [IncidentCategory.ACCESS_RESTRICTION, IncidentCategory.OUTAGE]
    limit = rng.choice([1, 2, 3, 10])
    index = SameMatterIndex((), limit=limit)
    everything: list[PriorRepair] = []
    for _ in range(rng.randrange(1, 60)):
        earlier = PriorRepair(
            repair_id=uuid4(),
            category=rng.choice(categories),
            relationships=tuple(sorted(rng.sample(pairs, rng.randrange(0, 3)), key=str)),
            opened_at=NOW - timedelta(days=rng.choice([0, 0, 1, 2, 200])),
        )
        index.add(earlier)
        everything.append(earlier)
    for _ in range(20):
        category = rng.choice(categories)
        relationships = sorted(rng.sample(pairs, rng.randrange(0, 4)), key=str)
        window = timedelta(days=rng.choice([1, 180]))

        found = index.recurrence_of(category, relationships, now=NOW, window=window)

        assert found == recurrence_of(
            category,
            relationships,
            index.candidates(category, relationships),
            now=NOW,
            window=window,
            limit=limit,
        )
        # ...and the index kept the right ones: the newest `limit` per pair of all there were.
        assert set(found) <= set(
            recurrence_of(
                category, relationships, everything, now=NOW, window=window, limit=len(everything)
            )
        )
