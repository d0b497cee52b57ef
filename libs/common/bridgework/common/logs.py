"""One log format for every service, on stderr: JSON lines for a log pipeline, or text.

Every line carries the service, level, logger and message, and when known the request id
(HTTP), the CloudEvent id being consumed and the trace id, so one incident can be followed
across services. The ids come from context variables that common's HTTP middleware and
batch consumer set; nothing else goes in: no bodies, no headers, no variables (they may
carry people's names, addresses or tokens).
"""

from __future__ import annotations

import json
import logging
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Literal

from opentelemetry import trace

from bridgework.common.outage_log import install_outage_log

LogFormat = Literal["json", "text"]

request_id: ContextVar[str | None] = ContextVar("bridgework_request_id", default=None)
event_id: ContextVar[str | None] = ContextVar("bridgework_event_id", default=None)

CONTEXT_FIELDS = ("request_id", "event_id", "trace_id", "span_id")


class ContextFilter(logging.Filter):
    """Puts the service's name and the ids of the work in hand on every record."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.request_id = request_id.get()
        record.event_id = event_id.get()
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            record.trace_id = format(span.trace_id, "032x")
            record.span_id = format(span.span_id, "016x")
        else:
            record.trace_id = record.span_id = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line; the context fields only when they have a value."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": getattr(record, "service", None),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The developer's format: one readable line, the known ids at its end."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(service)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        ids = " ".join(
            f"{name}={value}"
            for name in ("request_id", "event_id", "trace_id")
            if (value := getattr(record, name, None)) is not None
        )
        if not ids:
            return text
        first, newline, rest = text.partition("\n")
        return f"{first} [{ids}]{newline}{rest}"


def log_format_for(chosen: LogFormat | None, *, development_mode: bool) -> LogFormat:
    """JSON unless chosen otherwise; text on a developer's machine, where people read it."""
    if chosen is not None:
        return chosen
    return "text" if development_mode else "json"


def configure_logging(level: str, service: str, log_format: LogFormat = "text") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter(service))
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    # aiokafka reports every routine rebalance at INFO; keep the services' own voice audible.
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    install_outage_log()  # a Kafka outage logged once, at intervals, and at its end


def without_message(error: BaseException) -> str:
    """An exception for a log line: its type and the code's lines, never its message, which
    may quote what it choked on (a person's words, a token)."""
    return f"{type(error).__name__}\n" + "".join(traceback.format_tb(error.__traceback__))
