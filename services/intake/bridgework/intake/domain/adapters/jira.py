"""Jira Cloud issue webhooks (`jira:issue_created`, `jira:issue_updated`).

Labels, components and the issue type are the tags (category, affected
departments); the priority gives the severity; the assignee is responsible and
the reporter affected. Reference: the issue id (the key changes when an issue
moves project); the URL is the issue's browse page. The description may be
wiki text or Atlassian Document Format; its text is searched for answers. A linked issue
of type Change is the change the incident came from.
"""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from bridgework.intake.domain.adapters import parse_as
from bridgework.intake.domain.mapping import Ignored, Tool, ToolItem

ISSUE_EVENTS = {"jira:issue_created", "jira:issue_updated"}
_MAX_DEPTH = 20


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class JiraUser(_Model):
    # Jira Cloud identifies people by accountId; Jira Data Center by key or name.
    accountId: str | None = None  # noqa: N815 - Jira's field name
    key: str | None = None
    name: str | None = None

    @property
    def user_id(self) -> str | None:
        return self.accountId or self.key or self.name


class JiraNamed(_Model):
    name: str


class JiraLinkedIssue(_Model):
    id: str
    fields: dict[str, Any] = Field(default_factory=dict)

    @property
    def is_a_change(self) -> bool:
        kind = self.fields.get("issuetype")
        return isinstance(kind, dict) and str(kind.get("name", "")).lower() == "change"


class JiraLink(_Model):
    inwardIssue: JiraLinkedIssue | None = None  # noqa: N815 - Jira's field name
    outwardIssue: JiraLinkedIssue | None = None  # noqa: N815 - Jira's field name


class JiraFields(_Model):
    summary: str = Field(min_length=1)
    description: str | dict[str, Any] | None = None
    priority: JiraNamed | None = None
    labels: list[str] = Field(default_factory=list)
    components: list[JiraNamed] = Field(default_factory=list)
    issuetype: JiraNamed | None = None
    reporter: JiraUser | None = None
    assignee: JiraUser | None = None
    created: AwareDatetime
    updated: AwareDatetime | None = None
    issuelinks: list[JiraLink] = Field(default_factory=list)

    def linked_change(self) -> str | None:
        """The id of a linked issue of type Change (JSM's "is caused by"), if any."""
        linked = (
            issue for link in self.issuelinks for issue in (link.inwardIssue, link.outwardIssue)
        )
        return next((issue.id for issue in linked if issue is not None and issue.is_a_change), None)


class JiraIssue(_Model):
    id: str = Field(min_length=1)
    key: str = Field(min_length=1)
    self_url: str = Field(alias="self")
    fields: JiraFields


class JiraIssueEvent(_Model):
    webhookEvent: str  # noqa: N815 - Jira's field name
    issue: JiraIssue


class _Envelope(_Model):
    webhookEvent: str  # noqa: N815 - Jira's field name


def parse(payload: Any) -> ToolItem | Ignored:
    """The incident a Jira webhook delivery describes."""
    kind = parse_as(_Envelope, payload).webhookEvent
    if kind not in ISSUE_EVENTS:
        return Ignored(f"Jira event {kind!r} is not an issue creation or update")
    issue = parse_as(JiraIssueEvent, payload).issue
    fields = issue.fields
    tags = [*fields.labels, *(component.name for component in fields.components)]
    if fields.issuetype is not None:
        tags.append(fields.issuetype.name)
    return ToolItem(
        tool=Tool.JIRA,
        reference=issue.id,
        url=browse_url(issue.self_url, issue.key),
        summary=fields.summary,
        occurred_at=fields.created,
        updated_at=fields.updated,
        tags=tuple(tags),
        severity_hints=(fields.priority.name,) if fields.priority else (),
        responsible=_ids(fields.assignee),
        reporter=fields.reporter.user_id if fields.reporter else None,
        text=description_text(fields.description),
        change_reference=fields.linked_change(),
    )


def browse_url(self_url: str, key: str) -> str | None:
    """`https://x.atlassian.net/browse/KEY` from the issue's REST URL."""
    base, found, _ = self_url.partition("/rest/api/")
    return f"{base}/browse/{key}" if found else None


def description_text(description: str | dict[str, Any] | None) -> str | None:
    """Wiki text as is; Atlassian Document Format flattened to lines (headings kept as `###`)."""
    if description is None or isinstance(description, str):
        return description
    lines: list[str] = []
    _flatten(description, lines)
    return "\n".join(lines)


def _flatten(node: Any, lines: list[str], depth: int = 0) -> None:
    # Documents nest a few levels; a deeper one is not a description worth recursing into.
    if not isinstance(node, dict) or depth > _MAX_DEPTH:
        return
    kind = node.get("type")
    if kind in ("heading", "paragraph"):
        text = "".join(_texts(node))
        lines.append(f"### {text}" if kind == "heading" else text)
        return
    for child in _children(node):
        _flatten(child, lines, depth + 1)


def _texts(node: Any, depth: int = 0) -> list[str]:
    if not isinstance(node, dict) or depth > _MAX_DEPTH:
        return []
    if node.get("type") == "text" and isinstance(node.get("text"), str):
        return [node["text"]]
    return [text for child in _children(node) for text in _texts(child, depth + 1)]


def _children(node: dict[str, Any]) -> list[Any]:
    content = node.get("content")
    return content if isinstance(content, list) else []


def _ids(user: JiraUser | None) -> tuple[str, ...]:
    return (user.user_id,) if user is not None and user.user_id else ()
