"""What the clock routes of every service ask FastAPI for: the travelling clock, the pool,
and a caller who may move time.

Each service's `entrypoints/http_time_travel.py` declares the same two routes with these,
so the routes look alike everywhere and a service's own dependencies stay untouched.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bridgework.common.errors import DomainError, ErrorKind
from bridgework.common.identity import PersonTokenSettings, bearer_token, verify_person_off_loop
from bridgework.common.postgres import Pool
from bridgework.common.runtime import get_runtime
from bridgework.common.time_travel.clock import TravellingClock

# Whoever may move a service's time: the whole organisation's view changes with it.
CLOCK_KEEPER_ROLE = "change_team"


async def travelling_clock_of(request: Request) -> TravellingClock:
    """The demo's clock; app.py serves the clock routes only when it runs on one."""
    clock = request.app.state.clock
    if not isinstance(clock, TravellingClock):
        raise DomainError("no_time_travel", "Time travel is off.", kind=ErrorKind.NOT_FOUND)
    return clock


async def clock_pool_of(request: Request) -> Pool:
    """The database pool of the running service (where its offset is stored)."""
    return get_runtime(request).pool


async def require_clock_keeper(request: Request) -> None:
    """A change-team person's own token, in a service that verifies people's tokens.

    Intake knows departments' tokens only; time travel runs in development mode alone
    (production refuses to start with it), so intake's clock answers without one.
    """
    settings = request.app.state.settings
    if not isinstance(settings, PersonTokenSettings):
        return
    person = await verify_person_off_loop(
        bearer_token(request.headers.get("authorization")), settings
    )
    if CLOCK_KEEPER_ROLE not in person.roles:
        raise DomainError(
            "forbidden", "Only the change team moves the demo's time.", kind=ErrorKind.FORBIDDEN
        )


TravellingClockDep = Annotated[TravellingClock, Depends(travelling_clock_of)]
ClockPoolDep = Annotated[Pool, Depends(clock_pool_of)]
CLOCK_KEEPER_ONLY = [Depends(require_clock_keeper)]
