"""What agreements' routes may ask FastAPI for: what the composition root and common's runtime
put on `app.state`, and the person acting (their own bearer token, verified here).

Each is `async def`: FastAPI runs a plain `def` dependency in a worker thread, a hop per
dependency on every request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bridgework.agreements.domain.readers import Reader
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import Clock
from bridgework.common.identity import VerifiedPerson, unauthenticated, verify_person_off_loop
from bridgework.common.key_store_start import key_store_of
from bridgework.common.postgres import Pool
from bridgework.common.privacy import KeyStore
from bridgework.common.runtime import get_runtime

# auto_error off: a missing token is refused by common's 401 (with WWW-Authenticate), and
# the scheme still documents every route as needing a bearer token.
_bearer = HTTPBearer(
    auto_error=False, scheme_name="personToken", description="The person's own token (JWT)."
)


async def settings_of(request: Request) -> AgreementsSettings:
    """The settings the app was built with."""
    settings: AgreementsSettings = request.app.state.settings
    return settings


async def clock_of(request: Request) -> Clock:
    """The clock the app was built with."""
    clock: Clock = request.app.state.clock
    return clock


async def pool_of(request: Request) -> Pool:
    """The running service's database pool."""
    return get_runtime(request).pool


async def person_of(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    settings: Annotated[AgreementsSettings, Depends(settings_of)],
) -> VerifiedPerson:
    """The person whose valid bearer token the request carries, or 401."""
    if credentials is None:
        raise unauthenticated("a bearer token is required (Authorization: Bearer <token>)")
    return await verify_person_off_loop(credentials.credentials, settings)


async def reader_of(person: Annotated[VerifiedPerson, Depends(person_of)]) -> Reader:
    """The person reading or acting, with the roles their token grants. Whether they may see
    the repair, and then act on it (a department to act from included), the use cases ask
    the domain, in that order."""
    return Reader(person_id=person.subject, department=person.department, roles=person.roles)


SettingsDep = Annotated[AgreementsSettings, Depends(settings_of)]
ClockDep = Annotated[Clock, Depends(clock_of)]
PoolDep = Annotated[Pool, Depends(pool_of)]
# Seals and opens confidential texts (built and proven at start by the composition root).
KeyStoreDep = Annotated[KeyStore, Depends(key_store_of)]
ReaderDep = Annotated[Reader, Depends(reader_of)]
