"""When a nudge may go out: working days, quiet hours, time zones."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from bridgework.followup.domain.nudge_policy import (
    Weekday,
    allows,
    earlier_sending_time,
    is_known_time_zone,
    next_allowed,
    overrides_from_json,
    overrides_to_json,
)
from bridgework.followup.schemas import PolicyOverridesIn
from bridgework.followup.settings import FollowupSettings
from tests.followup_factories import policy

FRIDAY_EVENING = datetime(2026, 11, 6, 19, 0, tzinfo=UTC)
MONDAY_MORNING = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)


def test_a_working_afternoon_allows_a_nudge() -> None:
    assert allows(policy(), datetime(2026, 11, 4, 14, 0, tzinfo=UTC))


def test_quiet_hours_across_midnight_hold_nudges_until_the_morning() -> None:
    tuesday_night = datetime(2026, 11, 3, 23, 15, tzinfo=UTC)

    assert not allows(policy(), tuesday_night)
    assert next_allowed(policy(), tuesday_night) == datetime(2026, 11, 4, 8, 0, tzinfo=UTC)


def test_a_nudge_due_on_friday_evening_waits_for_monday_morning() -> None:
    assert next_allowed(policy(), FRIDAY_EVENING) == MONDAY_MORNING


def test_the_weekend_is_skipped_unless_it_is_a_working_day() -> None:
    saturday_noon = datetime(2026, 11, 7, 12, 0, tzinfo=UTC)
    weekend_too = policy(working_days=frozenset(Weekday))

    assert next_allowed(policy(), saturday_noon) == MONDAY_MORNING
    assert next_allowed(weekend_too, saturday_noon) == saturday_noon


def test_quiet_hours_are_read_in_the_departments_time_zone() -> None:
    # 07:30 UTC is 08:30 in Berlin (CET, UTC+1): allowed there, still quiet in London.
    morning = datetime(2026, 11, 4, 7, 30, tzinfo=UTC)

    assert allows(policy(time_zone="Europe/Berlin"), morning)
    assert not allows(policy(time_zone="Europe/London"), morning)
    assert next_allowed(policy(time_zone="Europe/London"), morning) == datetime(
        2026, 11, 4, 8, 0, tzinfo=UTC
    )


def test_a_lunch_break_inside_the_day_is_quiet_too() -> None:
    lunch = policy(quiet_hours_start=time(12, 0), quiet_hours_end=time(13, 0))

    assert not allows(lunch, datetime(2026, 11, 4, 12, 30, tzinfo=UTC))
    assert next_allowed(lunch, datetime(2026, 11, 4, 12, 30, tzinfo=UTC)) == datetime(
        2026, 11, 4, 13, 0, tzinfo=UTC
    )
    assert allows(lunch, datetime(2026, 11, 4, 23, 0, tzinfo=UTC))


def test_no_quiet_hours_means_any_time_of_a_working_day() -> None:
    always = policy(quiet_hours_start=None, quiet_hours_end=None)

    assert allows(always, datetime(2026, 11, 4, 3, 0, tzinfo=UTC))


def test_a_reminder_that_would_fall_in_the_weekend_comes_on_friday_at_the_same_time() -> None:
    sunday_morning = datetime(2026, 11, 8, 9, 30, tzinfo=UTC)

    assert earlier_sending_time(policy(), sunday_morning) == datetime(
        2026, 11, 6, 9, 30, tzinfo=UTC
    )


def test_a_reminder_that_would_fall_in_quiet_hours_comes_that_morning() -> None:
    wednesday_night = datetime(2026, 11, 4, 21, 0, tzinfo=UTC)

    assert earlier_sending_time(policy(), wednesday_night) == datetime(
        2026, 11, 4, 8, 0, tzinfo=UTC
    )


def test_a_reminder_in_the_small_hours_of_monday_comes_on_friday_morning() -> None:
    monday_small_hours = datetime(2026, 11, 9, 3, 0, tzinfo=UTC)

    assert earlier_sending_time(policy(), monday_small_hours) == datetime(
        2026, 11, 6, 8, 0, tzinfo=UTC
    )


def test_a_reminder_already_in_a_window_keeps_its_time() -> None:
    wednesday = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)

    assert earlier_sending_time(policy(), wednesday) == wednesday


def test_stored_overrides_read_back_as_they_were_set() -> None:
    fields = {
        "lead_time": timedelta(hours=36),
        "quiet_hours_start": time(19, 30),
        "quiet_hours_end": None,
        "working_days": frozenset([Weekday.TUE, Weekday.MON]),
        "time_zone": "Europe/Paris",
    }

    stored = overrides_to_json(fields)

    assert stored["working_days"] == ["mon", "tue"]
    assert stored["lead_time"] == 36 * 3600
    assert overrides_from_json(stored) == fields


def test_an_unknown_time_zone_is_refused() -> None:
    assert not is_known_time_zone("Europe/Atlantis")
    assert is_known_time_zone("Europe/London")
    with pytest.raises(ValidationError, match="unknown time zone"):
        PolicyOverridesIn(time_zone="Europe/Atlantis")
    with pytest.raises(ValidationError, match="unknown time zone"):
        FollowupSettings(nudge_time_zone="Europe/Atlantis")
