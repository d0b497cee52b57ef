"""One shape for HTTP client errors in every service: which field, and why.

The one place a `DomainError` becomes an HTTP answer: `INVALID` answers 422 with the failing
fields, as request validation does; every other kind answers `{"error": code, "detail": ...}`.
The database (or another dependency) being away answers 503 with `Retry-After`, never a 500.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import asyncpg
from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from bridgework.common.errors import DomainError, ErrorKind

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2
# Postgres restarting, refusing, full, or a pooled connection that broke under the request.
DATABASE_AWAY: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.OperatorInterventionError,
    asyncpg.InsufficientResourcesError,
)
# Raised bare by a connect that finds nobody listening (asyncpg does not wrap it) or times out.
DEPENDENCY_AWAY: tuple[type[Exception], ...] = (OSError, TimeoutError)
_LOG_EVERY_SECONDS = 10.0

STATUS_OF_KIND: dict[ErrorKind, int] = {
    ErrorKind.INVALID: status.HTTP_422_UNPROCESSABLE_CONTENT,
    ErrorKind.BAD_REQUEST: status.HTTP_400_BAD_REQUEST,
    ErrorKind.UNAUTHENTICATED: status.HTTP_401_UNAUTHORIZED,
    ErrorKind.FORBIDDEN: status.HTTP_403_FORBIDDEN,
    ErrorKind.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    ErrorKind.CONFLICT: status.HTTP_409_CONFLICT,
    ErrorKind.GONE: status.HTTP_410_GONE,
    ErrorKind.TOO_LARGE: status.HTTP_413_CONTENT_TOO_LARGE,
    ErrorKind.UNSUPPORTED: status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
}


def _field_path(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(part) for part in location]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or "(body)"


def validation_problem(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """A body naming every failing field and the reason."""
    return {
        "error": "validation_failed",
        "fields": [
            {"field": _field_path(error.get("loc", ())), "reason": error.get("msg", "invalid")}
            for error in errors
        ],
    }


def problem_status(error: DomainError) -> int:
    """The HTTP status that answers a domain error."""
    return STATUS_OF_KIND[error.kind]


def problem_body(error: DomainError) -> dict[str, Any]:
    """The JSON body that answers a domain error."""
    problems = error.problems()
    if error.kind is ErrorKind.INVALID and problems:
        fields = [{"field": p.field or "(body)", "reason": p.reason} for p in problems]
        return {"error": error.code, "fields": fields}
    return {"error": error.code, "detail": error.detail}


def problem_response(error: DomainError) -> JSONResponse:
    """The whole HTTP answer to a domain error; 401 says which scheme would do."""
    headers = {"WWW-Authenticate": "Bearer"} if error.kind is ErrorKind.UNAUTHENTICATED else None
    return JSONResponse(problem_body(error), status_code=problem_status(error), headers=headers)


class _Throttled:
    """One warning per interval while a dependency is away, not one per request."""

    def __init__(self) -> None:
        self.logged_at = float("-inf")
        self.unlogged = 0

    def warn(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self.logged_at < _LOG_EVERY_SECONDS:
            self.unlogged += 1
            return
        logger.warning(
            "answering 503: %s (and %d more since the last such line)",
            type(error).__name__,
            self.unlogged,
        )
        self.logged_at, self.unlogged = now, 0


def unavailable_response(error: Exception) -> JSONResponse:
    """503 with Retry-After: the request may well succeed once the dependency is back."""
    database = isinstance(error, DATABASE_AWAY)
    return JSONResponse(
        {
            "error": "database_unavailable" if database else "dependency_unavailable",
            "detail": "the database is not reachable right now; retry shortly"
            if database
            else "a service this one depends on is not reachable right now; retry shortly",
        },
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def install_error_handlers(app: FastAPI) -> None:
    """Answer validation failures and domain errors with a clear 4xx, and a dependency
    being away with a 503 and Retry-After: never a bare 500."""
    throttled = _Throttled()

    async def on_validation_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return JSONResponse(
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            content=validation_problem(list(error.errors())),
        )

    async def on_domain_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, DomainError)
        return problem_response(error)

    async def on_dependency_away(_: Request, error: Exception) -> JSONResponse:
        throttled.warn(error)
        return unavailable_response(error)

    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(DomainError, on_domain_error)
    for away in DATABASE_AWAY + DEPENDENCY_AWAY:
        app.add_exception_handler(away, on_dependency_away)
