"""A clock running at another clock's pace, shifted by an offset that only grows."""

from __future__ import annotations

from datetime import datetime, timedelta

from bridgework.common.clock import Clock
from bridgework.common.errors import DomainError


class TravellingClock:
    """Another clock, shifted by an offset that only grows.

    `start` is the offset before any replica stored one: negative runs the service in the
    past (a demo's year of history), zero runs it at the wall clock's time.
    """

    def __init__(self, base: Clock, start: timedelta = timedelta(0)) -> None:
        self._base = base
        self.start = start
        self.offset = start

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
