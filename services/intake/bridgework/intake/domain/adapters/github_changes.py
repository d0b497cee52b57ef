"""GitHub issues and pull requests that carry the change label (`BRIDGEWORK_GITHUB_CHANGE_LABEL`).

`issues` and `pull_request` events bring the whole item with every action, so any action
maps the same way and de-duplication decides whether anything changed. Planned go-live:
the milestone's due date, else a line `Go-live: 2026-12-01` (or `Planned go-live:`, a date
or date-time) in the body. Owner: the first assignee, else the author. Went live: an issue
closed as completed (at `closed_at`), a pull request merged (at `merged_at`). Labels name
the kind and affected departments. Reference: the item's global id (an issue's and a pull
request's come from one sequence).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from bridgework.intake.domain.adapters import parse_as
from bridgework.intake.domain.change_mapping import ChangeToolItem
from bridgework.intake.domain.mapping import Ignored, Tool, normalise

_GO_LIVE_LINE = re.compile(
    r"^\W*(?:planned\s+)?go[\s-]?live\W*:\s*(?P<when>\d{4}-\d{2}-\d{2}(?:[T ][0-9:.+\-Z]+)?)",
    re.IGNORECASE | re.MULTILINE,
)
_GONE = {"deleted", "transferred"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _User(_Model):
    id: int


class _Label(_Model):
    name: str


class _Milestone(_Model):
    due_on: AwareDatetime | None = None


class GitHubItem(_Model):
    """What issues and pull requests share, and the fields that say each went live."""

    id: int
    title: str = Field(min_length=1)
    body: str | None = None
    html_url: str
    user: _User
    assignees: list[_User] = Field(default_factory=list)
    labels: list[_Label] = Field(default_factory=list)
    milestone: _Milestone | None = None
    updated_at: AwareDatetime | None = None
    state_reason: str | None = None
    closed_at: AwareDatetime | None = None
    merged_at: AwareDatetime | None = None


class _IssuesEvent(_Model):
    action: str
    issue: GitHubItem


class _PullRequestEvent(_Model):
    action: str
    pull_request: GitHubItem


def parse(payload: Any, *, event: str | None, label: str) -> ChangeToolItem | Ignored:
    """The change a GitHub delivery describes, or Ignored when it is not one."""
    if event == "ping":
        return Ignored("ping: the webhook is connected")
    if event == "issues":
        delivery = parse_as(_IssuesEvent, payload)
        action, item = delivery.action, delivery.issue
        went_live = item.closed_at if item.state_reason == "completed" else None
    elif event == "pull_request":
        pull = parse_as(_PullRequestEvent, payload)
        action, item, went_live = pull.action, pull.pull_request, pull.pull_request.merged_at
    else:
        return Ignored(f"GitHub event {event!r} is neither `issues` nor `pull_request`")
    if action in _GONE:
        return Ignored(f"item {action}")
    tags = tuple(entry.name for entry in item.labels)
    if normalise(label) not in {normalise(tag) for tag in tags}:
        return Ignored(f"the item does not carry the change label {label!r}")
    owner = item.assignees[0] if item.assignees else item.user
    return ChangeToolItem(
        tool=Tool.GITHUB,
        reference=str(item.id),
        url=item.html_url,
        title=item.title,
        updated_at=item.updated_at,
        planned_go_live=_planned(item),
        went_live_at=went_live,
        tags=tags,
        owner=str(owner.id),
    )


def _planned(item: GitHubItem) -> datetime | None:
    if item.milestone is not None and item.milestone.due_on is not None:
        return item.milestone.due_on
    found = _GO_LIVE_LINE.search(item.body or "")
    if found is None:
        return None
    try:
        when = datetime.fromisoformat(found["when"].replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
