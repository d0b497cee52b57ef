"""Traces: OpenTelemetry spans, W3C trace context through HTTP and Kafka headers.

Spans are recorded (OpenTelemetry's SDK) and exported over OTLP/HTTP only when
`OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) is set. Otherwise a process keeps
trace *ids* only (`IdsOnlyTracerProvider`): a request or batch continues its caller's trace
or starts one with a random id, so the logs and the records it writes carry it, for a
fifth of what a recorded span costs (docs/observability.md). The context travels as
`traceparent`/`tracestate` only: W3C baggage is neither read nor sent, because a caller
could put anything (a person's name) into it.

Where a span starts:
- an HTTP request (common's middleware, http_observability.py), continuing the caller's
  `traceparent`;
- a fetched batch (common's consumer): a batch whose records are all of one trace (one
  record; the events of one transaction) continues it; a batch of several traces starts
  its own, linked to its records' contexts (OpenTelemetry's messaging conventions), and
  the events it writes carry that batch's context;
- publishing one relayed record, only while exporting (outbox.py): otherwise the record
  carries the context of what wrote it (a request, a batch) straight on.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Link, NonRecordingSpan, Span, SpanContext, SpanKind, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import Attributes

TRACE_HEADERS = ("traceparent", "tracestate")
_TRACE_HEADER_NAMES = frozenset(TRACE_HEADERS)
# A span's links are kept in memory until it ends, and a batch holds up to 500 records:
# enough to find the records' traces from a batch, bounded per batch.
MAX_LINKS = 32

PROPAGATOR = TraceContextTextMapPropagator()
tracer = trace.get_tracer("bridgework")
_exporting = False


def exporting() -> bool:
    """Whether spans leave the process (only then is a span per relayed record worth it)."""
    return _exporting


def export_endpoint_configured(environ: Mapping[str, str] = os.environ) -> bool:
    return bool(
        environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    )


class IdsOnlyTracer(trace.NoOpTracer):
    """Records nothing; a span without a parent gets fresh random ids (sampled, so a service
    that does export keeps its part of the trace), one with a parent is the parent's own."""

    def start_span(
        self,
        name: str,
        context: Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> Span:
        parent = trace.get_current_span(context)
        if parent.get_span_context().is_valid:
            return parent
        return NonRecordingSpan(
            SpanContext(
                trace_id=random.getrandbits(128) or 1,
                span_id=random.getrandbits(64) or 1,
                is_remote=False,
                trace_flags=TraceFlags(TraceFlags.SAMPLED),
            )
        )


class IdsOnlyTracerProvider(trace.NoOpTracerProvider):
    def get_tracer(self, *_: Any, **__: Any) -> trace.Tracer:
        return IdsOnlyTracer()


def configure_tracing(
    service: str, *, exporter: SpanExporter | None = None
) -> trace.TracerProvider:
    """Install the tracer provider for this process, named `service`.

    `exporter` (tests) or OTLP/HTTP when the endpoint is configured; the exporter reads the
    standard `OTEL_EXPORTER_OTLP_*` settings (headers, timeout, certificate) itself.
    """
    global _exporting
    if exporter is None and export_endpoint_configured():
        # Imported only when used: the exporter brings requests and protobuf along.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    provider: trace.TracerProvider
    if exporter is None:
        provider = IdsOnlyTracerProvider()
    else:
        provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
        provider.add_span_processor(BatchSpanProcessor(exporter))
        _exporting = True
    trace.set_tracer_provider(provider)
    return provider


def context_from(carrier: Mapping[str, str]) -> Context | None:
    """The remote context a `traceparent` in `carrier` names, or None."""
    if "traceparent" not in carrier:
        return None
    context = PROPAGATOR.extract(carrier)
    return context if trace.get_current_span(context).get_span_context().is_valid else None


def record_context(headers: Sequence[tuple[str, bytes | None]] | None) -> Context | None:
    """The trace context a Kafka record's headers carry, or None."""
    carrier = {
        name: value.decode(errors="replace")
        for name, value in headers or ()
        if name in _TRACE_HEADER_NAMES and value is not None
    }
    return context_from(carrier)


def current_trace_headers() -> dict[str, str] | None:
    """The current span's context as W3C headers, or None outside any trace."""
    carrier: dict[str, str] = {}
    PROPAGATOR.inject(carrier)
    return carrier or None


def trace_headers_of(span: Span) -> dict[str, str]:
    carrier: dict[str, str] = {}
    PROPAGATOR.inject(carrier, context=trace.set_span_in_context(span))
    return carrier


def _traceparent(record: Any) -> bytes | None:
    for name, value in record.headers or ():
        if name == "traceparent":
            return value  # type: ignore[no-any-return]
    return None


@contextmanager
def consuming(consumer: str, records: Sequence[Any]) -> Iterator[Span]:
    """The span of one fetched batch: a child of its records' trace when they are all of
    one (a batch of one; the events one transaction wrote), else linked to their traces."""
    parent: Context | None = None
    links: list[Link] = []
    traced = [(record, tp) for record in records if (tp := _traceparent(record))]
    # version "00-", then the trace id: compared as bytes, parsed only once below.
    if len({tp[3:35] for _, tp in traced}) == 1:
        parent = record_context(traced[0][0].headers)
    elif _exporting:  # links are only worth their parsing where spans are kept
        for record, _ in traced[:MAX_LINKS]:
            context = record_context(record.headers)
            if context is not None:
                links.append(Link(trace.get_current_span(context).get_span_context()))
    # One consumer may read several topics (the gateway's projection): then it names the span.
    topics = sorted({record.topic for record in records})
    with tracer.start_as_current_span(
        f"{topics[0] if len(topics) == 1 else consumer} process",
        context=parent,
        kind=SpanKind.CONSUMER,
        links=links,
        record_exception=False,  # an exception's message may quote an event's content
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "process",
            "messaging.consumer.group.name": consumer,
            "bridgework.topics": topics,
            "messaging.batch.message_count": len(records),
        },
    ) as span:
        yield span


def publishing_span(topic: str, parent: Mapping[str, str] | None) -> Span:
    """A span for publishing one record, child of the context its outbox row stored (now in
    the record's headers)."""
    context = context_from(parent) if parent else None
    return tracer.start_span(
        f"{topic} publish",
        context=context or Context(),
        kind=SpanKind.PRODUCER,
        attributes={"messaging.system": "kafka", "messaging.destination.name": topic},
    )
