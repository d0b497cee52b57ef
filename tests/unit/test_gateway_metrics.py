"""The read model's pure rules: folding events, and what each repair adds to the rollups."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgework.common.contracts import (
    CheckInOutcome,
    Contract,
    IncidentFacts,
    NudgeKind,
    ParticipantRole,
    RepairOutcome,
    ResponseMode,
)
from bridgework.graphql_gateway.projection.domain import contributions
from bridgework.graphql_gateway.projection.domain.contributions import (
    ORGANISATION,
    IncidentSummary,
    agreement_completion,
    duration_bucket,
    incident_contributions,
    repair_contributions,
)
from bridgework.graphql_gateway.projection.domain.folding import fold_incident, fold_repair
from bridgework.graphql_gateway.projection.domain.state import RepairState
from bridgework.graphql_gateway.projection.repository import rollups as projection_rollups
from bridgework.graphql_gateway.read.domain import figures
from bridgework.graphql_gateway.read.domain.figures import percentile_from_histogram
from bridgework.graphql_gateway.read.domain.periods import split_period
from bridgework.graphql_gateway.read.entrypoints import loops
from tests.gateway_factories import DAY, HOUR, T0, RepairStory, organisation


def fold(story: RepairStory, facts: list[Contract] | None = None) -> RepairState:
    state = RepairState(repair_id=story.repair_id)
    for fact in facts if facts is not None else story.facts:
        fold_repair(state, fact)
    return state


def summaries(*stories: RepairStory) -> dict[UUID, IncidentSummary]:
    return {
        s.incident.incident_id: IncidentSummary(
            reported_at=s.incident.reported_at,
            named_people=frozenset(
                p.person_id for p in [*s.incident.responsible, *s.incident.affected_people]
            ),
        )
        for s in stories
    }


def organisation_totals(story: RepairStory, metric: str) -> Counter[str]:
    departments, _ = repair_contributions(fold(story), summaries(story), {})
    totals: Counter[str] = Counter()
    for (m, department, _, key), value in departments.items():
        if m == metric and department == ORGANISATION:
            totals[key] += value
    return totals


def test_percentiles_are_nearest_rank_upper_bounds_of_their_buckets() -> None:
    # 3 h, 20 h, 30 h, 100 h: buckets <=4, <=24, <=36, <=120.
    histogram = Counter(duration_bucket(h) for h in (3, 20, 30, 100))

    assert percentile_from_histogram(histogram, 50) == 24.0  # rank 2 of 4
    assert percentile_from_histogram(histogram, 75) == 36.0  # rank 3
    assert percentile_from_histogram(histogram, 90) == 120.0  # rank ceil(3.6) = 4
    assert percentile_from_histogram(histogram, 1) == 4.0
    assert percentile_from_histogram(Counter(), 50) is None
    assert percentile_from_histogram(Counter({duration_bucket(9000): 1}), 50) is None


def test_duration_buckets_include_their_upper_bound() -> None:
    assert duration_bucket(0) == "00"
    assert duration_bucket(1) == "00"
    assert duration_bucket(1.01) == "01"
    assert duration_bucket(48) == "07"
    assert duration_bucket(8761) == "21"


def test_agreement_completion_names_the_whole_plan() -> None:
    story = RepairStory()
    on_time, late, lapsed, open_ = (story.terms(T0 + n * DAY) for n in (5, 6, 7, 8))
    story.agree([on_time, late, lapsed, open_], T0 + DAY)
    story.keep(on_time, T0 + 2 * DAY).keep(late, T0 + 9 * DAY).lapse(lapsed, T0 + 7 * DAY + HOUR)
    commitments = fold(story).commitments

    def plan(*ids: UUID) -> str | None:
        return agreement_completion(commitments[i] for i in ids)

    assert plan(on_time.commitment_id) == "kept_on_time"
    assert plan(on_time.commitment_id, late.commitment_id) == "kept_late"
    assert plan(on_time.commitment_id, lapsed.commitment_id) == "partial"
    assert plan(lapsed.commitment_id, open_.commitment_id) == "lapsed"
    assert plan(on_time.commitment_id, open_.commitment_id) == "in_progress"
    assert plan() is None


def test_a_released_commitment_leaves_the_plan() -> None:
    story = RepairStory()
    kept, dropped = story.terms(T0 + 5 * DAY), story.terms(T0 + 6 * DAY)
    story.agree([kept, dropped], T0 + DAY).keep(kept, T0 + 2 * DAY).release(dropped, T0 + 3 * DAY)

    assert organisation_totals(story, "agreement_completion") == {"kept_on_time": 1}
    assert organisation_totals(story, "commitments") == {"kept_on_time": 1, "released": 1}


def test_a_renegotiation_reopens_a_lapsed_commitment_under_its_new_due_date() -> None:
    story = RepairStory()
    first = story.terms(T0 + 5 * DAY)
    story.agree([first], T0 + DAY).lapse(first, T0 + 5 * DAY + HOUR)
    second = story.renegotiate(first, T0 + 12 * DAY, T0 + 6 * DAY)
    commitment = fold(story).commitments[first.commitment_id]

    assert (commitment.status, commitment.terms_version, commitment.due_at) == (
        "open",
        2,
        second.due_at,
    )
    totals, _ = repair_contributions(fold(story), summaries(story), {})
    assert totals[("commitments", ORGANISATION, date(2026, 11, 14), "open")] == 1
    assert totals[("commitments", ORGANISATION, date(2026, 11, 14), "renegotiated")] == 1
    assert ("commitments", ORGANISATION, date(2026, 11, 7), "lapsed") not in totals


def test_a_release_told_before_its_terms_takes_the_due_date_of_the_terms() -> None:
    story = RepairStory()
    terms = story.terms(T0 + 5 * DAY)
    story.agree([terms], T0 + DAY).release(terms, T0 + 2 * DAY)
    release_first = [story.facts[-1], *story.facts[:-1]]

    assert fold(story, release_first).commitments[terms.commitment_id].due_at == terms.due_at


def test_the_latest_decision_sets_the_response_mode_and_closing_overrides_it() -> None:
    story = RepairStory()
    story.impose(ResponseMode.FOR, T0 + DAY)
    assert (fold(story).status, fold(story).response_mode) == ("imposed", "for")

    story.agree([story.terms(T0 + 9 * DAY)], T0 + 2 * DAY)
    assert (fold(story).status, fold(story).response_mode) == ("agreed", "with")

    story.close(RepairOutcome.UNREPAIRED, ResponseMode.NOT, T0 + 3 * DAY, "no_show")
    assert (fold(story).status, fold(story).response_mode) == ("closed", "not")


def test_confirmation_needs_every_affected_persons_latest_answer_to_be_yes() -> None:
    story = RepairStory()
    story.agree([story.terms(T0 + 5 * DAY)], T0 + DAY)
    story.check_in(CheckInOutcome.PARTLY, T0 + 6 * DAY).check_in(CheckInOutcome.YES, T0 + 8 * DAY)
    assert fold(story).confirmed_at == T0 + 8 * DAY

    story.check_in(CheckInOutcome.NO, T0 + 9 * DAY)
    assert fold(story).confirmed_at is None


def test_a_repair_counts_for_each_of_its_departments_and_the_organisation() -> None:
    story = RepairStory()
    departments, pairs = repair_contributions(fold(story), summaries(story), {})
    opened = story.opened_at.date()

    assert {d for (m, d, _, k) in departments if m == "repairs"} == {ORGANISATION, "finance", "it"}
    assert pairs == Counter(
        {("finance", "it", opened, "repairs"): 1, ("finance", "it", opened, "open"): 1}
    )


def test_an_unopened_repair_contributes_nothing() -> None:
    story = RepairStory()
    story.check_in(CheckInOutcome.YES, T0 + DAY)

    assert repair_contributions(fold(story, story.facts[1:]), {}, {}) == (Counter(), Counter())


def test_nudge_effectiveness_counts_keeping_after_the_first_nudge_only() -> None:
    story = RepairStory()
    before, after = story.terms(T0 + 5 * DAY), story.terms(T0 + 6 * DAY)
    story.agree([before, after], T0 + DAY)
    story.keep(before, T0 + 2 * DAY).nudge(NudgeKind.REMINDER, T0 + 3 * DAY, before)
    story.nudge(NudgeKind.REMINDER, T0 + 4 * DAY, after).keep(after, T0 + 5 * DAY)

    assert organisation_totals(story, "nudges") == {
        "nudged:any": 2, "nudged:reminder": 2, "kept_after:any": 1, "kept_after:reminder": 1,
    }  # fmt: skip


def test_recurrence_is_counted_within_90_and_180_days_of_the_earlier_repair() -> None:
    earlier = RepairStory()
    later = RepairStory(opened_at=earlier.opened_at + 100 * DAY, recurrence_of=[earlier.repair_id])
    _, pairs = repair_contributions(fold(later), {}, {earlier.repair_id: earlier.opened_at})
    keys = {key for (_, _, _, key) in pairs}

    assert "recurrence_180" in keys
    assert "recurrence_90" not in keys


def test_participation_counts_the_named_people_who_joined() -> None:
    story = RepairStory()
    story.join_everyone()

    assert organisation_totals(story, "participation") == {"named": 2, "joined": 2}
    # Who joined in which role, person by person: the read side counts distinct people.
    assert organisation_totals(story, "people") == {
        "facilitator:p-hr-009": 1, "responsible:p-it-001": 1, "affected:p-fin-014": 1,
    }  # fmt: skip
    assert organisation_totals(story, "consent") == Counter()
    story.propose([story.terms(T0 + 5 * DAY)], T0 + DAY)
    story.consent(story.responsible, ParticipantRole.RESPONSIBLE, T0 + DAY)
    assert organisation_totals(story, "consent") == {"requested": 2, "given": 1}


@settings(max_examples=40, deadline=None)
@given(st.randoms(use_true_random=False))
def test_folding_in_any_order_gives_the_same_state_and_contributions(rng: random.Random) -> None:
    org = organisation()
    incidents = summaries(*org.stories)
    opened = {s.repair_id: s.opened_at for s in org.stories}
    for story in org.stories:
        shuffled = list(story.facts)
        rng.shuffle(shuffled)
        in_order, any_order = fold(story), fold(story, shuffled)
        assert any_order == in_order
        assert repair_contributions(any_order, incidents, opened) == repair_contributions(
            in_order, incidents, opened
        )


def test_an_incident_counts_for_its_reporting_and_affected_departments() -> None:
    story = RepairStory()
    facts: IncidentFacts = story.incident
    counts = incident_contributions(fold_incident(None, facts))

    assert {department for (_, department, _, _) in counts} == {ORGANISATION, "it", "finance"}
    assert set(counts.values()) == {1}


def _days_of(grain: str, first: date, last: date) -> list[date]:
    """Every day of the buckets from `first` to `last` (their starts) of a grain."""
    days: list[date] = []
    bucket = first
    while bucket <= last:
        if grain == "d":
            following = bucket + timedelta(days=1)
        elif grain == "w":
            assert bucket.weekday() == 0
            following = bucket + timedelta(days=7)
        else:
            assert bucket.day == 1
            following = (bucket.replace(day=28) + timedelta(days=4)).replace(day=1)
        days.extend(bucket + timedelta(days=n) for n in range((following - bucket).days))
        bucket = following
    return days


@given(st.dates(date(2020, 1, 1), date(2030, 12, 31)), st.integers(0, 800), st.booleans())
def test_a_split_period_covers_every_day_exactly_once(
    start: date, length: int, weeks: bool
) -> None:
    end = start + timedelta(days=length)
    ranges = split_period(start, end, weeks=weeks)

    covered = [day for grain, first, last in ranges for day in _days_of(grain, first, last)]
    assert sorted(covered) == [start + timedelta(days=n) for n in range(length + 1)]
    assert sum(1 for grain, _, _ in ranges if grain == "m") <= 1
    if weeks:
        # At most 6 days before and 6 after the whole weeks, at each edge of the months.
        assert sum((last - first).days + 1 for grain, first, last in ranges if grain == "d") <= 24


def test_a_year_not_aligned_to_months_reads_months_weeks_and_a_few_days() -> None:
    # 15 March 2025 is a Saturday, 1 March 2026 a Sunday.
    assert split_period(date(2025, 3, 15), date(2026, 3, 14), weeks=True) == [
        ("d", date(2025, 3, 15), date(2025, 3, 16)),
        ("w", date(2025, 3, 17), date(2025, 3, 24)),
        ("d", date(2025, 3, 31), date(2025, 3, 31)),
        ("m", date(2025, 4, 1), date(2026, 2, 1)),
        ("d", date(2026, 3, 1), date(2026, 3, 1)),
        ("w", date(2026, 3, 2), date(2026, 3, 2)),
        ("d", date(2026, 3, 9), date(2026, 3, 14)),
    ]


def test_both_halves_read_the_rollups_the_same_way() -> None:
    """The halves share tables, not code: the histogram bounds and the organisation's key
    the projection writes are those the read side reads."""
    assert figures.DURATION_BOUNDS_HOURS == contributions.DURATION_BOUNDS_HOURS
    assert figures.ORGANISATION == contributions.ORGANISATION
    assert figures.NUDGE_KINDS == contributions.NUDGE_KINDS
    assert projection_rollups.CHANGES_CHANNEL == loops.CHANGES_CHANNEL
