"""Jira Service Management changes (`jira:issue_created`, `jira:issue_updated` of Change issues).

Point a webhook filtered by JQL (`issuetype = Change`) at the changes URL. Labels and
components are the tags (kind, `affects:` departments); the assignee owns the change, else
the reporter. Planned go-live: the field `BRIDGEWORK_JIRA_PLANNED_START_FIELD` names (JSM's
"Planned start" is a custom field whose id differs per site), else the due date (midnight
UTC). Went live: a done status category, or a status named Completed, Implemented, Done,
Closed or Resolved, unless the resolution says it did not happen; at `resolutiondate`, else
the last update. Reference: the issue id.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from bridgework.intake.domain.adapters import parse_as
from bridgework.intake.domain.adapters.jira import ISSUE_EVENTS, JiraIssue, browse_url
from bridgework.intake.domain.change_mapping import ChangeToolItem
from bridgework.intake.domain.errors import invalid_fields
from bridgework.intake.domain.mapping import Ignored, Tool, normalise

_LIVE_STATUSES = {"completed", "implemented", "done", "closed", "resolved"}
_NOT_DONE = {"won_t_do", "cancelled", "canceled", "declined", "failed", "rejected"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Named(_Model):
    name: str


class _StatusCategory(_Model):
    key: str | None = None


class _Status(_Model):
    name: str | None = None
    statusCategory: _StatusCategory | None = None  # noqa: N815 - Jira's field name


class _ChangeFields(_Model):
    status: _Status | None = None
    resolution: _Named | None = None
    resolutiondate: AwareDatetime | None = None
    duedate: date | None = None


class _Event(_Model):
    webhookEvent: str  # noqa: N815 - Jira's field name
    issue: JiraIssue


class _Fields(_Model):
    fields: _ChangeFields = Field(default_factory=_ChangeFields)


def parse(payload: Any, *, planned_start_field: str | None) -> ChangeToolItem | Ignored:
    """The change a Jira webhook delivery describes."""
    delivery = parse_as(_Event, payload) if isinstance(payload, dict) else parse_as(_Event, {})
    if delivery.webhookEvent not in ISSUE_EVENTS:
        return Ignored(f"Jira event {delivery.webhookEvent!r} is not an issue creation or update")
    issue = delivery.issue
    fields = issue.fields
    extra = parse_as(_Fields, payload["issue"], at=("issue",)).fields
    tags = [*fields.labels, *(component.name for component in fields.components)]
    owner = fields.assignee or fields.reporter
    return ChangeToolItem(
        tool=Tool.JIRA,
        reference=issue.id,
        url=browse_url(issue.self_url, issue.key),
        title=fields.summary,
        updated_at=fields.updated,
        planned_go_live=_planned(payload["issue"]["fields"], planned_start_field, extra.duedate),
        went_live_at=_went_live(extra, fields.updated),
        tags=tuple(tags),
        owner=owner.user_id if owner is not None else None,
    )


def _planned(raw: dict[str, Any], field: str | None, due: date | None) -> datetime | None:
    value = raw.get(field) if field else None
    if isinstance(value, str) and value.strip():
        try:
            when = datetime.fromisoformat(value.strip())
        except ValueError as invalid:
            loc = ("issue", "fields", field)
            raise invalid_fields([{"loc": loc, "msg": "not a date-time"}]) from invalid
        return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return datetime(due.year, due.month, due.day, tzinfo=UTC) if due is not None else None


def _went_live(fields: _ChangeFields, updated: datetime | None) -> datetime | None:
    status = fields.status
    done = status is not None and (
        normalise(status.name or "") in _LIVE_STATUSES
        or (status.statusCategory is not None and status.statusCategory.key == "done")
    )
    if not done or (fields.resolution and normalise(fields.resolution.name) in _NOT_DONE):
        return None
    return fields.resolutiondate or updated
