"""The demo's time travel: another clock's time plus an offset that only grows.

Only used when `BRIDGEWORK_TIME_TRAVEL=true`. The offset is stored in follow-up's schema, so
a restart keeps the demo's "now" and every replica agrees on it (each takes up the stored
offset before it fires timers). Time only moves forward, as with `ManualClock`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from bridgework.common.errors import DomainError


class _Clock(Protocol):
    def now(self) -> datetime: ...


class TravellingClock:
    """Another clock, shifted by an offset that only grows."""

    def __init__(self, base: _Clock) -> None:
        self._base = base
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return self._base.now() + self.offset

    def take_up(self, stored: timedelta) -> None:
        """Take up the offset stored by any replica (never moving back)."""
        self.offset = max(self.offset, stored)

    def advanced(self, by: timedelta) -> timedelta:
        """The offset after moving time forward by `by`; refuse to move it back."""
        if by <= timedelta(0):
            raise DomainError.invalid("by", "time only moves forward")
        return self.offset + by
