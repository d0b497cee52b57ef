"""The gateway's change figures (docs/metrics.md, "Changes") on hand-made records: each
expected value is worked out by hand in the comments."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bridgework.common.errors import DomainError
from bridgework.graphql_gateway.read.domain.access import Scope
from bridgework.graphql_gateway.read.domain.periods import Period
from bridgework.graphql_gateway.read.domain.planned_changes import (
    ChangeRecord,
    DepartmentEngagement,
    EngagementRow,
    LinkedIncident,
    calendar,
    engagement_state,
    harm_that_followed,
    may_see_change,
    proactive_window,
    standings,
)
from tests.gateway_change_factories import NOW, RECORDED, at, cid, iid

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


def record(letter: str, owner: str, affected: tuple[str, ...], planned: datetime,
           went: datetime | None = None, mode: str | None = None) -> ChangeRecord:  # fmt: skip
    return ChangeRecord(
        change_id=cid(letter), title=letter, kind="control", department=owner,
        owner_department=owner, affected_departments=affected, planned_go_live=planned,
        recorded_at=RECORDED, went_live_at=went, response_mode=mode, engagements=(),
    )  # fmt: skip


CHANGES = [
    record("A", "it", ("finance", "hr"), at(11, 3), at(11, 3), "with"),
    record("B", "it", ("finance",), at(11, 10), at(11, 10), "to"),
    record("C", "it", ("hr",), at(11, 20), at(11, 20), "for"),
    record("D", "hr", ("finance",), at(10, 15), at(10, 15), "not"),
    record("E", "it", ("estates",), at(11, 25), at(11, 25), None),
    record("F", "it", ("finance", "hr"), at(12, 10)),
    record("G", "estates", ("it",), at(11, 28)),
    record("H", "it", ("finance",), at(6, 1, year=2027)),
]
INCIDENTS = [
    LinkedIncident(cid("A"), iid(1), at(11, 5)),  # 2 days after A's go-live: counts
    LinkedIncident(cid("A"), iid(2), at(11, 1)),  # before A's go-live: not harm that followed
    LinkedIncident(cid("B"), iid(3), at(2, 8, year=2027)),  # exactly 90 days after: counts
    LinkedIncident(cid("B"), iid(4), at(2, 8, year=2027) + timedelta(seconds=1)),  # too late
    LinkedIncident(cid("B"), iid(5), at(11, 11)),  # counts
    LinkedIncident(cid("D"), iid(6), at(10, 20)),  # D went live in October: outside the period
    LinkedIncident(cid("E"), iid(7), at(11, 26)),  # counts, for the undecided
]


def test_the_proactive_window_counts_changes_live_in_the_period_by_mode() -> None:
    # A, B, C, E went live in November; D in October; F, G, H are not live.
    assert dict(proactive_window(CHANGES, NOVEMBER)) == {
        "with": 1, "to": 1, "for": 1, "not": 0, "undecided": 1,
    }  # fmt: skip


def test_the_harm_that_followed_counts_incidents_within_90_days_per_mode() -> None:
    rows = {
        r.response_mode: r for r in harm_that_followed(CHANGES, INCIDENTS, period=NOVEMBER, now=NOW)
    }
    # with: A and i1; to: B with i3 (day 90, included) and i5; for: C, nothing; not: D is
    # outside the period; undecided: E with i7. Every window is open on 2 December.
    assert {m: (r.changes, r.incidents, r.incidents_per_change, r.windows_open) for m, r in rows.items()} == {
        "with": (1, 1, 1.0, 1),
        "to": (1, 2, 2.0, 1),
        "for": (1, 0, 0.0, 1),
        "not": (0, 0, None, 0),
        "undecided": (1, 1, 1.0, 1),
    }  # fmt: skip


def test_a_window_closes_90_days_after_go_live() -> None:
    # B went live 10 November 09:00; 90 days later is 8 February 2027 09:00.
    later = at(2, 8, year=2027)
    rows = {
        r.response_mode: r
        for r in harm_that_followed(CHANGES, INCIDENTS, period=NOVEMBER, now=later)
    }
    assert rows["to"].windows_open == 0  # at 8 Feb 09:00 B's window has ended
    assert rows["for"].windows_open == 1  # C (20 Nov) still open


def test_the_calendar_lists_changes_not_live_within_the_horizon_overdue_first() -> None:
    # G's planned day (28 Nov) passed without a go-live: first; F on 10 Dec; H beyond 90 days.
    assert [c.title for c in calendar(CHANGES, now=NOW, days=90)] == ["G", "F"]
    assert [c.title for c in calendar(CHANGES, now=NOW, days=366)] == ["G", "F", "H"]
    with pytest.raises(DomainError) as refused:
        calendar(CHANGES, now=NOW, days=0)
    assert refused.value.field == "days"


def test_a_department_stands_by_its_word_on_the_current_proposal() -> None:
    rows = [
        EngagementRow("finance", engaged=True, decision="consented", decision_version=2),
        EngagementRow("hr", engaged=True, decision="objected", decision_version=1),
    ]
    # hr objected to version 1, version 2 is current: it has yet to speak, so engaged;
    # estates never took part: told.
    found = standings(["hr", "finance", "estates"], rows, current_version=2)
    assert found == (
        DepartmentEngagement("estates", "told"),
        DepartmentEngagement("finance", "consented"),
        DepartmentEngagement("hr", "engaged"),
    )
    assert engagement_state(found) == "engaging"
    assert engagement_state(standings(["hr"], rows, current_version=1)) == "objected"
    assert engagement_state(standings(["finance"], rows, current_version=2)) == "consented"
    assert engagement_state(standings(["estates"], rows, current_version=2)) == "not_engaged"


def test_a_change_is_seen_by_the_change_team_and_the_departments_it_concerns() -> None:
    a = CHANGES[0]  # it -> finance, hr
    assert may_see_change(Scope(everything=True, department=None, person_id="p"), a)
    for department, seen in (("it", True), ("finance", True), ("hr", True), ("estates", False)):
        assert (
            may_see_change(Scope(everything=False, department=department, person_id="p"), a) is seen
        )
    assert not may_see_change(Scope(everything=False, department=None, person_id="p"), a)
