"""Webhook endpoints for the tools departments already use: `/v1/webhooks/<tool>/<department>`.

Each delivery is checked in this order: content type (415), authentication
(401/403), JSON (422), a delivery id seen before (200 `duplicate`, nothing parsed
again), the tool's payload (422), the department's mapping to an incident (422).
GitHub and PagerDuty sign with the department's secret; Jira signs with a secret
or sends the department's API token; ServiceNow sends the department's API token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.params import Depends
from fastapi.responses import JSONResponse

from bridgework.common.clock import Clock
from bridgework.common.errors import DomainError
from bridgework.common.postgres import Pool
from bridgework.intake.domain.adapters import delivery_key, github, jira, pagerduty, servicenow
from bridgework.intake.domain.cloudevents import is_json, media_type
from bridgework.intake.domain.credentials import (
    ensure_department,
    unauthenticated,
    verify_hub_signature,
    verify_pagerduty_signature,
)
from bridgework.intake.domain.mapping import Ignored, Tool, ToolItem
from bridgework.intake.entrypoints import receipts
from bridgework.intake.entrypoints.dependencies import (
    DEPARTMENT_TOKEN,
    GITHUB_SIGNED,
    JIRA_SIGNED_OR_TOKEN,
    PAGERDUTY_SIGNED,
    ClockDep,
    DepartmentInPath,
    PoolDep,
    SettingsDep,
    principal_of,
)
from bridgework.intake.entrypoints.requests import parse_json, unsupported_media_type
from bridgework.intake.schemas import IncidentReceipt
from bridgework.intake.settings import IntakeSettings
from bridgework.intake.use_cases.credentials import webhook_secrets
from bridgework.intake.use_cases.webhooks import receive_webhook

F = TypeVar("F", bound=Callable[..., Any])
Verifier = Callable[[str | None, bytes, list[str]], bool]
_FORM = "application/x-www-form-urlencoded"
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": IncidentReceipt, "description": "Updated, duplicate, stale or ignored."},
    401: {"description": "Missing or wrong signature or token: `{error, detail}`."},
    403: {"description": "The token reports for another department."},
    413: {"description": "The body is over the documented limit."},
    415: {"description": "Not the content type the tool sends."},
    422: {"description": "Not the tool's payload, or not mappable: every failing field and why."},
}

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


def _post(path: str, security: list[Depends]) -> Callable[[F], F]:
    return router.post(
        path,
        dependencies=security,
        status_code=202,
        response_model=IncidentReceipt,
        response_model_exclude_none=True,
        responses=_RESPONSES,
    )


@_post("/github/{department}", GITHUB_SIGNED)
async def github_webhook(
    department: DepartmentInPath,
    request: Request,
    pool: PoolDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> JSONResponse:
    """GitHub `issues` events; set the webhook's secret with `admin secrets add --tool github`."""
    content_type = request.headers.get("content-type")
    if not is_json(content_type) and media_type(content_type) != _FORM:
        raise unsupported_media_type(content_type, "application/json", _FORM)
    body = await request.body()
    await _require_signature(
        pool, department, Tool.GITHUB, request, "x-hub-signature-256", verify_hub_signature
    )
    payload = _github_payload(body, content_type)
    event = request.headers.get("x-github-event")
    return await _deliver(
        pool,
        clock,
        settings,
        department=department,
        tool=Tool.GITHUB,
        delivery_id=delivery_key(request.headers.get("x-github-delivery")),
        read=lambda: github.parse(payload, event=event),
    )


@_post("/jira/{department}", JIRA_SIGNED_OR_TOKEN)
async def jira_webhook(
    department: DepartmentInPath,
    request: Request,
    pool: PoolDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> JSONResponse:
    """Jira Cloud issue events, signed with a secret (X-Hub-Signature) or sent with a token."""
    _require_json(request)
    body = await request.body()
    if "x-hub-signature" not in request.headers and "authorization" not in request.headers:
        raise unauthenticated(
            "sign the webhook with the department's Jira secret (X-Hub-Signature)"
            " or send `Authorization: Bearer <your department's API token>`"
        )
    if "x-hub-signature" in request.headers:
        await _require_signature(
            pool, department, Tool.JIRA, request, "x-hub-signature", verify_hub_signature
        )
    else:
        principal = await principal_of(pool, request.headers.get("authorization"))
        ensure_department(principal, department, where="the webhook URL")
    payload = parse_json(body)
    return await _deliver(
        pool,
        clock,
        settings,
        department=department,
        tool=Tool.JIRA,
        delivery_id=delivery_key(request.headers.get("x-atlassian-webhook-identifier")),
        read=lambda: jira.parse(payload),
    )


@_post("/servicenow/{department}", DEPARTMENT_TOKEN)
async def servicenow_webhook(
    department: DepartmentInPath,
    request: Request,
    pool: PoolDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> JSONResponse:
    """ServiceNow incidents from an outbound REST message carrying the department's token."""
    _require_json(request)
    principal = await principal_of(pool, request.headers.get("authorization"))
    ensure_department(principal, department, where="the webhook URL")
    payload = parse_json(await request.body())
    return await _deliver(
        pool,
        clock,
        settings,
        department=department,
        tool=Tool.SERVICENOW,
        delivery_id=None,
        read=lambda: servicenow.parse(payload),
    )


@_post("/pagerduty/{department}", PAGERDUTY_SIGNED)
async def pagerduty_webhook(
    department: DepartmentInPath,
    request: Request,
    pool: PoolDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> JSONResponse:
    """PagerDuty v3 incident events; set PagerDuty's signing secret with `admin secrets add`."""
    _require_json(request)
    body = await request.body()
    await _require_signature(
        pool,
        department,
        Tool.PAGERDUTY,
        request,
        "x-pagerduty-signature",
        verify_pagerduty_signature,
    )
    payload = parse_json(body)
    return await _deliver(
        pool,
        clock,
        settings,
        department=department,
        tool=Tool.PAGERDUTY,
        delivery_id=delivery_key(pagerduty.delivery_id(payload)),
        read=lambda: pagerduty.parse(payload),
    )


async def _deliver(
    pool: Pool,
    clock: Clock,
    settings: IntakeSettings,
    *,
    department: str,
    tool: Tool,
    delivery_id: str | None,
    read: Callable[[], ToolItem | Ignored],
) -> JSONResponse:
    outcome = await receive_webhook(
        pool=pool,
        clock=clock,
        settings=settings,
        department=department,
        tool=tool,
        delivery_id=delivery_id,
        read=read,
    )
    if isinstance(outcome, Ignored):
        return receipts.ignored(outcome.reason)
    return receipts.single(outcome)


async def _require_signature(
    pool: Pool, department: str, tool: Tool, request: Request, header: str, verify: Verifier
) -> None:
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


def _require_json(request: Request) -> None:
    content_type = request.headers.get("content-type")
    if not is_json(content_type):
        raise unsupported_media_type(content_type, "application/json")


def _github_payload(body: bytes, content_type: str | None) -> Any:
    """GitHub sends JSON, or (when so configured) a form whose `payload` field is the JSON."""
    if media_type(content_type) != _FORM:
        return parse_json(body)
    payloads = parse_qs(body.decode(errors="replace")).get("payload")
    if not payloads:
        raise DomainError.invalid("payload", "the form has no `payload` field")
    return parse_json(payloads[0].encode())
