"""Webhook endpoints for planned changes: `/v1/webhooks/<tool>/<department>/changes`.

The same checks, in the same order and with the same credentials, as the tools' incident
webhooks (`http_webhooks.py`; both use `webhook_checks.py`): ServiceNow `change_request`
records carry the department's API token; Jira Service Management changes are signed or
carry the token; GitHub issues and pull requests with the change label are signed with the
department's GitHub secret.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.params import Depends
from fastapi.responses import JSONResponse

from bridgework.common.clock import Clock
from bridgework.common.postgres import Pool
from bridgework.intake.domain.adapters import (
    delivery_key,
    github_changes,
    jira_changes,
    servicenow_changes,
)
from bridgework.intake.domain.change_mapping import ChangeToolItem
from bridgework.intake.domain.mapping import Ignored, Tool
from bridgework.intake.entrypoints import http_changes, receipts, webhook_checks
from bridgework.intake.entrypoints.dependencies import (
    DEPARTMENT_TOKEN,
    GITHUB_SIGNED,
    JIRA_SIGNED_OR_TOKEN,
    ClockDep,
    DepartmentInPath,
    PoolDep,
    SettingsDep,
)
from bridgework.intake.schemas import ChangeReceipt
from bridgework.intake.settings import IntakeSettings
from bridgework.intake.use_cases.changes import receive_change_webhook

F = TypeVar("F", bound=Callable[..., Any])
router = APIRouter(prefix="/v1/webhooks", tags=["changes"])


def _post(path: str, security: list[Depends]) -> Callable[[F], F]:
    return webhook_checks.post(
        router, path, security, ChangeReceipt, "Updated, went live, duplicate, stale or ignored."
    )


@_post("/servicenow/{department}/changes", DEPARTMENT_TOKEN)
async def servicenow_change_webhook(
    department: DepartmentInPath,
    request: Request,
    pool: PoolDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> JSONResponse:
    """ServiceNow `change_request` records from a business rule carrying the department's token."""
    payload = await webhook_checks.read_servicenow(pool, department, request)
    return await _deliver(
        pool,
        clock,
        settings,
        department,
        Tool.SERVICENOW,
        None,
        lambda: servicenow_changes.parse(payload),
    )


@_post("/jira/{department}/changes", JIRA_SIGNED_OR_TOKEN)
async def jira_change_webhook(
    department: DepartmentInPath,
    request: Request,
    pool: PoolDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> JSONResponse:
    """Jira Service Management changes, signed with a secret (X-Hub-Signature) or sent with a
    token; filter the webhook with JQL `issuetype = Change`."""
    payload = await webhook_checks.read_jira(pool, department, request)
    field = settings.jira_planned_start_field
    return await _deliver(
        pool,
        clock,
        settings,
        department,
        Tool.JIRA,
        delivery_key(request.headers.get("x-atlassian-webhook-identifier")),
        lambda: jira_changes.parse(payload, planned_start_field=field),
    )


@_post("/github/{department}/changes", GITHUB_SIGNED)
async def github_change_webhook(
    department: DepartmentInPath,
    request: Request,
    pool: PoolDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> JSONResponse:
    """GitHub `issues` and `pull_request` events; items with the change label are changes."""
    payload = await webhook_checks.read_github(pool, department, request)
    event = request.headers.get("x-github-event")
    label = settings.github_change_label
    return await _deliver(
        pool,
        clock,
        settings,
        department,
        Tool.GITHUB,
        delivery_key(request.headers.get("x-github-delivery")),
        lambda: github_changes.parse(payload, event=event, label=label),
    )


async def _deliver(
    pool: Pool,
    clock: Clock,
    settings: IntakeSettings,
    department: str,
    tool: Tool,
    delivery_id: str | None,
    read: Callable[[], ChangeToolItem | Ignored],
) -> JSONResponse:
    outcome = await receive_change_webhook(
        pool=pool,
        clock=clock,
        settings=settings,
        department=department,
        tool=tool,
        delivery_id=delivery_id,
        read=read,
    )
    if isinstance(outcome, Ignored):
        return http_changes.ignored(outcome.reason)
    return receipts.single(outcome)
