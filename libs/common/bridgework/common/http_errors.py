"""One shape for HTTP client errors in every service: which field, and why."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


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


def install_error_handlers(app: FastAPI) -> None:
    """Answer validation failures with 422 and the failing fields, never a bare 500."""

    async def on_validation_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return JSONResponse(
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            content=validation_problem(list(error.errors())),
        )

    app.add_exception_handler(RequestValidationError, on_validation_error)
