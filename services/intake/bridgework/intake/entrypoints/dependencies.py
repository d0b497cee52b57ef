"""What intake's routes may ask FastAPI for: settings, pool, clock, the caller's department.

Each reads what the composition root (app.py) and common's runtime put on `app.state`.
They are `async def` even when they await nothing: FastAPI runs a plain `def` dependency
in a worker thread, a hop that cost more than the rest of a small request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

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


# How callers authenticate, declared for the OpenAPI document. auto_error off everywhere: the
# routes keep refusing with intake's own 401s (`principal_of`, the webhooks' signature check),
# these only describe what a caller sends.
department_token = HTTPBearer(
    auto_error=False,
    scheme_name="departmentToken",
    description="The department's API token (intake's CLI: `tokens create`).",
)
github_signature = APIKeyHeader(
    name="X-Hub-Signature-256",
    auto_error=False,
    scheme_name="githubSignature",
    description="HMAC-SHA256 of the body with the department's GitHub webhook secret.",
)
jira_signature = APIKeyHeader(
    name="X-Hub-Signature",
    auto_error=False,
    scheme_name="jiraSignature",
    description="HMAC of the body with the department's Jira webhook secret.",
)
pagerduty_signature = APIKeyHeader(
    name="X-PagerDuty-Signature",
    auto_error=False,
    scheme_name="pagerdutySignature",
    description="PagerDuty v3 signatures of the body with the department's signing secret.",
)
# Route dependencies that only declare a security requirement; two on one route are
# alternatives (OpenAPI reads a list of requirements as "any one of").
DEPARTMENT_TOKEN = [Depends(department_token)]
GITHUB_SIGNED = [Depends(github_signature)]
JIRA_SIGNED_OR_TOKEN = [Depends(jira_signature), Depends(department_token)]
PAGERDUTY_SIGNED = [Depends(pagerduty_signature)]


async def principal_of(pool: Pool, authorization: str | None) -> Principal:
    """The department an `Authorization: Bearer` token speaks for; unauthenticated when none."""
    token = bearer_token(authorization)
    if token is None:
        raise unauthenticated("send `Authorization: Bearer <your department's API token>`")
    principal = (await authenticate(pool=pool, tokens=[token])).get(token)
    if principal is None:
        raise unauthenticated("the API token is unknown or revoked")
    return principal


async def bearer_principal(
    request: Request,
    pool: PoolDep,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(department_token)],
) -> Principal:
    """The department the request's bearer token speaks for (parsed by `principal_of`, so
    a malformed header gets intake's own message)."""
    return await principal_of(pool, request.headers.get("authorization"))


PrincipalDep = Annotated[Principal, Depends(bearer_principal)]


async def require_json(request: Request) -> None:
    """Unsupported media type unless the body is declared as JSON."""
    content_type = request.headers.get("content-type")
    if not is_json(content_type):
        raise unsupported_media_type(content_type, "application/json")
