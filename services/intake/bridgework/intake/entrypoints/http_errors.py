"""Intake's HTTP error answers that are not a plain DomainError, and the body-size limit.

Every DomainError answers through common's `http_errors`; here are the rest, in the same
`{"error": code, "detail": ...}` shape: FastAPI's own 400/404/405, and a body over its limit
(refused before it is read whole).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bridgework.common.errors import DomainError, ErrorKind
from bridgework.common.http_errors import problem_response
from bridgework.intake.domain.cloudevents import BATCH, media_type
from bridgework.intake.settings import IntakeSettings

_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
}


class BodyTooLargeError(HTTPException):
    """Raised from `receive` as soon as a body passes its limit (an HTTPException, so that
    FastAPI's own body reading passes it on rather than calling it a parse error)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request bodies here are limited to {limit} bytes")

    def problem(self) -> DomainError:
        """The same refusal as common's error type."""
        return DomainError("body_too_large", self.detail, kind=ErrorKind.TOO_LARGE)


def install_error_handlers(app: FastAPI) -> None:
    """Answer FastAPI's own HTTP errors in intake's shape."""

    async def on_http_error(_: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if error.status_code in (204, 304):
            return Response(status_code=error.status_code, headers=error.headers)
        code = _CODES.get(error.status_code, "http_error")
        return JSONResponse(
            {"error": code, "detail": error.detail},
            status_code=error.status_code,
            headers=error.headers,
        )

    app.add_exception_handler(HTTPException, on_http_error)


def body_limit(settings: IntakeSettings, path: str, content_type: str | None) -> int:
    """The body limit of a request: batches may be larger than single submissions."""
    if path.endswith("/incidents/batch") or media_type(content_type) == BATCH:
        return settings.max_batch_body_bytes
    return settings.max_body_bytes


class BodyLimitMiddleware:
    """Refuse request bodies over a limit before reading them whole.

    A declared Content-Length over the limit is refused before the app runs; a body
    sent without one (chunked) is counted as it streams in, and refused the moment
    it passes the limit, so at most one limit's worth is ever held in memory.
    """

    def __init__(self, app: ASGIApp, *, limit_for: Callable[[Scope], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, BodyTooLargeError(limit))
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLargeError as too_large:
            if started:
                raise
            await self._refuse(scope, receive, send, too_large)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, error: BodyTooLargeError) -> None:
        await problem_response(error.problem())(scope, receive, send)
