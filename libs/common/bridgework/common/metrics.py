"""Every Prometheus metric a Bridgework service exports, defined once (docs/observability.md).

Labels are bounded on purpose: a route's template (never the raw path), a status code, a
consumer's name, a topic and partition, a channel, an outcome. Never a person, a token, an
id or a client-chosen name: each label value is a time series kept for as long as the
process lives. deploy/observability/ (dashboard and alerts) reads these names, and a unit
test holds them to this module.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.exposition import generate_latest

# A `_created` series per counter and histogram doubles what a scrape carries, for a
# timestamp Prometheus does not use.
disable_created_metrics()  # type: ignore[no-untyped-call]

# Seconds. A request is milliseconds; the tail up to 10 s is what an alert needs to see.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUEST_SECONDS = Histogram(
    "bridgework_http_request_duration_seconds",
    "Time from a request's first byte to its answer's last, by route template and status.",
    ["service", "method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
GRAPHQL_OPERATION_SECONDS = Histogram(
    "bridgework_graphql_operation_duration_seconds",
    "Time to parse, validate and execute one GraphQL query or mutation (operation: query,"
    " mutation, unparsed, unknown), by outcome (ok, error).",
    ["operation", "outcome"],
    buckets=LATENCY_BUCKETS,
)
EVENTS_APPLIED = Counter(
    "bridgework_consumer_events_applied",
    "Events (or raw records) a consumer applied for the first time.",
    ["consumer"],
)
EVENTS_DEAD_LETTERED = Counter(
    "bridgework_consumer_events_dead_lettered",
    "Records a consumer sent to the dead-letter topic, by reason.",
    ["consumer", "reason"],
)
CONSUMER_LAG = Gauge(
    "bridgework_consumer_lag_records",
    "Records on a partition not yet consumed: high watermark minus the next offset to read,"
    " as of the consumer's last batch from that partition.",
    ["consumer", "topic", "partition"],
)
CONSUMER_BATCH_SECONDS = Histogram(
    "bridgework_consumer_batch_duration_seconds",
    "Time to apply one fetched batch, retries and dead letters included.",
    ["consumer"],
    buckets=LATENCY_BUCKETS,
)
OUTBOX_BACKLOG = Gauge(
    "bridgework_outbox_backlog_events",
    "Events stored in the service's outbox and not yet relayed to Kafka (at scrape time).",
    ["service"],
)
OUTBOX_OLDEST_AGE = Gauge(
    "bridgework_outbox_oldest_age_seconds",
    "Age of the oldest event waiting in the outbox; 0 when it is empty (at scrape time).",
    ["service"],
)
OUTBOX_RELAYED = Counter(
    "bridgework_outbox_events_relayed",
    "Events the outbox relay published to Kafka (acknowledged by every in-sync replica).",
    ["service"],
)
NUDGE_DELIVERIES = Counter(
    "bridgework_nudge_deliveries",
    "Nudge delivery attempts by channel and outcome: sent, retrying, failed (for good),"
    " cancelled (nothing left to say).",
    ["channel", "outcome"],
)
TIMERS_FIRED = Counter(
    "bridgework_timers_fired",
    "Follow-up timers the scheduler fired (not those it skipped or postponed).",
)
TIMERS_DUE = Gauge(
    "bridgework_timers_due",
    "Timers due at the scheduler's last look, up to one batch: at the batch size, it is behind.",
)


def exposition() -> tuple[bytes, str]:
    """The registry in Prometheus' text format, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
