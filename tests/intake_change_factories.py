"""Planned changes in each tool's real format, and native JSON, for intake's change routes.

Written from the tools' public documentation (ServiceNow `change_request` table fields,
Jira Service Management's Change issue type in the REST API v2 format, GitHub's `issues`
and `pull_request` webhook payloads), with the extra fields real deliveries carry.
People are pseudonymous; the only e-mail addresses are at example.org.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from bridgework.common.events import decode_headers, from_kafka
from tests.infra import read_topic
from tests.intake_factories import RunningIntake, bearer, github_issue_event, jira_issue_event

# Intake's test clock stands at 2026-11-06 15:00 UTC (tests.intake_factories.running_intake).
FUTURE = "2026-12-01T08:00:00+00:00"
PAST = "2026-10-01T08:00:00+00:00"


def change_json(**overrides: Any) -> dict[str, Any]:
    """A native-JSON planned change as a department's tool would POST it."""
    body: dict[str, Any] = {
        "department": "it",
        "title": "Multi-factor authentication for the finance system",
        "kind": "control",
        "owner": {"person_id": "p-it-7", "department": "it"},
        "affected_departments": ["finance", "hr"],
        "planned_go_live": FUTURE,
        "source": {"tool": "native", "reference": str(uuid4())},
    }
    body.update(overrides)
    return body


def servicenow_change_request(
    *,
    sys_id: str | None = None,
    state: Any = "-2",
    start_date: str = "2026-12-01 08:00:00",
    affected: Any = "Finance, Human Resources",
    sys_updated_on: str = "2026-11-05 10:00:00",
    **extra: Any,
) -> dict[str, Any]:
    """A change_request record as a business rule's outbound REST message sends it."""
    sys_id = sys_id or uuid4().hex
    record: dict[str, Any] = {
        "sys_id": sys_id,
        "number": "CHG0030042",
        "short_description": "Enforce MFA on the payroll portal",
        "description": "Conditional access policy for every payroll sign-in.",
        "category": "Security",
        "type": "normal",
        "state": state,
        "risk": "3",
        "impact": "2",
        "priority": "3",
        "requested_by": "46d44a23a9fe19810012d100cca80666",
        "requested_by.department": "IT",
        "assignment_group": "a715cd759f2002002920bde8132e7018",
        "u_affected_departments": affected,
        "start_date": start_date,
        "end_date": "2026-12-01 10:00:00",
        "work_start": "",
        "work_end": "",
        "close_code": "",
        "sys_updated_on": sys_updated_on,
        "url": f"https://example-org.service-now.com/change_request.do?sys_id={sys_id}",
    }
    record.update(extra)
    return record


def glide(moment: datetime) -> str:
    """A time as ServiceNow's GlideDateTime.getValue() sends it: UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def servicenow_closed(change_request: dict[str, Any], went_live: datetime) -> dict[str, Any]:
    """The same change_request as the business rule sends it again once ServiceNow closed it,
    successful, its work ended at `went_live` (the go-live intake reports)."""
    return change_request | {
        "state": "3",  # Closed
        "close_code": "successful",
        "work_start": glide(went_live - timedelta(minutes=20)),
        "work_end": glide(went_live),
        "sys_updated_on": glide(datetime.now(UTC)),
    }


def jira_change_event(
    event: str = "jira:issue_created",
    *,
    issue_id: str | None = None,
    duedate: str | None = "2026-12-01",
    status: str = "Planning",
    category: str = "new",
    resolution: str | None = None,
    labels: tuple[str, ...] = ("kind:retirement", "affects:marketing", "affects:sales"),
    updated: str = "2026-11-03T10:15:00.000+0000",
    **fields: Any,
) -> dict[str, Any]:
    """A Jira Service Management Change issue's webhook body."""
    payload = jira_issue_event(
        event, issue_id=issue_id, key="ITCM-12", labels=labels, components=(), updated=updated
    )
    issue_fields = payload["issue"]["fields"]
    issue_fields["summary"] = "Retire the old intranet wiki"
    issue_fields["issuetype"] = {"id": "10010", "name": "Change", "subtask": False}
    issue_fields["duedate"] = duedate
    issue_fields["status"] = {
        "name": status,
        "id": "10020",
        "statusCategory": {"id": 4, "key": category, "name": status},
    }
    issue_fields["resolution"] = {"name": resolution} if resolution else None
    issue_fields["resolutiondate"] = "2026-11-06T12:00:00.000+0000" if resolution else None
    issue_fields.update(fields)
    return payload


def github_change_issue(
    action: str = "opened",
    *,
    issue_id: int | None = None,
    labels: tuple[str, ...] = ("change", "rollout", "affects:estates"),
    body: str = "Go-live: 2026-12-01\n\nNew room-booking tool for every floor.",
    closed: bool = False,
) -> dict[str, Any]:
    """An `issues` event of an issue that carries the change label."""
    payload = github_issue_event(
        action,
        issue_id=issue_id,
        title="Roll out the new room-booking tool",
        body=body,
        labels=labels,
    )
    if closed:
        payload["issue"].update(
            state="closed", state_reason="completed", closed_at="2026-11-06T11:00:00Z"
        )
    return payload


def github_change_pull_request(
    action: str = "opened", *, pull_id: int | None = None, merged: bool = False
) -> dict[str, Any]:
    """A `pull_request` event of a pull request that carries the change label."""
    issue = github_change_issue(issue_id=pull_id, labels=("change", "access", "affects:legal"))
    pull = issue["issue"]
    pull.update(
        merged=merged,
        merged_at="2026-11-06T12:30:00Z" if merged else None,
        milestone={"id": 1, "number": 3, "title": "December", "due_on": "2026-12-02T08:00:00Z"},
        head={"ref": "narrow-share-access"},
        base={"ref": "main"},
    )
    return {"action": action, "number": pull["number"], "pull_request": pull}


async def change_events_of(
    intake: RunningIntake, change_id: str, *, count: int = 1, settle: float = 0.5
) -> list[Any]:
    """The changes-topic events of one change, once at least `count` are there."""

    def mine(records: list[Any]) -> list[Any]:
        return [r for r in records if r.key == change_id.encode()]

    records = await read_topic(
        intake.settings.kafka_bootstrap_servers,
        intake.settings.topics.changes,
        until=lambda records: len(mine(records)) >= count,
        settle=settle,
    )
    return [from_kafka(decode_headers(r.headers), r.value) for r in mine(records)]


async def post(intake: RunningIntake, token: str, path: str, body: Any) -> Any:
    """A JSON POST with the department token."""
    return await intake.client.post(path, json=body, headers=bearer(token))


async def stored_count(intake: RunningIntake) -> int:
    """How many changes intake's table holds: a refused request must leave it unchanged."""
    async with intake.pool.acquire() as connection:
        count: int = await connection.fetchval("SELECT count(*) FROM changes")
    return count


def failing_fields(response: Any) -> list[str]:
    """The fields a 422 names."""
    return [problem["field"] for problem in response.json()["fields"]]
