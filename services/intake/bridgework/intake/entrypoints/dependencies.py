"""What intake's routes may ask FastAPI for: settings, pool, clock, the caller's department.

Each reads what the composition root (app.py) and common's runtime put on `app.state`.
They are `async def` even when they await nothing: FastAPI runs a plain `def` dependency
in a worker thread, a hop that cost more than the rest of a small request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from bridgework.common.clock import Clock
from bridgework.common.postgres import Pool
from bridgework.intake.domain.cloudevents import is_json
from bridgework.intake.domain.credentials import Principal, bearer_token, unauthenticated
from bridgework.intake.entrypoints.requests import unsupported_media_type
from bridgework.intake.settings import IntakeSettings
from bridgework.intake.use_cases.credentials import authenticate

DepartmentInPath = Annotated[
    str,
    Path(
        pattern=r"^[a-z][a-z0-9-]{0,39}$",
        description="The department the tool reports for, as a slug: `it`, `finance`.",
    ),
]


async def settings_of(request: Request) -> IntakeSettings:
    """The settings the app was made with."""
    settings: IntakeSettings = request.app.state.settings
    return settings


async def pool_of(request: Request) -> Pool:
    """The pool of the runtime the app's lifespan started."""
    pool: Pool = request.app.state.runtime.pool
    return pool


async def clock_of(request: Request) -> Clock:
    """The app's injected clock."""
    clock: Clock = request.app.state.clock
    return clock


SettingsDep = Annotated[IntakeSettings, Depends(settings_of)]
PoolDep = Annotated[Pool, Depends(pool_of)]
ClockDep = Annotated[Clock, Depends(clock_of)]


async def principal_of(pool: Pool, authorization: str | None) -> Principal:
    """The department an `Authorization: Bearer` token speaks for; unauthenticated when none."""
    token = bearer_token(authorization)
    if token is None:
        raise unauthenticated("send `Authorization: Bearer <your department's API token>`")
    principal = (await authenticate(pool=pool, tokens=[token])).get(token)
    if principal is None:
        raise unauthenticated("the API token is unknown or revoked")
    return principal


async def bearer_principal(request: Request, pool: PoolDep) -> Principal:
    """The department the request's bearer token speaks for."""
    return await principal_of(pool, request.headers.get("authorization"))


PrincipalDep = Annotated[Principal, Depends(bearer_principal)]


async def require_json(request: Request) -> None:
    """Unsupported media type unless the body is declared as JSON."""
    content_type = request.headers.get("content-type")
    if not is_json(content_type):
        raise unsupported_media_type(content_type, "application/json")
