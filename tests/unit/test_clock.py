from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bridgework.common.clock import ManualClock, SystemClock


def test_a_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))

    clock.advance(timedelta(days=3))

    assert clock.now() == datetime(2026, 1, 4, tzinfo=UTC)


def test_time_never_moves_backward() -> None:
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))

    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))


def test_the_system_clock_can_run_ahead_for_a_demo() -> None:
    ahead = SystemClock(offset=timedelta(days=14)).now() - datetime.now(UTC)

    assert timedelta(days=13, hours=23) < ahead <= timedelta(days=14)
