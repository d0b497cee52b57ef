"""GitHub `issues` webhooks: an issue is an incident; its labels say category and severity.

The whole issue comes with every action, so `opened`, `edited`, `labeled`,
`assigned`, `closed`… all map the same way and de-duplication decides whether
anything changed. Reference: the issue's global id (stable across repository
renames); the URL is the issue's page.
"""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from bridgework.intake.domain.adapters import parse_as
from bridgework.intake.domain.mapping import Ignored, Tool, ToolItem

# Actions after which the issue is no longer the department's to report.
_NOT_AN_INCIDENT_ANYMORE = {"deleted", "transferred"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class GitHubUser(_Model):
    id: int
    login: str


class GitHubLabel(_Model):
    name: str


class GitHubIssue(_Model):
    id: int
    number: int
    title: str = Field(min_length=1)
    body: str | None = None
    html_url: str
    user: GitHubUser
    assignees: list[GitHubUser] = Field(default_factory=list)
    labels: list[GitHubLabel] = Field(default_factory=list)
    created_at: AwareDatetime
    updated_at: AwareDatetime | None = None


class GitHubIssuesEvent(_Model):
    action: str
    issue: GitHubIssue


def parse(payload: Any, *, event: str | None) -> ToolItem | Ignored:
    """The incident a GitHub delivery describes (`event` is the X-GitHub-Event header)."""
    if event == "ping":
        return Ignored("ping: the webhook is connected")
    if event != "issues":
        return Ignored(f"GitHub event {event!r} is not an issue event; subscribe to `issues` only")
    delivery = parse_as(GitHubIssuesEvent, payload)
    if delivery.action in _NOT_AN_INCIDENT_ANYMORE:
        return Ignored(f"issue {delivery.action}")
    issue = delivery.issue
    return ToolItem(
        tool=Tool.GITHUB,
        reference=str(issue.id),
        url=issue.html_url,
        summary=issue.title,
        occurred_at=issue.created_at,
        updated_at=issue.updated_at,
        tags=tuple(label.name for label in issue.labels),
        responsible=tuple(str(user.id) for user in issue.assignees),
        reporter=str(issue.user.id),
        text=issue.body,
    )
