"""What follow-up's routes may ask FastAPI for: settings, pool, clock, the admin check.

Each reads what the composition root (app.py) or common's runtime put on `app.state`.
"""

from __future__ import annotations

import hmac
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, Request

from bridgework.common.clock import Clock
from bridgework.common.errors import DomainError, ErrorKind
from bridgework.common.postgres import Pool
from bridgework.common.runtime import get_runtime
from bridgework.followup.domain.check_in_links import verify
from bridgework.followup.domain.time_travel import TravellingClock
from bridgework.followup.settings import FollowupSettings


async def settings_of(request: Request) -> FollowupSettings:
    """The settings app.py built the service with."""
    settings: FollowupSettings = request.app.state.settings
    return settings


async def pool_of(request: Request) -> Pool:
    """The database pool of the running service."""
    return get_runtime(request).pool


async def clock_of(request: Request) -> Clock:
    """The clock app.py gave the service."""
    clock: Clock = request.app.state.clock
    return clock


async def travelling_clock_of(request: Request) -> TravellingClock:
    """The demo's clock; app.py serves the time-travel routes only when it runs on one."""
    clock = request.app.state.clock
    if not isinstance(clock, TravellingClock):
        raise DomainError("no_time_travel", "Time travel is off.", kind=ErrorKind.NOT_FOUND)
    return clock


SettingsDep = Annotated[FollowupSettings, Depends(settings_of)]
PoolDep = Annotated[Pool, Depends(pool_of)]
ClockDep = Annotated[Clock, Depends(clock_of)]
TravellingClockDep = Annotated[TravellingClock, Depends(travelling_clock_of)]


async def require_admin(
    settings: SettingsDep, authorization: Annotated[str | None, Header()] = None
) -> None:
    """The admin token, when one is configured (compared in constant time)."""
    expected = settings.admin_token
    if expected is None:
        return
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected.get_secret_value().encode()
    ):
        raise DomainError(
            "unauthorized",
            "This needs the follow-up admin token.",
            kind=ErrorKind.UNAUTHENTICATED,
        )


ADMIN_ONLY = [Depends(require_admin)]


async def check_in_link(token: str, settings: SettingsDep, clock: ClockDep) -> UUID | DomainError:
    """The check-in a signed, unexpired link names; else why the link proves nothing (the
    route decides whether that is an error or a page saying so)."""
    secret = settings.check_in_secret.get_secret_value().encode()
    try:
        return verify(token, secret, now=clock.now()).check_in_id
    except DomainError as problem:
        return problem


CheckInLinkDep = Annotated[UUID | DomainError, Depends(check_in_link)]
