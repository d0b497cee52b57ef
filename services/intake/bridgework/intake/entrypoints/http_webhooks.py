"""Webhook endpoints for the tools departments already use: `/v1/webhooks/<tool>/<department>`.

Each delivery is checked in this order: content type (415), authentication
(401/403), JSON (422), a delivery id seen before (200 `duplicate`, nothing parsed
again), the tool's payload (422), the department's mapping to an incident (422).
GitHub and PagerDuty sign with the department's secret; Jira signs with a secret
or sends the department's API token; ServiceNow sends the department's API token.
The checks before the payload are `webhook_checks.py`, shared with the change webhooks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.params import Depends
from fastapi.responses import JSONResponse

from bridgework.common.clock import Clock
from bridgework.common.postgres import Pool
from bridgework.intake.domain.adapters import delivery_key, github, jira, pagerduty, servicenow
from bridgework.intake.domain.credentials import verify_pagerduty_signature
from bridgework.intake.domain.mapping import Ignored, Tool, ToolItem
from bridgework.intake.entrypoints import receipts, webhook_checks
from bridgework.intake.entrypoints.dependencies import (
    DEPARTMENT_TOKEN,
    GITHUB_SIGNED,
    JIRA_SIGNED_OR_TOKEN,
    PAGERDUTY_SIGNED,
    ClockDep,
    DepartmentInPath,
    PoolDep,
    SettingsDep,
)
from bridgework.intake.entrypoints.requests import parse_json
from bridgework.intake.schemas import IncidentReceipt
from bridgework.intake.settings import IntakeSettings
from bridgework.intake.use_cases.webhooks import receive_webhook

F = TypeVar("F", bound=Callable[..., Any])

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


def _post(path: str, security: list[Depends]) -> Callable[[F], F]:
    return webhook_checks.post(
        router, path, security, IncidentReceipt, "Updated, duplicate, stale or ignored."
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
    payload = await webhook_checks.read_github(pool, department, request)
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
    payload = await webhook_checks.read_jira(pool, department, request)
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
    payload = await webhook_checks.read_servicenow(pool, department, request)
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
    webhook_checks.require_json(request)
    body = await request.body()
    await webhook_checks.require_signature(
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
