"""Every HTTP request: its latency in the metrics, a request id, and a span in the trace.

Outermost of the service's middlewares, so what the limits refuse is timed and answered
with the request id too. WebSocket connections (GraphQL subscriptions) pass untouched:
their lifetime is not a latency.
"""

from __future__ import annotations

import re
from time import perf_counter
from uuid import uuid4

from opentelemetry.trace import SpanKind, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bridgework.common import logs, metrics, tracing

REQUEST_ID_HEADER = b"x-request-id"
# A caller's own request id is kept when it looks like one (a proxy's, a client's uuid);
# anything else (too long, an address, a header injection) is replaced by ours.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "(unmatched)"


def route_template(scope: Scope) -> str:
    """The matched route's template (`/v1/repairs/{repair_id}`), never the raw path: one
    time series per route, however many ids the paths carry."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


def request_id_of(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == REQUEST_ID_HEADER:
            text = value.decode("latin-1")
            if REQUEST_ID.fullmatch(text):
                return text
            break
    return uuid4().hex


def _trace_carrier(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    return {
        text: value.decode("latin-1")
        for name, value in headers
        if (text := name.decode("latin-1")) in tracing.TRACE_HEADERS
    }


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        request_id = request_id_of(headers)
        method = scope["method"] if scope["method"] in METHODS else "OTHER"
        status = 500  # what the server answers when the app raises before answering

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", ()),
                    (REQUEST_ID_HEADER, request_id.encode()),
                ]
            await send(message)

        token = logs.request_id.set(request_id)
        try:
            with tracing.tracer.start_as_current_span(
                method,
                context=tracing.context_from(_trace_carrier(headers)),
                kind=SpanKind.SERVER,
                attributes={"http.request.method": method, "bridgework.request_id": request_id},
                # The type only (below): an exception's message may quote a person's details.
                record_exception=False,
            ) as span:
                try:
                    await self.app(scope, receive, send_with_request_id)
                except Exception as error:
                    span.set_attribute("error.type", type(error).__name__)
                    raise
                finally:
                    route = route_template(scope)
                    span.update_name(f"{method} {route}")
                    span.set_attribute("http.route", route)
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(StatusCode.ERROR)
                    metrics.HTTP_REQUEST_SECONDS.labels(
                        self.service, method, route, str(status)
                    ).observe(perf_counter() - started)
        finally:
            logs.request_id.reset(token)
