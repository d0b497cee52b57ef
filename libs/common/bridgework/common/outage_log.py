"""A Kafka outage logged calmly: once when it starts, at intervals while it lasts, once at its end.

aiokafka logs every failed connect, metadata refresh and produce retry at WARNING or ERROR,
several times a second per client: a 7.7 s broker restart wrote 47,625 lines (issue 12).
`OutageFilter`, on the root handlers, turns that into one WARNING when the broker becomes
unreachable, one WARNING every `interval_seconds` while it stays so (with how many lines it
held back and the last of them), and one INFO when the runtime sees it answer again
(`broker_reachable`, called by `kafka_side.py`). Other lines pass untouched.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from aiokafka.errors import KafkaConnectionError, KafkaError, NodeNotReadyError

logger = logging.getLogger(__name__)

# What aiokafka says when it cannot reach a broker at all (client.py, conn.py).
UNREACHABLE_PHRASES = (
    "Unable connect to",
    "Unable to bootstrap",
    "Unable to update metadata",
    "Unable to request metadata",
    "Connection lost",
    "connection was closed",
    "KafkaConnectionError",
)
_DECIDED = "_bridgework_outage_passes"


def _kafka_error(record: logging.LogRecord) -> type[BaseException] | None:
    if record.exc_info and record.exc_info[0] is not None:
        return record.exc_info[0]
    return None


def signals_unreachable(record: logging.LogRecord) -> bool:
    """Does this line say the cluster cannot be reached (rather than a routine hiccup)?"""
    error = _kafka_error(record)
    if error is not None and issubclass(error, (KafkaConnectionError, NodeNotReadyError)):
        return True
    if not record.name.startswith("aiokafka") or record.levelno < logging.WARNING:
        return False
    message = record.getMessage()
    return any(phrase in message for phrase in UNREACHABLE_PHRASES)


def is_kafka_noise(record: logging.LogRecord) -> bool:
    """A line an outage repeats: aiokafka's warnings and errors, or a Kafka error's traceback."""
    if record.name.startswith("aiokafka") and record.levelno >= logging.WARNING:
        return True
    error = _kafka_error(record)
    return error is not None and issubclass(error, KafkaError)


class OutageLog:
    """The state of one process's view of the broker, shared by every handler's filter."""

    def __init__(
        self, *, interval_seconds: float = 60.0, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval_seconds = interval_seconds
        self._now = now
        self._lock = threading.Lock()
        self.since: float | None = None
        self._reported_at = 0.0
        self._held_back = 0
        self._last_line = ""
        self._held_at = 0.0

    @property
    def active(self) -> bool:
        return self.since is not None

    def passes(self, record: logging.LogRecord) -> bool:
        """Whether `record` is written; starts an outage, counts and summarises as it goes."""
        if record.name == __name__:
            return True
        with self._lock:
            if not self.active:
                if not signals_unreachable(record):
                    return True
                self.since = self._reported_at = self._now()
                self._held_back, self._last_line = 0, ""
                first = record.getMessage()
            elif is_kafka_noise(record):
                self._held_back += 1
                self._last_line = record.getMessage()
                self._held_at = self._now()
                return False
            else:
                return True
        logger.warning(
            "Kafka unreachable (%s); further Kafka errors are summarised every %.0fs",
            first,
            self.interval_seconds,
        )
        return False

    def tick(self) -> None:
        """Write the summary line if one is due (called on each held-back line and by the runtime)."""
        with self._lock:
            if self.since is None or self._now() - self._reported_at < self.interval_seconds:
                return
            now = self._now()
            lasted, held, last = now - self.since, self._held_back, self._last_line
            self._reported_at, self._held_back = now, 0
        logger.warning(
            "Kafka still unreachable after %.0fs; %d lines held back since the last report"
            " (last: %s)",
            lasted,
            held,
            last or "none",
        )

    def broker_reachable(self, *, quiet_seconds: float = 0.0) -> None:
        """The broker answered: end the outage, if there was one, with one INFO line, once
        the clients have said nothing for `quiet_seconds` (they rediscover the coordinator
        and the partition leaders for a second or so after the broker is back)."""
        with self._lock:
            now = self._now()
            if self.since is None or now - self._held_at < quiet_seconds:
                return
            lasted, held = now - self.since, self._held_back
            self.since = None
            self._held_back = 0
        logger.info("Kafka reachable again after %.0fs; %d lines held back", lasted, held)


class OutageFilter(logging.Filter):
    """A handler filter over the process's `OutageLog`; decides each record once."""

    def __init__(self, outage: OutageLog) -> None:
        super().__init__()
        self.outage = outage

    def filter(self, record: logging.LogRecord) -> bool:
        decided: bool | None = getattr(record, _DECIDED, None)
        if decided is None:
            decided = self.outage.passes(record)
            setattr(record, _DECIDED, decided)
            if not decided:
                self.outage.tick()
        return decided


OUTAGE = OutageLog()


def install_outage_log(outage: OutageLog = OUTAGE) -> None:
    """Put the outage filter on every root handler (once each); call after handlers are set."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(existing, OutageFilter) for existing in handler.filters):
            handler.addFilter(OutageFilter(outage))


def set_outage_log_interval(seconds: float, outage: OutageLog = OUTAGE) -> None:
    """The summary interval from the service's settings (`BRIDGEWORK_OUTAGE_LOG_INTERVAL_SECONDS`)."""
    outage.interval_seconds = seconds
