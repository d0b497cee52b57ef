"""What follow-up's routes may ask FastAPI for: settings, pool, clock, the caller and the
admin check.

Each reads what the composition root (app.py) or common's runtime put on `app.state`. A caller
is a machine with BRIDGEWORK_ADMIN_TOKEN or a person with their own token (verified here).
"""

from __future__ import annotations

import hmac
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bridgework.common.clock import Clock
from bridgework.common.errors import DomainError, ErrorKind
from bridgework.common.identity import verify_person_off_loop
from bridgework.common.key_store_start import key_store_of
from bridgework.common.postgres import Pool
from bridgework.common.privacy import KeyStore
from bridgework.common.runtime import get_runtime
from bridgework.common.time_travel import TravellingClock
from bridgework.followup.domain.check_in_links import verify
from bridgework.followup.domain.readers import MACHINE, Caller, require_may_administer
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
# Seals check-in comments and opens actions for messages (built and proven at start).
KeyStoreDep = Annotated[KeyStore, Depends(key_store_of)]
TravellingClockDep = Annotated[TravellingClock, Depends(travelling_clock_of)]


# auto_error off: a missing credential is refused below (or let through by development's
# open door), and the scheme still documents the routes as needing a bearer token.
_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="adminOrPersonToken",
    description="BRIDGEWORK_ADMIN_TOKEN, or the person's own token (JWT).",
)


async def caller_of(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The machine whose bearer token is the admin token (compared in constant time), or the
    person whose valid token it is; 401 without either."""
    expected = settings.admin_token
    if credentials is None:
        # Development with no admin token: `make run`'s curl and demo walk in without one.
        if expected is None and settings.development_mode:
            return MACHINE
        raise DomainError(
            "unauthorized",
            "This needs the follow-up admin token or a person's own token.",
            kind=ErrorKind.UNAUTHENTICATED,
        )
    given = credentials.credentials.strip()
    if expected is not None and hmac.compare_digest(
        given.encode(), expected.get_secret_value().encode()
    ):
        return MACHINE
    person = await verify_person_off_loop(given, settings)
    return Caller(person_id=person.subject, department=person.department, roles=person.roles)


CallerDep = Annotated[Caller, Depends(caller_of)]


async def require_admin(request: Request, caller: CallerDep) -> None:
    """The caller may administer what the route names: a department's own settings (its
    `{department}` path parameter, never a query's) or the whole service."""
    require_may_administer(caller, request.path_params.get("department"))


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
