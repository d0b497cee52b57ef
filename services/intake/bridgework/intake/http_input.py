"""What intake's routes share: the clock, content types, JSON bodies, the department's token."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.exceptions import RequestValidationError

from bridgework.common.clock import Clock
from bridgework.common.runtime import Runtime
from bridgework.intake import service
from bridgework.intake.cloudevents import is_json, media_type
from bridgework.intake.credentials import bearer_token
from bridgework.intake.errors import ClientError
from bridgework.intake.service import Principal

DepartmentInPath = Annotated[
    str,
    Path(
        pattern=r"^[a-z][a-z0-9-]{0,39}$",
        description="The department the tool reports for, as a slug: `it`, `finance`.",
    ),
]


# Dependencies are `async def` even when they await nothing: FastAPI runs a plain `def`
# dependency in a worker thread, a hop that cost more than the rest of a small request.


async def get_clock(request: Request) -> Clock:
    """The app's injected clock."""
    clock: Clock = request.app.state.clock
    return clock


async def runtime_of(request: Request) -> Runtime:
    """The runtime the app's lifespan started (common's `get_runtime`, without the thread)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def require_json(request: Request) -> None:
    """415 unless the body is declared as JSON."""
    content_type = request.headers.get("content-type")
    if not is_json(content_type):
        raise unsupported_media_type(content_type, "application/json")


def unsupported_media_type(content_type: str | None, *accepted: str) -> ClientError:
    given = media_type(content_type) or "no content-type"
    return ClientError(415, "unsupported_media_type", f"send {' or '.join(accepted)}, not {given}")


def parse_json(body: bytes) -> Any:
    """The body as JSON, or a 422 saying why it is not."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:
        raise invalid([{"loc": (), "msg": f"the body is not JSON: {error}"}]) from error


def invalid(errors: Iterable[dict[str, Any]]) -> RequestValidationError:
    """The common 422 (every failing field and why) for errors found outside FastAPI's parsing."""
    return RequestValidationError(
        [
            {"loc": ("body", *error["loc"]), "msg": error["msg"], "type": "value_error"}
            for error in errors
        ]
    )


async def principal_of(runtime: Runtime, authorization: str | None) -> Principal:
    """The department an `Authorization: Bearer` token speaks for; 401 when none does."""
    token = bearer_token(authorization)
    if token is None:
        raise unauthenticated("send `Authorization: Bearer <your department's API token>`")
    principal = (await service.authenticate(runtime.pool, [token])).get(token)
    if principal is None:
        raise unauthenticated("the API token is unknown or revoked")
    return principal


async def bearer_principal(
    request: Request, runtime: Annotated[Runtime, Depends(runtime_of)]
) -> Principal:
    """FastAPI dependency: the department the request's bearer token speaks for."""
    return await principal_of(runtime, request.headers.get("authorization"))


def unauthenticated(detail: str) -> ClientError:
    return ClientError(401, "unauthenticated", detail, headers={"WWW-Authenticate": "Bearer"})


def ensure_department(principal: Principal, department: str, *, where: str = "department") -> None:
    """403 unless the token reports for `department`."""
    if principal.department != department:
        raise ClientError(
            403,
            "forbidden",
            f"this token reports for department {principal.department!r} only, "
            f"and {where} names {department!r}",
        )
