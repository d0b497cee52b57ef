"""Payloads in each tool's real format, for intake's adapters, and the signatures tools send.

Written from the tools' public documentation (GitHub "Webhook events and payloads",
Atlassian "Jira Cloud webhooks", ServiceNow Table API / RESTMessageV2, PagerDuty
"V3 Webhooks"), trimmed of nothing the adapters might trip over: the extra fields
real deliveries carry are here too, so the adapters are shown to ignore them.
People are pseudonymous; the only e-mail addresses are at example.org.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
from fastapi import FastAPI

from bridgework.common.clock import ManualClock
from bridgework.common.events import decode_headers, from_kafka
from bridgework.common.postgres import Pool
from bridgework.common.runtime import Runtime
from bridgework.intake.app import create_app
from bridgework.intake.domain.mapping import Tool
from bridgework.intake.settings import IntakeSettings
from bridgework.intake.use_cases import credentials
from tests.infra import Infrastructure, create_database, drop_database, read_topic, running

GITHUB_SECRET = "github-webhook-secret-for-tests-0001"
JIRA_SECRET = "jira-webhook-secret-for-tests-00001"
PAGERDUTY_SECRET = "pagerduty-signing-secret-for-tests-1"


def hub_signature(secret: str, body: bytes) -> str:
    """GitHub's X-Hub-Signature-256 (and Jira's X-Hub-Signature) for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def pagerduty_signature(body: bytes, *secrets: str) -> str:
    """PagerDuty's X-PagerDuty-Signature: one `v1=` per signing secret."""
    return ",".join(
        "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest() for secret in secrets
    )


