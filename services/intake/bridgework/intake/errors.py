"""Client errors other than validation: `{"error": code, "detail": ...}`, and the body-size limit.

Validation failures keep the common 422 shape (bridgework.common.http_errors); every
other 4xx of intake, including FastAPI's own 404/405, answers in this one shape.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
}


class ClientError(HTTPException):
    """A client's mistake, with a code programs can switch on and a detail people can read."""

    def __init__(
        self, status_code: int, error: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code=status_code, detail=detail, headers=headers)
        self.error = error


class BodyTooLargeError(ClientError):
    """Raised from `receive` as soon as a body passes its limit (an HTTPException, so that
    FastAPI's own body reading passes it on rather than calling it a parse error)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, "body_too_large", f"request bodies here are limited to {limit} bytes")


def error_body(error: HTTPException) -> dict[str, object]:
    code = getattr(error, "error", None) or _CODES.get(error.status_code, "http_error")
    return {"error": code, "detail": error.detail}


def install_client_error_handler(app: FastAPI) -> None:
    """Answer every HTTPException in intake's one error shape."""

    async def on_http_error(_: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if error.status_code in (204, 304):
            return Response(status_code=error.status_code, headers=error.headers)
        return JSONResponse(error_body(error), status_code=error.status_code, headers=error.headers)

    app.add_exception_handler(HTTPException, on_http_error)


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
        response = JSONResponse(error_body(error), status_code=error.status_code)
        await response(scope, receive, send)
