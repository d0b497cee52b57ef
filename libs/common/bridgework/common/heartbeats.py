"""Heartbeats of a service's background loops: what `/health/live` judges the process by.

A loop that goes round on its own (the outbox relay, a scheduler, a listener) beats each
time round and is stuck when it has not beaten within its period plus the allowed stall.
Work that runs on demand (a consumer's batch) is idle between batches, which is fine; it
is stuck when one piece of work has run for longer than the allowed stall.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from faststream import BaseMiddleware

# Generous: a batch retrying through a short database outage is working, not stuck.
DEFAULT_STALL_SECONDS = 600.0
Now = Callable[[], float]


@dataclass
class Heartbeat:
    """One loop's last sign of life. `period_seconds` None: on-demand work (see `busy`)."""

    name: str
    period_seconds: float | None
    stall_seconds: float
    now: Now = time.monotonic
    last_beat: float = field(init=False)
    _busy_since: dict[int, float] = field(init=False, default_factory=dict)
    _tokens: Iterator[int] = field(init=False, default_factory=itertools.count)

    def __post_init__(self) -> None:
        self.last_beat = self.now()

    def beat(self) -> None:
        """The loop went round."""
        self.last_beat = self.now()

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Around one piece of on-demand work: stuck if it outlasts the allowed stall."""
        token = next(self._tokens)
        self._busy_since[token] = self.now()
        try:
            yield
        finally:
            del self._busy_since[token]
            self.beat()

    def stuck_for(self) -> float:
        """Seconds past what is allowed (0.0: alive)."""
        now = self.now()
        if self.period_seconds is None:
            oldest = min(self._busy_since.values(), default=now)
            return max(0.0, now - oldest - self.stall_seconds)
        return max(0.0, now - self.last_beat - self.period_seconds - self.stall_seconds)


@dataclass
class Heartbeats:
    """Every loop's heartbeat in one process; `/health/live` fails if any is stuck."""

    stall_seconds: float = DEFAULT_STALL_SECONDS
    now: Now = time.monotonic
    beats: dict[str, Heartbeat] = field(default_factory=dict)

    def periodic(self, name: str, *, every_seconds: float) -> Heartbeat:
        """A loop that goes round at least every `every_seconds`, busy or not."""
        return self._register(name, every_seconds)

    def on_demand(self, name: str) -> Heartbeat:
        """Work that runs when there is some: only a piece that never ends is stuck."""
        return self._register(name, None)

    def _register(self, name: str, period: float | None) -> Heartbeat:
        heartbeat = Heartbeat(name, period, self.stall_seconds, self.now)
        self.beats[name] = heartbeat
        return heartbeat

    def report(self) -> dict[str, dict[str, Any]]:
        """Per loop: alive or stuck, and for how long past its allowance."""
        report: dict[str, dict[str, Any]] = {}
        for name, heartbeat in self.beats.items():
            overdue = heartbeat.stuck_for()
            report[name] = {"status": "stuck" if overdue else "ok", "overdue_seconds": overdue}
        return report

    def all_alive(self) -> bool:
        return not any(heartbeat.stuck_for() for heartbeat in self.beats.values())


class ConsumerHeartbeat(BaseMiddleware):
    """A broker middleware: each fetched batch, while it is handled, is a consumer's busy work.

    Built per message by FastStream; `for_heartbeat` binds it to the runtime's heartbeat.
    """

    heartbeat: Heartbeat

    async def consume_scope(self, call_next: Any, msg: Any) -> Any:
        with self.heartbeat.busy():
            return await call_next(msg)

    @classmethod
    def for_heartbeat(cls, heartbeat: Heartbeat) -> type[ConsumerHeartbeat]:
        return type("BoundConsumerHeartbeat", (cls,), {"heartbeat": heartbeat})
