"""The demo year's story and its pieces (deploy/local/demo/), without the services: the
e2e test tests/e2e/test_demo_year.py plays it against them."""

from __future__ import annotations

import importlib
import sys
from collections import Counter
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _demo(module: str) -> ModuleType:
    # The seeder is a script beside its package (deploy/local/demo/), not an installed one.
    if str(ROOT / "deploy" / "local") not in sys.path:
        sys.path.insert(0, str(ROOT / "deploy" / "local"))
    return importlib.import_module(f"demo.{module}")


story = _demo("story")


def _told(plans: list[Any]) -> list[tuple[Any, ...]]:
    return [(p.day, p.reporter, p.category, p.fate, p.keepings, p.confirms) for p in plans]


def test_the_same_seed_tells_the_same_year_and_another_seed_another() -> None:
    assert _told(story.year(seed=7, scale=0.5)) == _told(story.year(seed=7, scale=0.5))
    assert _told(story.year(seed=7, scale=0.5)) != _told(story.year(seed=8, scale=0.5))


def test_the_full_year_is_a_few_hundred_incidents_across_the_six_departments() -> None:
    plans = story.year()

    assert 250 <= len(plans) <= 350
    assert {p.reporter for p in plans} == set(story.DEPARTMENTS)
    assert all(0 <= p.day < story.YEAR_DAYS for p in plans)


def test_a_reduced_year_still_has_every_ending_and_every_kind_of_keeping() -> None:
    plans = story.year(scale=0.3)
    keepings = Counter(k for p in plans for k in p.keepings)
    asked = [p.confirms for p in plans if p.keepings]

    assert {p.fate for p in plans} == set(story.Fate)
    assert set(keepings) == set(story.Keeping)
    assert True in asked
    assert False in asked


def test_each_repair_has_an_affected_person_of_its_own_so_a_check_in_names_it() -> None:
    plans = story.year()

    assert len({p.affected.person_id for p in plans}) == len(plans)


def test_shadow_it_falls_between_the_pairs_that_mend_and_not_elsewhere() -> None:
    plans = story.year()

    def halves(a: str, b: str) -> tuple[int, int]:
        days = [
            p.day
            for p in plans
            if p.category == "shadow_it"
            and {p.responsible.department, p.affected.department} == {a, b}
        ]
        return sum(d < 150 for d in days), sum(d >= 215 for d in days)

    for pair in (("it", "marketing"), ("it", "finance")):
        early, late = halves(*pair)
        assert early > 3 * late, (pair, early, late)
    early, late = halves("it", "hr")
    assert late * 2 >= early  # strained: it keeps coming


def test_a_renegotiated_commitment_lapses_first_and_is_kept_by_its_new_date() -> None:
    walks = _demo("walks")
    plan = next(
        p
        for p in story.year()
        if p.fate == story.Fate.WITH and p.keepings[0] == story.Keeping.RENEGOTIATED
    )
    walk = walks.Walk(
        plan=plan, incident_id="i", calls=None, origin=datetime(2025, 12, 3, tzinfo=UTC)
    )
    agreed = plan.day + 3
    due = walks._due_day(agreed, 0)
    days = [day for day, _ in walk.steps]

    # gather, agree, renegotiate after the due date (follow-up reports the lapse), keep
    assert days[:2] == [plan.day + 1, agreed]
    assert due < days[2] < days[3] < due + 19


def test_a_commitment_left_lapsed_on_a_strained_pair_closes_its_repair_unrepaired() -> None:
    walks = _demo("walks")
    plans = story.year()
    abandoned = [p for p in plans if story.Keeping.ABANDONED in p.keepings]
    assert abandoned
    # Only on the pairs that do not mend; elsewhere a lapse is renegotiated.
    assert all({p.responsible.department, p.affected.department} == {"hr", "it"} for p in abandoned)
    assert any(story.Keeping.RENEGOTIATED in p.keepings for p in plans)
    plan = abandoned[0]
    walk = walks.Walk(
        plan=plan, incident_id="i", calls=None, origin=datetime(2025, 12, 3, tzinfo=UTC)
    )
    # The day the terms are settled, by how the repair goes (walks._steps).
    settled = {story.Fate.DECLINED_THEN_WITH: 6, story.Fate.FOR: 8}.get(plan.fate, 3)
    last_due = walks._due_day(plan.day + settled, len(plan.keepings) - 1)
    assert [day for day, _ in walk.steps][-1] == last_due + 30  # closed last


def test_check_in_links_are_read_from_the_mail_sink_once(tmp_path: Path) -> None:
    mail = _demo("mail")
    (tmp_path / "new").mkdir()
    message = EmailMessage()
    message["To"] = "p-fin-0105 <p-fin-0105@example.org>"
    message["Subject"] = "Were things made right?"
    message.set_content("Answer here:\nhttp://127.0.0.1:8003/v1/check-ins/eyJjIjoxfQ.c2ln\n")
    (tmp_path / "new" / "1.mail").write_bytes(message.as_bytes())
    box = mail.Mailbox(tmp_path)

    first, second = box.new_check_ins(), box.new_check_ins()

    assert first == [
        mail.CheckInMail(
            person_id="p-fin-0105", token="eyJjIjoxfQ.c2ln", subject="Were things made right?"
        )
    ]
    assert second == []


