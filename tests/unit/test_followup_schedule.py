"""Which timers a repair's events set, move and cancel, and what each does when it falls due."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from bridgework.common.contracts import ParticipantRole, RepairEvent
from bridgework.followup.domain.firing import fire
from bridgework.followup.domain.nudge_policy import PolicyOf
from bridgework.followup.domain.repair_plan import RepairPlan, first_timers
from bridgework.followup.domain.schedule import (
    Cancellation,
    Commitment,
    CommitmentStatus,
    Timer,
    TimerKind,
    TrackedRepair,
)
from tests.factories import repair_opened, sealed
from tests.followup_factories import (
    AFFECTED,
    FACILITATOR,
    MONDAY,
    OWNER,
    agreement_reached,
    closed,
    joined,
    kept,
    policy,
    released,
    renegotiated,
    terms,
)

POLICY_OF = PolicyOf(policy(), {})


def plan_of(*events: RepairEvent, now: datetime = MONDAY) -> RepairPlan:
    plan = RepairPlan(events[0].repair_id, None, [], {})
    for event in events:
        plan.apply(event, now=now, policy_of=POLICY_OF)
    return plan


def kinds(plan: RepairPlan) -> dict[TimerKind, datetime]:
    return {t.kind: t.fire_at for t in plan.new_timers.values()}


def test_an_agreement_sets_a_reminder_before_the_due_date_and_a_lapse_check_at_it() -> None:
    opened = repair_opened(opened_at=MONDAY)
    promise = terms(due_at=MONDAY + timedelta(days=7))

    plan = plan_of(opened, agreement_reached(opened.repair_id, [promise]))

    # Two days before Monday 9 November, 09:30 is a Saturday: the reminder comes on Friday.
    assert kinds(plan) == {
        TimerKind.REMINDER: datetime(2026, 11, 6, 9, 30, tzinfo=UTC),
        TimerKind.LAPSE: promise.due_at,
    }


def test_a_reminder_falling_in_the_weekend_goes_out_on_friday_morning() -> None:
    promise = terms(due_at=datetime(2026, 11, 9, 9, 30, tzinfo=UTC))  # Monday

    timers = first_timers(
        Commitment(
            promise.commitment_id,
            uuid4(),
            uuid4(),
            1,
            OWNER,
            (AFFECTED,),
            sealed("x"),
            promise.due_at,
        ),
        decided_at=MONDAY,
        policy=policy(),
    )

    reminder = next(t for t in timers if t.kind == TimerKind.REMINDER)
    assert reminder.fire_at == datetime(2026, 11, 6, 9, 30, tzinfo=UTC)


def test_terms_agreed_after_the_reminder_time_get_no_reminder() -> None:
    opened = repair_opened(opened_at=MONDAY)
    promise = terms(due_at=MONDAY + timedelta(days=1))

    plan = plan_of(opened, agreement_reached(opened.repair_id, [promise]))

    assert set(kinds(plan)) == {TimerKind.LAPSE}


def test_renegotiated_terms_replace_the_timers_of_the_old_terms() -> None:
    opened = repair_opened(opened_at=MONDAY)
    reached = agreement_reached(opened.repair_id, [terms()])
    promise = reached.commitments[0]
    event, new_terms = renegotiated(
        opened.repair_id, reached.agreement_id, promise, due_at=promise.due_at + timedelta(days=14)
    )

    plan = plan_of(opened, reached, event)

    assert {(t.kind, t.terms_version) for t in plan.new_timers.values()} == {
        (TimerKind.REMINDER, 2),
        (TimerKind.LAPSE, 2),
    }
    assert plan.commitments[promise.commitment_id].due_at == new_terms.due_at
    assert Cancellation(opened.repair_id, promise.commitment_id, 2, "new_terms") in (
        plan.cancellations
    )


def test_stale_renegotiation_of_older_terms_changes_nothing() -> None:
    opened = repair_opened(opened_at=MONDAY)
    reached = agreement_reached(opened.repair_id, [terms(terms_version=3)])
    promise = reached.commitments[0]
    older = promise.model_copy(update={"terms_version": 1})
    event, _ = renegotiated(opened.repair_id, reached.agreement_id, older, due_at=MONDAY)

    plan = plan_of(opened, reached, event)

    assert plan.commitments[promise.commitment_id].terms_version == 3


def test_a_kept_commitment_cancels_its_timers_and_brings_the_check_in() -> None:
    opened = repair_opened(opened_at=MONDAY)
    reached = agreement_reached(opened.repair_id, [terms()])
    promise = reached.commitments[0]

    plan = plan_of(
        opened,
        joined(opened.repair_id, AFFECTED, ParticipantRole.AFFECTED),
        reached,
        kept(opened.repair_id, reached.agreement_id, promise, MONDAY + timedelta(days=2)),
    )

    assert plan.commitments[promise.commitment_id].status == CommitmentStatus.KEPT
    assert [(t.kind, t.recipient) for t in plan.new_timers.values()] == [
        (TimerKind.CHECK_IN, AFFECTED)
    ]
    assert next(iter(plan.new_timers.values())).fire_at == MONDAY + timedelta(days=1)


def test_no_check_in_while_one_commitment_is_still_open() -> None:
    opened = repair_opened(opened_at=MONDAY)
    reached = agreement_reached(opened.repair_id, [terms(), terms()])
    first = reached.commitments[0]

    plan = plan_of(opened, reached, kept(opened.repair_id, reached.agreement_id, first, MONDAY))

    assert TimerKind.CHECK_IN not in kinds(plan)


def test_kept_and_released_together_bring_the_check_in_once() -> None:
    opened = repair_opened(opened_at=MONDAY)
    reached = agreement_reached(opened.repair_id, [terms(), terms()])
    first, second = reached.commitments

    plan = plan_of(
        opened,
        joined(opened.repair_id, AFFECTED, ParticipantRole.AFFECTED),
        reached,
        kept(opened.repair_id, reached.agreement_id, first, MONDAY),
        released(opened.repair_id, reached.agreement_id, second),
        kept(opened.repair_id, reached.agreement_id, first, MONDAY),  # a replay, say
    )

    assert [t.kind for t in plan.new_timers.values()] == [TimerKind.CHECK_IN]


def test_without_affected_participants_the_check_in_goes_to_those_owed() -> None:
    opened = repair_opened(opened_at=MONDAY)
    reached = agreement_reached(opened.repair_id, [terms()])

    plan = plan_of(
        opened,
        reached,
        released(opened.repair_id, reached.agreement_id, reached.commitments[0]),
    )

    assert [t.recipient for t in plan.new_timers.values()] == [AFFECTED]


def test_closing_a_repair_cancels_everything_and_sets_nothing_new() -> None:
    opened = repair_opened(opened_at=MONDAY)
    reached = agreement_reached(opened.repair_id, [terms()])

    plan = plan_of(opened, reached, closed(opened.repair_id, MONDAY))

    assert plan.new_timers == {}
    assert Cancellation(opened.repair_id, None, None, "repair_closed") in plan.cancellations
    assert plan.tracked is not None
    assert plan.tracked.closed_at == MONDAY


def test_a_later_agreement_version_that_drops_a_commitment_withdraws_it() -> None:
    opened = repair_opened(opened_at=MONDAY)
    kept_on, dropped = terms(), terms()
    first = agreement_reached(opened.repair_id, [kept_on, dropped])
    second = agreement_reached(
        opened.repair_id, [kept_on], agreement_id=first.agreement_id, version=2
    )

    plan = plan_of(opened, first, second)

    assert plan.commitments[dropped.commitment_id].status == CommitmentStatus.WITHDRAWN
    assert {t.commitment_id for t in plan.new_timers.values()} == {kept_on.commitment_id}


# --- firing -------------------------------------------------------------------------------


def commitment(**overrides: object) -> Commitment:
    base = Commitment(
        commitment_id=uuid4(),
        repair_id=uuid4(),
        agreement_id=uuid4(),
        terms_version=1,
        owner=OWNER,
        owed_to=(AFFECTED,),
        action=sealed("Restore USB access"),
        due_at=datetime(2026, 11, 9, 9, 30, tzinfo=UTC),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def timer(c: Commitment, kind: TimerKind, **overrides: object) -> Timer:
    base = Timer(kind, c.repair_id, c.owner, c.due_at, c.commitment_id, c.terms_version)
    return replace(base, **overrides)  # type: ignore[arg-type]


OPEN_REPAIR = TrackedRepair(uuid4(), MONDAY, ("finance", "it"))


def test_the_due_date_passing_unkept_lapses_and_offers_help() -> None:
    c = commitment()

    firing = fire(
        timer(c, TimerKind.LAPSE),
        commitment=c,
        repair=OPEN_REPAIR,
        facilitators=[],
        policy=policy(),
        now=c.due_at,
    )

    assert firing.outcome == "fired"
    assert firing.lapsed == replace(c, lapse_count=1)
    assert [(t.kind, t.fire_at) for t in firing.follow_ups] == [(TimerKind.LAPSE_OFFER, c.due_at)]


def test_a_second_lapse_brings_the_facilitators_support_at_once() -> None:
    c = commitment(lapse_count=1, terms_version=2)

    firing = fire(
        timer(c, TimerKind.LAPSE),
        commitment=c,
        repair=OPEN_REPAIR,
        facilitators=[],
        policy=policy(),
        now=c.due_at,
    )

    assert {t.kind for t in firing.follow_ups} == {
        TimerKind.LAPSE_OFFER,
        TimerKind.FACILITATOR_SUPPORT,
    }


def test_an_unanswered_offer_repeats_then_brings_the_facilitators_support() -> None:
    c = commitment(lapse_count=1)
    first = timer(c, TimerKind.LAPSE_OFFER, sequence=0)
    at = c.due_at

    repeat = fire(first, commitment=c, repair=OPEN_REPAIR, facilitators=[], policy=policy(), now=at)
    last = fire(
        repeat.follow_ups[0],
        commitment=c,
        repair=OPEN_REPAIR,
        facilitators=[],
        policy=policy(),
        now=at + timedelta(days=3),
    )

    assert [(t.kind, t.sequence, t.fire_at) for t in repeat.follow_ups] == [
        (TimerKind.LAPSE_OFFER, 1, at + timedelta(days=3))
    ]
    assert [(t.kind, t.fire_at) for t in last.follow_ups] == [
        (TimerKind.FACILITATOR_SUPPORT, at + timedelta(days=6))
    ]


def test_the_facilitators_support_goes_to_the_owner_and_the_facilitator_never_a_manager() -> None:
    c = commitment(lapse_count=2)

    firing = fire(
        timer(c, TimerKind.FACILITATOR_SUPPORT),
        commitment=c,
        repair=OPEN_REPAIR,
        facilitators=[FACILITATOR],
        policy=policy(),
        now=c.due_at,
    )

    assert firing.recipients == (OWNER, FACILITATOR)


def test_a_nudge_due_in_quiet_hours_waits_for_the_morning() -> None:
    c = commitment()
    evening = datetime(2026, 11, 5, 20, 0, tzinfo=UTC)

    firing = fire(
        timer(c, TimerKind.REMINDER, fire_at=evening),
        commitment=c,
        repair=OPEN_REPAIR,
        facilitators=[],
        policy=policy(),
        now=evening,
    )

    assert (firing.outcome, firing.fire_at) == ("later", datetime(2026, 11, 6, 8, 0, tzinfo=UTC))


def test_the_lapse_itself_is_a_fact_and_ignores_quiet_hours() -> None:
    c = commitment(due_at=datetime(2026, 11, 7, 23, 0, tzinfo=UTC))

    firing = fire(
        timer(c, TimerKind.LAPSE),
        commitment=c,
        repair=OPEN_REPAIR,
        facilitators=[],
        policy=policy(),
        now=c.due_at,
    )

    assert firing.outcome == "fired"
    assert firing.lapsed is not None


def test_a_reminder_found_after_the_due_date_is_skipped() -> None:
    c = commitment()

    firing = fire(
        timer(c, TimerKind.REMINDER),
        commitment=c,
        repair=OPEN_REPAIR,
        facilitators=[],
        policy=policy(),
        now=c.due_at + timedelta(hours=1),
    )

    assert (firing.outcome, firing.note) == ("skipped", "already_due")


def test_a_timer_of_terms_since_changed_or_kept_does_nothing() -> None:
    c = commitment(terms_version=2)
    old = timer(c, TimerKind.LAPSE, terms_version=1)
    done = replace(c, status=CommitmentStatus.KEPT)

    stale = fire(
        old, commitment=c, repair=OPEN_REPAIR, facilitators=[], policy=policy(), now=c.due_at
    )
    settled = fire(
        timer(c, TimerKind.LAPSE),
        commitment=done,
        repair=OPEN_REPAIR,
        facilitators=[],
        policy=policy(),
        now=c.due_at,
    )

    assert stale.outcome == settled.outcome == "skipped"
    assert stale.lapsed is None


def test_nothing_fires_for_a_closed_repair() -> None:
    c = commitment()
    shut = replace(OPEN_REPAIR, closed_at=MONDAY)

    firing = fire(
        timer(c, TimerKind.LAPSE),
        commitment=c,
        repair=shut,
        facilitators=[],
        policy=policy(),
        now=c.due_at,
    )

    assert (firing.outcome, firing.note) == ("skipped", "repair_closed")
