"""The dashboard's corrected figures and drill-down rules, on hand-made repairs: distinct
people per role, shadow IT per department pair, the drill-down index and its keys."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from bridgework.common.contracts import IncidentCategory, ParticipantJoinedV1, ParticipantRole
from bridgework.common.errors import DomainError, ErrorKind
from bridgework.graphql_gateway.projection.domain.contributions import (
    PEOPLE_METRIC,
    RELATIONSHIP_METRIC,
    figure_slots,
    incident_pair_contributions,
    repair_parts,
)
from bridgework.graphql_gateway.projection.domain.folding import fold_incident, fold_repair
from bridgework.graphql_gateway.projection.domain.state import RepairState
from bridgework.graphql_gateway.read.domain.drilldown import (
    Figure,
    Overdue,
    checked_pair,
    figure_slice,
)
from bridgework.graphql_gateway.read.domain.figures import relationship_status
from bridgework.graphql_gateway.read.domain.periods import Period, buckets, split_weeks
from tests.gateway_factories import DAY, HOUR, T0, RepairStory, person


def folded(story: RepairStory) -> RepairState:
    state = RepairState(repair_id=story.repair_id)
    for fact in story.facts:
        fold_repair(state, fact)
    return state


def people_in_period(*stories: RepairStory) -> Counter[str]:
    """What the read side does with the `people` keys: sum each over the period, then count
    the keys still positive per role."""
    sums: Counter[str] = Counter()
    for story in stories:
        parts = repair_parts(folded(story), {}, {})
        assert parts is not None
        for (metric, _, key), value in parts.per_department.items():
            if metric == PEOPLE_METRIC:
                sums[key] += value
    return Counter(key.partition(":")[0] for key, value in sums.items() if value > 0)


def test_one_person_facilitating_four_repairs_counts_as_one_facilitator() -> None:
    facilitator = person("p-hr-009", "hr")
    stories = [
        RepairStory(
            responsible=person(f"p-it-{n:03d}", "it"),
            affected=person("p-fin-014", "finance"),
            facilitator=facilitator,
            opened_at=T0 + n * DAY,
        ).join_everyone()
        for n in range(4)
    ]

    # Before the correction the per-repair counts added up to 4 facilitators and 4 affected.
    assert people_in_period(*stories) == {"facilitator": 1, "affected": 1, "responsible": 4}


def test_a_person_in_two_roles_counts_once_in_each() -> None:
    story = RepairStory().join_everyone()
    story.add(
        ParticipantJoinedV1(
            repair_id=story.repair_id,
            participant=story.responsible,
            role=ParticipantRole.SUPPORTER,
            joined_at=T0 + 3 * HOUR,
        )
    )

    assert people_in_period(story) == {
        "facilitator": 1, "responsible": 1, "affected": 1, "supporter": 1,
    }  # fmt: skip


def test_shadow_it_counts_for_every_pair_it_strains() -> None:
    # Marketing's tool, reported by IT, bearing on finance and (through a person) on HR.
    story = RepairStory(
        responsible=person("p-mkt-003", "marketing"),
        affected=person("p-hr-020", "hr"),
        category=IncidentCategory.SHADOW_IT,
    )
    incident = story.incident.model_copy(
        update={"department": "it", "affected_departments": ["finance", "marketing"]}
    )

    counts = incident_pair_contributions(fold_incident(None, incident))

    day = T0.date()
    assert counts == {
        ("finance", "marketing", day, "incidents:shadow_it"): 1,
        ("hr", "marketing", day, "incidents:shadow_it"): 1,
    }


def test_an_incident_without_another_department_strains_no_pair() -> None:
    story = RepairStory(category=IncidentCategory.SHADOW_IT)
    incident = story.incident.model_copy(
        update={"affected_departments": ["it"], "affected_people": [person("p-it-044", "it")]}
    )

    assert incident_pair_contributions(fold_incident(None, incident)) == Counter()


def test_the_drill_down_index_files_a_repair_under_each_count_it_adds_to() -> None:
    story = RepairStory().join_everyone()
    parts = repair_parts(folded(story), {}, {})

    slots = figure_slots(parts)

    opened = story.opened_at.date()
    assert ("repairs", opened, "opened") in slots
    assert ("response_mode", opened, "pending") in slots
    assert ("participation", opened, "role:facilitator") in slots
    assert (RELATIONSHIP_METRIC, opened, "repairs") in slots
    assert (RELATIONSHIP_METRIC, opened, "open") in slots
    assert not [s for s in slots if s[0] == PEOPLE_METRIC], "people stay out of the index"
    assert figure_slots(None) == frozenset()


def test_figure_keys_name_the_counts_behind_them() -> None:
    assert figure_slice(Figure.COMPLETION, "kept").keys == ("kept_on_time", "kept_late")
    assert figure_slice(Figure.COMPLETION, None).keys == (
        "kept_on_time", "kept_late", "partial", "lapsed",
    )  # fmt: skip
    assert figure_slice(Figure.COMPLETION, None).metric == "agreement_completion"
    assert figure_slice(Figure.CLOSURES, "reason:security_board").keys == (
        "returned_reason:security_board",
    )
    assert figure_slice(Figure.PARTICIPATION, "facilitator").keys == ("role:facilitator",)
    assert figure_slice(Figure.TIME_TO_REPAIR, None).keys is None
    assert figure_slice(Figure.INCIDENTS, None).keys == ("shadow_it",)
    assert figure_slice(Figure.RELATIONSHIP, "openHarms").keys == ("open",)


def test_neglect_includes_repairs_waiting_past_their_window_and_pending_excludes_them() -> None:
    neglect = figure_slice(Figure.RESPONSE_MODE, "not")
    pending = figure_slice(Figure.RESPONSE_MODE, "pending")

    assert (neglect.keys, neglect.overdue) == (("not", "pending"), Overdue.ADD)
    assert (pending.keys, pending.overdue) == (("pending",), Overdue.REMOVE)
    assert figure_slice(Figure.RESPONSE_MODE, "with").overdue is Overdue.IGNORE


@pytest.mark.parametrize(
    ("figure", "key"),
    [
        (Figure.COMPLETION, "kept_on_time"),  # the API's names, not the rollups'
        (Figure.RESPONSE_MODE, "restorative"),
        (Figure.REPAIRS_OPENED, "opened"),
        (Figure.TIME_TO_AGREEMENT, "p50"),
        (Figure.CLOSURES, "reason:"),
    ],
)
def test_an_unknown_key_is_refused_naming_the_field(figure: Figure, key: str) -> None:
    with pytest.raises(DomainError) as refused:
        figure_slice(figure, key)

    assert refused.value.kind is ErrorKind.INVALID
    assert refused.value.field == "key"


def test_a_pair_is_put_in_order_and_must_include_the_scoped_department() -> None:
    assert checked_pair("it", "finance", department=None) == ("finance", "it")
    assert checked_pair("it", "finance", department="finance") == ("finance", "it")
    for a, b, department in (("it", "it", None), ("it", "marketing", "finance")):
        with pytest.raises(DomainError) as refused:
            checked_pair(a, b, department=department)
        assert refused.value.field == "pair"


def test_a_pair_with_incidents_but_no_repair_is_unaddressed() -> None:
    assert relationship_status(Counter({"incidents:shadow_it": 2})) == "unaddressed"
    assert relationship_status(Counter({"repairs": 1, "open": 1})) == "mending"
    assert relationship_status(Counter({"repairs": 1, "closed:repaired": 1})) == "repaired"


@pytest.mark.parametrize(
    ("repaired", "otherwise", "open_", "status"),
    [
        (3, 0, 1, "repaired"),  # one open repair no longer hides three repaired ones
        (2, 1, 0, "repaired"),  # two thirds, exactly
        (1, 0, 1, "mending"),
        (5, 4, 1, "mending"),  # half repaired, 40 % ended otherwise: a mixed record
        (1, 1, 0, "unrepaired"),  # half ended otherwise, exactly
        (16, 37, 4, "unrepaired"),
        (0, 0, 3, "mending"),
    ],
)
def test_a_pairs_status_follows_the_shares_of_its_repairs(
    repaired: int, otherwise: int, open_: int, status: str
) -> None:
    counts = Counter(
        {
            "repairs": repaired + otherwise + open_,
            "open": open_,
            "closed:repaired": repaired,
            "closed:unrepaired": otherwise,
        }
    )
    assert relationship_status(counts) == status


@pytest.mark.parametrize("length", [0, 1, 6, 7, 13, 40, 400])
@pytest.mark.parametrize("start", [date(2026, 11, 2), date(2026, 11, 5), date(2027, 1, 1)])
def test_week_ranges_cover_every_day_of_a_period_once(start: date, length: int) -> None:
    end = start + timedelta(days=length)
    covered: Counter[date] = Counter()
    for grain, first, last in split_weeks(start, end):
        for bucket in buckets(Period(first, last), "week" if grain == "w" else "day"):
            span = 7 if grain == "w" else 1
            covered.update(bucket + timedelta(days=n) for n in range(span))

    assert covered == Counter(start + timedelta(days=n) for n in range(length + 1))
