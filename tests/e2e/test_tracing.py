"""One incident, one trace: from intake's HTTP request through agreements into the gateway's
read model, with the four services as processes exporting their spans over OTLP/HTTP to a
receiver in this test, and writing JSON logs."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.e2e import system as system_module
from tests.e2e.system import System
from tests.factories import submission_json
from tests.gateway_factories import SECRET, bearer, token
from tests.infra import Infrastructure, create_database, delete_topics, drop_database, eventually

pytestmark = pytest.mark.e2e

TRACE_ID = "0123456789abcdef0123456789abcdef"
CALLER_SPAN = "fedcba9876543210"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN}-01"
SERVER, PRODUCER, CONSUMER = 2, 4, 5  # OTLP's span kinds
LOG_DIRS: dict[str, Path] = {}  # the traced system's own log folder, once it has started


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    kind: int
    trace_id: str
    span_id: str
    parent_span_id: str
    topics: tuple[str, ...]  # a consumer's batch: the topics its records came from

    def hops(self) -> list[tuple[str, int, str]]:
        """(service, kind, what): one per topic a batch read, the route of a request."""
        if self.kind == CONSUMER:
            return [(self.service, CONSUMER, topic.split(".")[-1]) for topic in self.topics]
        return [(self.service, self.kind, self.name.split(".")[-1])]


class Receiver(ThreadingHTTPServer):
    """An OTLP/HTTP (protobuf) trace receiver: what a collector would be given."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ReceiveSpans)
        self.spans: list[ReceivedSpan] = []
        self.lock = threading.Lock()

    def of_trace(self, trace_id: str) -> list[ReceivedSpan]:
        with self.lock:
            return [s for s in self.spans if s.trace_id == trace_id]


class ReceiveSpans(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        request = ExportTraceServiceRequest.FromString(body)
        received = []
        for resource_spans in request.resource_spans:
            service = next(
                a.value.string_value
                for a in resource_spans.resource.attributes
                if a.key == "service.name"
            )
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    topics = tuple(
                        value.string_value
                        for a in span.attributes
                        if a.key == "bridgework.topics"
                        for value in a.value.array_value.values
                    )
                    received.append(
                        ReceivedSpan(
                            service,
                            span.name,
                            span.kind,
                            span.trace_id.hex(),
                            span.span_id.hex(),
                            span.parent_span_id.hex(),
                            topics,
                        )
                    )
        with self.server.lock:
            self.server.spans.extend(received)
        answer = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_: Any) -> None:
        """Quiet: the test reads the spans, not the receiver's access log."""


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
async def traced_system(
    infra: Infrastructure, receiver: Receiver, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    """The four services exporting spans to `receiver`, logging JSON."""
    database_url = await create_database(infra)
    namespace = f"trace{uuid4().hex[:8]}"
    system = System.configure(kafka=infra.kafka, database_url=database_url, namespace=namespace)
    for service in system.services.values():
        service.env.update(
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.server_port}",
                "OTEL_BSP_SCHEDULE_DELAY": "100",  # export within a tenth of a second
                "BRIDGEWORK_LOG_FORMAT": "json",
                "BRIDGEWORK_JWT_HS256_SECRET": SECRET,
            }
        )
    try:
        # Log files of their own: other runs append to the shared ones at the same time.
        with pytest.MonkeyPatch.context() as patch:
            LOG_DIRS["logs"] = tmp_path_factory.mktemp("trace-logs")
            patch.setattr(system_module, "LOG_DIR", LOG_DIRS["logs"])
            await system.start()
        yield system
    finally:
        system.stop()
        await drop_database(infra, database_url)
        await delete_topics(infra.kafka, namespace)


def log_lines(name: str) -> list[str]:
    return (LOG_DIRS["logs"] / f"{name}.log").read_text().splitlines()


REPAIRS = "{ repairs(first: 50) { edges { node { id incidents { id } } } } }"


async def test_one_incident_is_one_trace_from_intake_to_the_gateways_read_model(
    traced_system: System, receiver: Receiver
) -> None:
    system = traced_system
    async with httpx.AsyncClient(timeout=10) as client:
        posted = await client.post(
            f"{system.url('intake')}/v1/incidents",
            json=submission_json(summary="Finance lost access to the shared drive"),
            headers={
                "authorization": f"Bearer {system.intake_token('it')}",
                "traceparent": TRACEPARENT,
                "x-request-id": "e2e-trace-1",
            },
        )
        assert posted.status_code == 202, posted.text
        assert posted.headers["x-request-id"] == "e2e-trace-1"
        incident_id = posted.json()["incident_id"]

        async def in_read_model() -> bool:
            answer = await client.post(
                f"{system.url('graphql_gateway')}/graphql",
                json={"query": REPAIRS},
                headers=bearer(token()),
            )
            edges = answer.json()["data"]["repairs"]["edges"]
            return any(i["id"] == incident_id for e in edges for i in e["node"]["incidents"])

        await eventually(in_read_model, timeout=60)

    def hops() -> dict[tuple[str, int, str], ReceivedSpan] | None:
        spans = {hop: s for s in receiver.of_trace(TRACE_ID) for hop in s.hops()}
        wanted = {
            ("intake", SERVER, "POST /v1/incidents"),
            ("intake", PRODUCER, "incidents publish"),
            ("agreements", CONSUMER, "incidents"),
            ("agreements", PRODUCER, "repairs publish"),
            ("gateway", CONSUMER, "incidents"),
            ("gateway", CONSUMER, "repairs"),
            ("followup", CONSUMER, "repairs"),
        }
        return spans if wanted <= spans.keys() else None

    try:
        spans = await eventually(_async(hops), timeout=30)
    except AssertionError as missing:
        raise AssertionError(
            f"hops missing; the trace has {receiver.of_trace(TRACE_ID)}"
        ) from missing

    # Each hop is the child of the one before it: request, publish, consume, publish, consume.
    request = spans[("intake", SERVER, "POST /v1/incidents")]
    assert request.parent_span_id == CALLER_SPAN
    intake_publish = spans[("intake", PRODUCER, "incidents publish")]
    assert intake_publish.parent_span_id == request.span_id
    opening = spans[("agreements", CONSUMER, "incidents")]
    assert opening.parent_span_id == intake_publish.span_id
    agreements_publish = spans[("agreements", PRODUCER, "repairs publish")]
    assert agreements_publish.parent_span_id == opening.span_id
    assert spans[("followup", CONSUMER, "repairs")].parent_span_id == agreements_publish.span_id
    # The gateway's projection reads both topics: the incident and the repair arrive in one
    # batch (the child of the first record's publish) or in two (each its own publish's).
    incident_folded = spans[("gateway", CONSUMER, "incidents")]
    repair_folded = spans[("gateway", CONSUMER, "repairs")]
    if incident_folded == repair_folded:
        assert incident_folded.parent_span_id in (
            intake_publish.span_id,
            agreements_publish.span_id,
        )
    else:
        assert incident_folded.parent_span_id == intake_publish.span_id
        assert repair_folded.parent_span_id == agreements_publish.span_id


async def test_every_service_logs_json_lines_naming_itself(traced_system: System) -> None:
    names = {"intake": "intake", "agreements": "agreements", "followup": "followup",
             "graphql_gateway": "gateway"}  # fmt: skip
    for process, service in names.items():
        lines = [json.loads(line) for line in log_lines(process)]
        assert lines, f"{process} wrote no log line"
        assert {line["service"] for line in lines} == {service}
        assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)


def _async(check: Any) -> Any:
    async def awaited() -> Any:
        return check()

    return awaited
