"""Every service's /metrics, request ids, request spans and JSON log lines (no database)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import cast

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind

from bridgework.agreements.app import create_app as create_agreements
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common import logs, tracing
from bridgework.common.clock import SystemClock
from bridgework.common.metrics import OUTBOX_BACKLOG
from bridgework.common.outbox import observe_backlog
from bridgework.common.postgres import Pool
from bridgework.common.service_app import create_service_app
from bridgework.common.settings import ServiceSettings
from bridgework.followup.app import create_app as create_followup
from bridgework.followup.settings import FollowupSettings
from bridgework.graphql_gateway.app import create_app as create_gateway
from bridgework.graphql_gateway.read.entrypoints.graphql.schema import build_schema
from bridgework.graphql_gateway.settings import GatewaySettings
from bridgework.intake.app import create_app as create_intake
from bridgework.intake.settings import IntakeSettings
from tests.observability_support import finished_spans, sample, spans_in_memory

SERVICES: dict[str, Callable[[], FastAPI]] = {
    "intake": lambda: create_intake(IntakeSettings(development_mode=True)),
    "agreements": lambda: create_agreements(AgreementsSettings(development_mode=True)),
    "followup": lambda: create_followup(FollowupSettings(development_mode=True)),
    "gateway": lambda: create_gateway(GatewaySettings(development_mode=True)),
}
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
log = logging.getLogger("bridgework.tests.observability")


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What `log` writes, as the services' JSON handler would write it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter("echo"))
    handler.setFormatter(logs.JsonFormatter())
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        log.removeHandler(handler)


def echo_app() -> FastAPI:
    router = APIRouter()

    @router.post("/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        log.info("looked at a thing")
        return {"thing": thing_id}

    @router.get("/broken")
    async def broken() -> None:
        raise RuntimeError("a bug quoting someone@example.org")

    return create_service_app(
        ServiceSettings(development_mode=True, service_name="echo"),
        clock=SystemClock(),
        title="echo",
        description="echo",
        migrations_package="bridgework.common",
        routers=[router],
    )


def client(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://t")


@pytest.mark.parametrize("service", SERVICES)
async def test_every_service_serves_prometheus_metrics_outside_its_api_document(
    service: str,
) -> None:
    app = SERVICES[service]()
    async with client(app) as http:
        await http.get("/health/live")
        scraped = await http.get("/metrics")
        openapi = (await http.get("/openapi.json")).json()

    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    assert "bridgework_http_request_duration_seconds_bucket{" in scraped.text
    assert "/metrics" not in openapi["paths"]


async def test_latency_is_labelled_by_route_template_never_by_the_raw_path() -> None:
    async with client(echo_app()) as http:
        await http.post("/things/t-81723")
        await http.get("/nowhere/t-81723")
        scraped = (await http.get("/metrics")).text

    assert "t-81723" not in scraped
    assert sample(
        "bridgework_http_request_duration_seconds_count",
        service="echo", method="POST", route="/things/{thing_id}", status="200",
    ) >= 1  # fmt: skip
    assert sample(
        "bridgework_http_request_duration_seconds_count",
        service="echo", method="GET", route="(unmatched)", status="404",
    ) >= 1  # fmt: skip


async def test_a_failing_route_is_counted_as_a_500() -> None:
    labels = {"service": "echo", "method": "GET", "route": "/broken", "status": "500"}
    before = sample("bridgework_http_request_duration_seconds_count", **labels)
    async with client(echo_app()) as http:
        answer = await http.get("/broken")

    assert answer.status_code == 500
    assert sample("bridgework_http_request_duration_seconds_count", **labels) == before + 1


async def test_a_callers_request_id_is_kept_and_echoed_and_carried_by_log_lines(
    log_lines: io.StringIO,
) -> None:
    async with client(echo_app()) as http:
        answer = await http.post(
            "/things/t-1",
            json={"secret": "do-not-log"},
            headers={"x-request-id": "req-42.a", "authorization": "Bearer tok-do-not-log"},
        )

    assert answer.headers["x-request-id"] == "req-42.a"
    line = json.loads(log_lines.getvalue().splitlines()[-1])
    assert line["request_id"] == "req-42.a"
    assert line["message"] == "looked at a thing"
    assert line["service"] == "echo"
    assert line["level"] == "INFO"
    assert "do-not-log" not in log_lines.getvalue()


@pytest.mark.parametrize("given", [None, "someone@example.org", "x" * 65, "a b"])
async def test_a_request_without_a_usable_request_id_gets_a_fresh_one(given: str | None) -> None:
    headers = {"x-request-id": given} if given is not None else {}
    async with client(echo_app()) as http:
        first = await http.post("/things/t-1", headers=headers)
        second = await http.post("/things/t-1", headers=headers)

    ids = {first.headers["x-request-id"], second.headers["x-request-id"]}
    assert len(ids) == 2
    assert all(len(i) == 32 and i != given for i in ids)


async def test_a_request_continues_the_callers_trace(log_lines: io.StringIO) -> None:
    spans_in_memory()
    async with client(echo_app()) as http:
        await http.post("/things/t-1", headers={"traceparent": TRACEPARENT})

    [span] = [s for s in finished_spans() if format(s.context.trace_id, "032x") == TRACE_ID]
    assert span.kind is SpanKind.SERVER
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert span.parent is not None
    assert format(span.parent.span_id, "016x") == "00f067aa0ba902b7"
    assert span.attributes is not None
    assert span.attributes["http.response.status_code"] == 200
    line = json.loads(log_lines.getvalue().splitlines()[-1])
    assert line["trace_id"] == TRACE_ID


async def test_a_request_without_a_trace_starts_one_its_logs_carry(
    log_lines: io.StringIO,
) -> None:
    spans_in_memory()
    async with client(echo_app()) as http:
        await http.post("/things/t-1")

    line = json.loads(log_lines.getvalue().splitlines()[-1])
    assert len(line["trace_id"]) == 32
    assert line["trace_id"] != "0" * 32


async def test_graphql_operations_are_timed_by_type_and_outcome_never_by_name() -> None:
    schema = build_schema(GatewaySettings(graphql_max_depth=3))
    before = sample("bridgework_graphql_operation_duration_seconds_count",
                    operation="query", outcome="error")  # fmt: skip

    deep = "{ repairs(first: 1) { edges { node { incidents { id } } } } }"
    await schema.execute(f"query PersonalName {deep}")
    await schema.execute("{ not valid")

    after = sample("bridgework_graphql_operation_duration_seconds_count",
                   operation="query", outcome="error")  # fmt: skip
    assert after == before + 1
    assert sample("bridgework_graphql_operation_duration_seconds_count",
                  operation="unparsed", outcome="error") >= 1  # fmt: skip
    _, text = _exposition()
    assert "PersonalName" not in text


def _exposition() -> tuple[bytes, str]:
    from bridgework.common.metrics import exposition

    body, _ = exposition()
    return body, body.decode()


def test_logs_are_json_unless_in_development_mode_or_chosen() -> None:
    assert logs.log_format_for(None, development_mode=False) == "json"
    assert logs.log_format_for(None, development_mode=True) == "text"
    assert logs.log_format_for("json", development_mode=True) == "json"
    assert logs.log_format_for("text", development_mode=False) == "text"


def test_a_json_line_carries_the_event_id_and_an_exception_without_other_fields() -> None:
    record = logging.LogRecord("bw.x", logging.ERROR, __file__, 1, "failed %s", ("once",), None)
    token = logs.event_id.set("0f5e6a52-31b6-4d89-8a4c-7b1b5f3b1d20")
    try:
        logs.ContextFilter("agreements").filter(record)
    finally:
        logs.event_id.reset(token)
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()

    line = json.loads(logs.JsonFormatter().format(record))

    assert line["event_id"] == "0f5e6a52-31b6-4d89-8a4c-7b1b5f3b1d20"
    assert line["message"] == "failed once"
    assert line["service"] == "agreements"
    assert "ValueError: boom" in line["exception"]
    assert "request_id" not in line


def test_a_text_line_names_the_ids_at_its_end() -> None:
    record = logging.LogRecord("bw.x", logging.INFO, __file__, 1, "hello", (), None)
    token = logs.request_id.set("r-1")
    try:
        logs.ContextFilter("intake").filter(record)
    finally:
        logs.request_id.reset(token)

    text = logs.TextFormatter().format(record)

    assert text.endswith("INFO intake bw.x: hello [request_id=r-1]")


async def test_the_outbox_gauges_keep_their_values_while_the_database_is_away() -> None:
    class Away:
        def acquire(self) -> object:
            raise ConnectionRefusedError("no database")

    OUTBOX_BACKLOG.labels("away").set(7)

    await observe_backlog(cast(Pool, Away()), service="away")

    assert sample("bridgework_outbox_backlog_events", service="away") == 7


def test_without_an_exporter_a_process_keeps_trace_ids_and_records_nothing() -> None:
    tracer = tracing.IdsOnlyTracer()
    parent = tracing.context_from({"traceparent": TRACEPARENT})

    with tracer.start_as_current_span("root", context=Context()) as root:
        carried = tracing.current_trace_headers()
    child = tracer.start_span("child", context=parent)

    assert not root.is_recording()
    assert root.get_span_context().is_valid
    assert carried is not None
    assert carried["traceparent"].split("-")[1] == format(root.get_span_context().trace_id, "032x")
    assert carried["traceparent"].endswith("-01")  # sampled: an exporting service keeps its part
    assert format(child.get_span_context().trace_id, "032x") == TRACE_ID
    assert format(child.get_span_context().span_id, "016x") == "00f067aa0ba902b7"


def test_spans_are_exported_only_when_an_otlp_endpoint_is_named() -> None:
    assert not tracing.export_endpoint_configured({})
    assert tracing.export_endpoint_configured({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"})
    assert tracing.export_endpoint_configured({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c"})
