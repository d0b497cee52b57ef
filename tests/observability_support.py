"""What tests of metrics and traces share: the process's spans in memory, metric readings."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from prometheus_client import REGISTRY

from bridgework.common.tracing import configure_tracing

# Once installed, every span of the test process ends here (other tests' batches and relays
# too): the most recent ones are plenty for a test that looks for its own right after.
KEPT_SPANS = 20_000


class RecentSpans(SpanExporter):
    def __init__(self) -> None:
        self.spans: deque[ReadableSpan] = deque(maxlen=KEPT_SPANS)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.spans.extend(spans)
        return SpanExportResult.SUCCESS


_exporter: RecentSpans | None = None


def spans_in_memory() -> RecentSpans:
    """Install the exporter every span of this process ends in (a tracer provider can be set
    once a process: the first call installs it, later calls return the same exporter)."""
    global _exporter
    if _exporter is None:
        _exporter = RecentSpans()
        configure_tracing("tests", exporter=_exporter)
    return _exporter


def finished_spans() -> list[ReadableSpan]:
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    provider.force_flush()
    return list(spans_in_memory().spans)


def sample(name: str, **labels: str) -> float:
    """A metric sample's value now (0 when the series does not exist yet)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0
