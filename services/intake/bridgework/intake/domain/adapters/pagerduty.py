"""PagerDuty v3 webhooks: incident events.

Every `incident.*` event whose data is the incident itself maps the same way;
de-duplication decides whether it changed anything (an acknowledgement does not).
The service, teams, escalation policy and incident type are the tags; the
priority (P1…P5), then the urgency, give the severity; assignees are
responsible. Reference: the incident id; the URL is its page. The event id
identifies the delivery.
"""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from bridgework.intake.domain.adapters import parse_as
from bridgework.intake.domain.mapping import Ignored, Tool, ToolItem

# Event types whose `data` is the incident (others carry annotations, responders, status updates).
INCIDENT_EVENTS = {
    "incident.triggered",
    "incident.acknowledged",
    "incident.unacknowledged",
    "incident.resolved",
    "incident.reopened",
    "incident.reassigned",
    "incident.escalated",
    "incident.delegated",
    "incident.priority_updated",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PagerDutyReference(_Model):
    id: str = Field(min_length=1)
    summary: str | None = None


class PagerDutyPriority(_Model):
    summary: str


class PagerDutyIncidentType(_Model):
    name: str


class PagerDutyIncident(_Model):
    id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1)
    html_url: str | None = None
    created_at: AwareDatetime
    urgency: str | None = None
    service: PagerDutyReference | None = None
    assignees: list[PagerDutyReference] = Field(default_factory=list)
    teams: list[PagerDutyReference] = Field(default_factory=list)
    escalation_policy: PagerDutyReference | None = None
    priority: PagerDutyPriority | None = None
    incident_type: PagerDutyIncidentType | None = None


class PagerDutyEvent(_Model):
    id: str = Field(min_length=1)
    event_type: str
    resource_type: str
    occurred_at: AwareDatetime
    data: Any = None


class PagerDutyDelivery(_Model):
    event: PagerDutyEvent


def delivery_id(payload: Any) -> str:
    """The event id: PagerDuty's retries of one event share it."""
    return parse_as(PagerDutyDelivery, payload).event.id


def parse(payload: Any) -> ToolItem | Ignored:
    """The incident a PagerDuty v3 webhook delivery describes."""
    event = parse_as(PagerDutyDelivery, payload).event
    if event.resource_type != "incident" or event.event_type not in INCIDENT_EVENTS:
        return Ignored(f"PagerDuty event {event.event_type!r} does not describe an incident")
    incident = parse_as(PagerDutyIncident, event.data, at=("event", "data"))
    tags = [
        reference.summary
        for reference in (
            incident.service,
            *incident.teams,
            incident.escalation_policy,
        )
        if reference is not None and reference.summary
    ]
    if incident.incident_type is not None:
        tags.append(incident.incident_type.name)
    hints = [incident.priority.summary] if incident.priority else []
    if incident.urgency:
        hints.append(incident.urgency)
    return ToolItem(
        tool=Tool.PAGERDUTY,
        reference=incident.id,
        url=incident.html_url,
        summary=incident.title,
        occurred_at=incident.created_at,
        updated_at=event.occurred_at,
        tags=tuple(tags),
        severity_hints=tuple(hints),
        responsible=tuple(assignee.id for assignee in incident.assignees),
    )