def encode(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def _github_user(login: str, user_id: int) -> dict[str, Any]:
    return {
        "login": login,
        "id": user_id,
        "node_id": f"MDQ6VXNlcj{user_id}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": f"https://api.github.com/users/{login}",
        "html_url": f"https://github.com/{login}",
        "type": "User",
        "site_admin": False,
    }


def github_issue_event(
    action: str = "opened",
    *,
    issue_id: int | None = None,
    number: int = 42,
    title: str = "Finance locked out of the shared drive after the permissions clean-up",
    body: str | None = None,
    labels: tuple[str, ...] = ("access", "severity:high", "affects:finance"),
    assignees: tuple[tuple[str, int], ...] = (("it-admin-7", 5101),),
    author: tuple[str, int] = ("fin-analyst-2", 5202),
    updated_at: str = "2026-11-02T09:45:00Z",
) -> dict[str, Any]:
    """An `issues` event as GitHub delivers it (X-GitHub-Event: issues)."""
    issue_id = issue_id if issue_id is not None else int(uuid4().int % 10**10)
    repo = "example-org/it-service-desk"
    return {
        "action": action,
        "issue": {
            "url": f"https://api.github.com/repos/{repo}/issues/{number}",
            "repository_url": f"https://api.github.com/repos/{repo}",
            "labels_url": f"https://api.github.com/repos/{repo}/issues/{number}/labels{{/name}}",
            "comments_url": f"https://api.github.com/repos/{repo}/issues/{number}/comments",
            "events_url": f"https://api.github.com/repos/{repo}/issues/{number}/events",
            "html_url": f"https://github.com/{repo}/issues/{number}",
            "id": issue_id,
            "node_id": "I_kwDOA1b2c3",
            "number": number,
            "title": title,
            "user": _github_user(*author),
            "labels": [
                {
                    "id": 1000 + index,
                    "node_id": f"LA_{index}",
                    "url": f"https://api.github.com/repos/{repo}/labels/{name}",
                    "name": name,
                    "color": "d73a4a",
                    "default": False,
                    "description": "",
                }
                for index, name in enumerate(labels)
            ],
            "state": "open",
            "locked": False,
            "assignee": _github_user(*assignees[0]) if assignees else None,
            "assignees": [_github_user(*user) for user in assignees],
            "milestone": None,
            "comments": 0,
            "created_at": "2026-11-02T09:30:00Z",
            "updated_at": updated_at,
            "closed_at": None,
            "author_association": "MEMBER",
            "active_lock_reason": None,
            "body": body
            if body is not None
            else (
                "### What happened?\n\nThe nightly clean-up removed finance's group from the "
                "shared drive; month-end reports could not be opened.\n\n"
                "### Who has been affected, and how?\n\nFour analysts lost a day of work.\n\n"
                "### What needs to happen to make things right?\n\n_No response_"
            ),
            "reactions": {"url": "", "total_count": 0, "+1": 0, "-1": 0},
            "timeline_url": f"https://api.github.com/repos/{repo}/issues/{number}/timeline",
            "performed_via_github_app": None,
            "state_reason": None,
        },
        "repository": {
            "id": 700100,
            "node_id": "R_kgDOA1b2c3",
            "name": "it-service-desk",
            "full_name": repo,
            "private": True,
            "owner": _github_user("example-org", 9000),
            "html_url": f"https://github.com/{repo}",
        },
        "sender": _github_user(*author),
    }


def _jira_user(account_id: str, name: str) -> dict[str, Any]:
    return {
        "self": f"https://example-org.atlassian.net/rest/api/2/user?accountId={account_id}",
        "accountId": account_id,
        "emailAddress": f"{name}@example.org",
        "avatarUrls": {"48x48": "https://avatar-management.example.org/48.png"},
        "displayName": name,
        "active": True,
        "timeZone": "Europe/London",
        "accountType": "atlassian",
    }


def jira_issue_event(
    event: str = "jira:issue_created",
    *,
    issue_id: str | None = None,
    key: str = "ITSD-118",
    summary: str = "Marketing's campaign board was shut down without warning",
    priority: str = "High",
    labels: tuple[str, ...] = ("shadow-it", "affects:marketing"),
    components: tuple[str, ...] = ("Collaboration tools",),
    description: Any = (
        "h3. What happened?\nIT closed the unapproved board during an audit.\n"
        "h3. What were you thinking at the time?\nWe needed a planning tool quickly."
    ),
    updated: str = "2026-11-03T10:15:00.000+0000",
) -> dict[str, Any]:
    """A Jira Cloud issue webhook body (REST API v2 field format)."""
    issue_id = issue_id or str(uuid4().int % 10**6)
    payload: dict[str, Any] = {
        "timestamp": 1793700900000,
        "webhookEvent": event,
        "issue_event_type_name": "issue_created" if event.endswith("created") else "issue_generic",
        "user": _jira_user("557058:0f3c9a1e-1111-4c49-9408-dc34bd0e2d85", "it.admin"),
        "issue": {
            "id": issue_id,
            "self": f"https://example-org.atlassian.net/rest/api/2/issue/{issue_id}",
            "key": key,
            "fields": {
                "statuscategorychangedate": "2026-11-03T10:00:00.000+0000",
                "issuetype": {
                    "self": "https://example-org.atlassian.net/rest/api/2/issuetype/10004",
                    "id": "10004",
                    "description": "A problem which impairs or prevents the functions of a service.",
                    "name": "Incident",
                    "subtask": False,
                    "hierarchyLevel": 0,
                },
                "project": {
                    "self": "https://example-org.atlassian.net/rest/api/2/project/10000",
                    "id": "10000",
                    "key": "ITSD",
                    "name": "IT Service Desk",
                    "projectTypeKey": "service_desk",
                },
                "created": "2026-11-03T10:00:00.000+0000",
                "updated": updated,
                "priority": {
                    "self": "https://example-org.atlassian.net/rest/api/2/priority/2",
                    "iconUrl": "https://example-org.atlassian.net/images/icons/priorities/high.svg",
                    "name": priority,
                    "id": "2",
                },
                "labels": list(labels),
                "components": [
                    {
                        "self": "https://example-org.atlassian.net/rest/api/2/component/1",
                        "id": "1",
                        "name": name,
                    }
                    for name in components
                ],
                "assignee": _jira_user("557058:aa11bb22-3333-4c49-9408-dc34bd0e2d85", "it.auditor"),
                "reporter": _jira_user("5b10ac8d82e05b22cc7d4ef5", "mkt.planner"),
                "creator": _jira_user("5b10ac8d82e05b22cc7d4ef5", "mkt.planner"),
                "status": {"name": "Open", "id": "1"},
                "description": description,
                "summary": summary,
                "subtasks": [],
                "watches": {"watchCount": 1, "isWatching": True},
                "resolution": None,
            },
        },
    }
    if event == "jira:issue_updated":
        payload["changelog"] = {
            "id": "10400",
            "items": [
                {
                    "field": "priority",
                    "fieldtype": "jira",
                    "from": "3",
                    "fromString": "Medium",
                    "to": "2",
                    "toString": priority,
                }
            ],
        }
    return payload


def servicenow_incident(
    *,
    sys_id: str | None = None,
    short_description: Any = "Payroll portal unreachable from the finance floor",
    priority: Any = "2",
    category: Any = "network",
    opened_at: str = "2026-11-04 07:55:00",
    sys_updated_on: str = "2026-11-04 08:05:00",
    display_values: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """The incident record as a business rule's outbound REST message sends it."""
    sys_id = sys_id or uuid4().hex
    record: dict[str, Any] = {
        "sys_id": sys_id,
        "number": "INC0010023",
        "short_description": short_description,
        "description": "**What happened?**\nThe VPN profile pushed on Monday blocked the portal.",
        "category": category,
        "subcategory": "vpn",
        "priority": priority,
        "impact": "2",
        "urgency": "2",
        "state": "2",
        "caller_id": "62826bf03710200044e0bfc8bcbe5df1",
        "assigned_to": "46d44a23a9fe19810012d100cca80666",
        "caller_id.department": "Finance",
        "opened_at": opened_at,
        "sys_updated_on": sys_updated_on,
        "url": f"https://example-org.service-now.com/incident.do?sys_id={sys_id}",
        "u_make_things_right": "Test VPN changes with finance before rollout.",
    }
    if display_values:
        record["priority"] = {"value": "1", "display_value": "1 - Critical"}
        record["category"] = {"value": "network", "display_value": "Network"}
        record["caller_id"] = {
            "value": "62826bf03710200044e0bfc8bcbe5df1",
            "display_value": "Finance Analyst",
            "link": "https://example-org.service-now.com/api/now/table/sys_user/62826bf0",
        }
        record["caller_id.department"] = {"value": "a581ab70", "display_value": "Finance"}
    record.update(extra)
    return record


def _pd_reference(kind: str, ref_id: str, summary: str) -> dict[str, Any]:
    plural = {"user": "users", "service": "service-directory", "team": "teams"}.get(kind, kind)
    return {
        "html_url": f"https://example-org.pagerduty.com/{plural}/{ref_id}",
        "id": ref_id,
        "self": f"https://api.pagerduty.com/{plural}/{ref_id}",
        "summary": summary,
        "type": f"{kind}_reference",
    }


def pagerduty_event(
    event_type: str = "incident.triggered",
    *,
    event_id: str | None = None,
    incident_id: str = "PT4KHLK",
    title: str = "Building access system down after patch window overran",
    priority: str | None = "P2",
    urgency: str = "high",
    occurred_at: str = "2026-11-05T07:02:00.000Z",
) -> dict[str, Any]:
    """A PagerDuty v3 webhook body with an incident as its data."""
    data: dict[str, Any] = {
        "id": incident_id,
        "type": "incident",
        "self": f"https://api.pagerduty.com/incidents/{incident_id}",
        "html_url": f"https://example-org.pagerduty.com/incidents/{incident_id}",
        "number": 1234,
        "status": "triggered",
        "incident_key": "baf7cf21b1da41b4b0221008339ff357",
        "created_at": "2026-11-05T07:00:00.000Z",
        "title": title,
        "service": _pd_reference("service", "PIJ90N7", "Estates access control"),
        "assignees": [_pd_reference("user", "PXPGF42", "On-call engineer")],
        "escalation_policy": _pd_reference("escalation_policy", "PUS0KTE", "IT on-call"),
        "teams": [_pd_reference("team", "PFCVPS0", "Infrastructure")],
        "priority": (
            {
                "html_url": "https://example-org.pagerduty.com/account/incident_priorities",
                "id": "PSO75BM",
                "self": "https://api.pagerduty.com/priorities/PSO75BM",
                "summary": priority,
                "type": "priority",
            }
            if priority
            else None
        ),
        "urgency": urgency,
        "conference_bridge": None,
        "resolve_reason": None,
    }
    return {
        "event": {
            "id": event_id or str(uuid4()),
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": occurred_at,
            "agent": _pd_reference("user", "PXPGF42", "On-call engineer"),
            "client": None,
            "data": data,
        }
    }


def pagerduty_annotation(event_id: str | None = None) -> dict[str, Any]:
    """An `incident.annotated` event: its data is a note, not the incident."""
    payload = pagerduty_event("incident.annotated", event_id=event_id)
    payload["event"]["data"] = {
        "incident": _pd_reference("incident", "PT4KHLK", "[#1234] Building access"),
        "id": "PWL7QXS",
        "content": "Estates confirmed doors are on manual override.",
        "trimmed": False,
        "type": "incident_note",
    }
    return payload


def incident_data(department: str = "it", **overrides: Any) -> dict[str, Any]:
    """A native submission, as CloudEvents `data`."""
    data: dict[str, Any] = {
        "department": department,
        "category": "outage",
        "severity": "moderate",
        "summary": "The print service dropped every job queued during the failover.",
        "occurred_at": "2026-11-06T14:00:00+00:00",
        "responsible": [{"person_id": "p-it-009", "department": "it"}],
        "affected_departments": ["legal"],
        "source": {"tool": "monitoring", "reference": str(uuid4())},
    }
    data.update(overrides)
    return data


def structured_cloudevent(
    data: Any, *, token: str | None = None, **attributes: Any
) -> dict[str, Any]:
    """A CloudEvent in structured mode, as JSON."""
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(uuid4()),
        "source": "/it/monitoring",
        "type": "bridgework.intake.incident.v1",
        "time": "2026-11-06T14:01:00Z",
        "datacontenttype": "application/json",
        "data": copy.deepcopy(data),
    }
    if token is not None:
        event["bridgeworktoken"] = token
    event.update(attributes)
    return event


def binary_kafka_headers(
    *, event_id: str | None = None, token: str | None = None, **attributes: str
) -> list[tuple[str, bytes]]:
    """Kafka headers of a binary-mode CloudEvent (the body is the data)."""
    values = {
        "ce_specversion": "1.0",
        "ce_id": event_id or str(uuid4()),
        "ce_source": "/it/monitoring",
        "ce_type": "bridgework.intake.incident.v1",
        "content-type": "application/json",
        **{f"ce_{name}": value for name, value in attributes.items()},
    }
    if token is not None:
        values["ce_bridgeworktoken"] = token
    return [(name, value.encode()) for name, value in values.items()]


@dataclass
class RunningIntake:
    """Intake running in-process on its own database and topic namespace, for a test module."""

    client: httpx.AsyncClient
    settings: IntakeSettings
    app: FastAPI
    clock: ManualClock

    @property
    def pool(self) -> Pool:
        runtime: Runtime = self.app.state.runtime
        return runtime.pool

    async def token(self, department: str = "it") -> str:
        """A fresh API token of `department`."""
        _, token = await credentials.create_token(
            pool=self.pool, clock=self.clock, department=department, label="test"
        )
        return token

    async def secret(self, department: str, tool: Tool, secret: str) -> None:
        """Give `department` a signing secret for `tool`."""
        await credentials.add_webhook_secret(
            pool=self.pool,
            clock=self.clock,
            department=department,
            tool=tool,
            secret=secret,
            label="t",
        )

    async def events_of(
        self, incident_id: str, *, count: int = 1, settle: float = 0.5
    ) -> list[Any]:
        """The incidents-topic events of one incident, once at least `count` are there."""

        def mine(records: list[Any]) -> list[Any]:
            return [r for r in records if r.key == incident_id.encode()]

        records = await read_topic(
            self.settings.kafka_bootstrap_servers,
            self.settings.topics.incidents,
            until=lambda records: len(mine(records)) >= count,
            settle=settle,
        )
        return [from_kafka(decode_headers(r.headers), r.value) for r in mine(records)]


@asynccontextmanager
async def running_intake(infra: Infrastructure, **overrides: Any) -> AsyncIterator[RunningIntake]:
    """Intake on a fresh database and namespace, dropped afterwards."""
    database_url = await create_database(infra)
    settings = IntakeSettings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=f"t{uuid4().hex[:10]}",
        outbox_poll_seconds=0.2,
        **overrides,
    )
    clock = ManualClock(datetime(2026, 11, 6, 15, 0, tzinfo=UTC))
    app = create_app(settings, clock)
    try:
        async with running(app) as client:
            yield RunningIntake(client=client, settings=settings, app=app, clock=clock)
    finally:
        await drop_database(infra, database_url)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}
