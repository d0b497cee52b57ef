"""What every tool webhook checks before it reads a delivery, shared by the incident
webhooks (`http_webhooks.py`) and the change webhooks (`http_change_webhooks.py`).

Each `read_*` checks, in order: content type (415), authentication (401/403), then
returns the body as the tool's JSON (422 when it is not).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.params import Depends
from pydantic import BaseModel

from bridgework.common.errors import DomainError
from bridgework.common.postgres import Pool
from bridgework.intake.domain.cloudevents import is_json, media_type
from bridgework.intake.domain.credentials import (
    ensure_department,
    unauthenticated,
    verify_hub_signature,
)
from bridgework.intake.domain.mapping import Tool
from bridgework.intake.entrypoints.dependencies import principal_of
from bridgework.intake.entrypoints.requests import parse_json, unsupported_media_type
from bridgework.intake.use_cases.credentials import webhook_secrets

F = TypeVar("F", bound=Callable[..., Any])
Verifier = Callable[[str | None, bytes, list[str]], bool]
FORM = "application/x-www-form-urlencoded"
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or wrong signature or token: `{error, detail}`."},
    403: {"description": "The token reports for another department."},
    413: {"description": "The body is over the documented limit."},
    415: {"description": "Not the content type the tool sends."},
    422: {"description": "Not the tool's payload, or not mappable: every failing field and why."},
}


def post(
    router: APIRouter, path: str, security: list[Depends], receipt: type[BaseModel], ok: str
) -> Callable[[F], F]:
    """A webhook route: 202 for something new, 200 (described by `ok`) for anything else."""
    return router.post(
        path,
        dependencies=security,
        status_code=202,
        response_model=receipt,
        response_model_exclude_none=True,
        responses={200: {"model": receipt, "description": ok}, **_ERRORS},
    )


async def read_github(pool: Pool, department: str, request: Request) -> Any:
    """A GitHub delivery signed with the department's GitHub secret, as JSON or a form."""
    content_type = request.headers.get("content-type")
    if not is_json(content_type) and media_type(content_type) != FORM:
        raise unsupported_media_type(content_type, "application/json", FORM)
    body = await request.body()
    await require_signature(
        pool, department, Tool.GITHUB, request, "x-hub-signature-256", verify_hub_signature
    )
    return _github_payload(body, content_type)


async def read_jira(pool: Pool, department: str, request: Request) -> Any:
    """A Jira delivery signed with the department's Jira secret or carrying its token."""
    require_json(request)
    body = await request.body()
    if "x-hub-signature" in request.headers:
        await require_signature(
            pool, department, Tool.JIRA, request, "x-hub-signature", verify_hub_signature
        )
    elif "authorization" in request.headers:
        await _require_token(pool, department, request)
    else:
        raise unauthenticated(
            "sign the webhook with the department's Jira secret (X-Hub-Signature)"
            " or send `Authorization: Bearer <your department's API token>`"
        )
    return parse_json(body)


async def read_servicenow(pool: Pool, department: str, request: Request) -> Any:
    """A ServiceNow delivery carrying the department's API token."""
    require_json(request)
    await _require_token(pool, department, request)
    return parse_json(await request.body())


async def require_signature(
    pool: Pool, department: str, tool: Tool, request: Request, header: str, verify: Verifier
) -> None:
    """Refuse (401) a body not signed in `header` with one of the department's secrets."""
    secrets = await webhook_secrets(pool=pool, department=department, tool=tool)
    if not secrets:
        raise unauthenticated(
            f"no {tool.value} webhook secret is set for department {department!r}"
        )
    signature = request.headers.get(header)
    if not signature:
        raise unauthenticated(f"the {header} header is missing")
    if not verify(signature, await request.body(), secrets):
        raise unauthenticated(f"{header} does not match the body and the department's secret")


def require_json(request: Request) -> None:
    """Refuse (415) a body that is not JSON."""
    content_type = request.headers.get("content-type")
    if not is_json(content_type):
        raise unsupported_media_type(content_type, "application/json")


async def _require_token(pool: Pool, department: str, request: Request) -> None:
    principal = await principal_of(pool, request.headers.get("authorization"))
    ensure_department(principal, department, where="the webhook URL")


def _github_payload(body: bytes, content_type: str | None) -> Any:
    """GitHub sends JSON, or (when so configured) a form whose `payload` field is the JSON."""
    if media_type(content_type) != FORM:
        return parse_json(body)
    payloads = parse_qs(body.decode(errors="replace")).get("payload")
    if not payloads:
        raise DomainError.invalid("payload", "the form has no `payload` field")
    return parse_json(payloads[0].encode())