def test_mail_already_in_the_sink_when_seeding_starts_is_not_answered(tmp_path: Path) -> None:
    mail = _demo("mail")
    (tmp_path / "new").mkdir()

    def arrives(name: str, token: str) -> None:
        message = EmailMessage()
        message["To"] = "p-fin-0105 <p-fin-0105@example.org>"
        message.set_content(f"Answer here:\nhttp://127.0.0.1:8003/v1/check-ins/{token}\n")
        (tmp_path / "new" / name).write_bytes(message.as_bytes())

    arrives("1.mail", "b2xk.c2ln")  # an earlier year's, its check-in long gone
    box = mail.Mailbox.from_now(tmp_path)
    arrives("2.mail", "bmV3.c2ln")

    assert [m.token for m in box.new_check_ins()] == ["bmV3.c2ln"]
    assert mail.Mailbox.from_now(tmp_path / "nothing-yet").new_check_ins() == []


def test_facilitators_never_take_part_on_a_side_of_a_repair() -> None:
    plans = story.year(scale=2)
    facilitators = {p.person_id for p in (story.Person(*f) for f in story.FACILITATORS)}

    assert not facilitators & {p.responsible.person_id for p in plans}
    assert not facilitators & {p.affected.person_id for p in plans}


def test_the_seeder_lands_its_clocks_mid_morning_whatever_the_hour_it_starts() -> None:
    seeding = _demo("seeding")
    evening = datetime(2025, 12, 3, 18, 30, tzinfo=UTC)
    morning = datetime(2025, 12, 3, 7, 15, tzinfo=UTC)
    assert evening + seeding.to_step_time(evening) == datetime(2025, 12, 4, 10, 0, tzinfo=UTC)
    assert morning + seeding.to_step_time(morning) == datetime(2025, 12, 3, 10, 0, tzinfo=UTC)
    on_time = datetime(2025, 12, 3, 10, 0, tzinfo=UTC)
    assert seeding.to_step_time(on_time).total_seconds() == 0


# --- planned changes (issue 14) ------------------------------------------------------------

change_story = _demo("change_story")
Approach = change_story.Approach


def _changes_told(plans: list[Any]) -> list[tuple[Any, ...]]:
    return [
        (c.reference, c.approach, c.kind, c.affected, c.recorded_day, c.go_live_day, _told(c.harms))
        for c in plans
    ]


def test_the_same_seed_plans_the_same_changes_and_leaves_the_incidents_year_alone() -> None:
    once = change_story.planned_changes(seed=7, scale=0.5)

    assert _changes_told(once) == _changes_told(change_story.planned_changes(seed=7, scale=0.5))
    assert _changes_told(once) != _changes_told(change_story.planned_changes(seed=8, scale=0.5))
    assert _told(story.year(seed=7, scale=0.5)) == _told(story.year(seed=7, scale=0.5))


def test_a_reduced_year_still_has_changes_of_every_mode_and_some_still_to_come() -> None:
    changes = change_story.planned_changes(scale=0.3)
    modes = Counter(c.mode for c in changes if c.approach != Approach.COMING)
    coming = [c for c in changes if c.approach == Approach.COMING]

    assert set(modes) == {"with", "to", "for", "not"}
    assert coming
    assert all(c.recorded_day < story.YEAR_DAYS < c.go_live_day for c in coming)
    assert all(c.go_live_day - c.recorded_day >= 28 for c in changes)
    assert all(c.late_department not in c.affected for c in changes)
    assert all(c.owner.department not in c.affected for c in changes)
    assert len({c.title for c in changes}) == len(changes)  # a check-in's subject names one


def test_imposed_changes_are_followed_by_more_harm_than_changes_made_with_people() -> None:
    for scale in (0.3, 1.0):
        changes = change_story.planned_changes(scale=scale)
        live = [c for c in changes if c.approach != Approach.COMING]

        def per_change(mode: str, live: list[Any] = live) -> float:
            of_mode = [c for c in live if c.mode == mode]
            return sum(len(c.harms) for c in of_mode) / len(of_mode)

        assert per_change("with") < min(per_change("to"), per_change("for"), per_change("not"))
        assert all(len(c.harms) for c in live if c.mode != "with")


def test_harm_names_its_change_and_occurs_within_90_days_of_its_go_live_in_the_year() -> None:
    year = story.year()
    changes = change_story.planned_changes()
    harms = [h for c in changes for h in c.harms]

    for change in changes:
        for harm in change.harms:
            assert change.go_live_day + 1 < harm.day <= change.go_live_day + 80
            assert harm.day < story.YEAR_DAYS - 3
            assert harm.change_ref == {
                "tool": "native",
                "reference": change.reference,
                "department": change.owner.department,
            }
            assert harm.affected.department in (*change.affected, change.late_department)
    everyone = year + harms
    assert len({p.affected.person_id for p in everyone}) == len(everyone)
    assert len({p.reference for p in everyone}) == len(everyone)


def test_a_change_is_engaged_and_agreed_before_it_goes_live_whatever_the_step() -> None:
    change_walks = _demo("change_walks")
    origin = datetime(2025, 12, 3, 10, tzinfo=UTC)
    for change in change_story.planned_changes():
        walk = change_walks.ChangeWalk(plan=change, calls=None, origin=origin)
        days = [day for day, _ in walk.steps]
        assert days[0] == change.recorded_day  # recorded first
        if change.approach == Approach.COMING:
            assert max(days) < story.YEAR_DAYS
            continue
        assert days[-1] == change.go_live_day  # go-live last
        # Steps of up to three days still take every engagement step before go-live.
        assert all(day <= change.go_live_day - 3 for day in days[:-1])


def test_a_harm_incident_tells_intake_which_change_it_followed() -> None:
    seeding = _demo("seeding")
    harm = change_story.planned_changes(scale=0.3)[0].harms[0]
    plain = story.year(scale=0.3)[0]
    origin = datetime(2025, 12, 3, 10, tzinfo=UTC)

    assert seeding._incident(harm, origin)["change_ref"] == harm.change_ref
    assert "change_ref" not in seeding._incident(plain, origin)
