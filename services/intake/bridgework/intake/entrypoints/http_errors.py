"""Intake's HTTP error answers that are not a plain DomainError, and its body-size limits.

Every DomainError answers through common's `http_errors`; here are the rest, in the same
`{"error": code, "detail": ...}` shape: FastAPI's own 400/404/405. A body over its limit is
refused by common's `BodyLimitMiddleware` (before it is read whole) with the limit
`body_limit` names: batches may be larger than single submissions.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from bridgework.common.http_limits import BodyLimitMiddleware
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
    if path.endswith(("/incidents/batch", "/changes/batch")) or media_type(content_type) == BATCH:
        return settings.max_batch_body_bytes
    return settings.max_body_bytes


__all__ = ["BodyLimitMiddleware", "body_limit", "install_error_handlers"]
