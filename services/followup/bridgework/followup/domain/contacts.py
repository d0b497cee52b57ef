"""How people and departments are reached: the only personal data follow-up holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# The JSON a webhook receives: Slack's, a Teams Workflows Adaptive Card, or Mattermost's.
WebhookFormat = Literal["slack", "teams", "mattermost"]
WEBHOOK_FORMATS: tuple[WebhookFormat, ...] = ("slack", "teams", "mattermost")

# Whom a contact stands for when a repair waits for a facilitator: the lead of their own
# department, or a member of the change team. For reaching people only, never for access.
ContactRole = Literal["department_lead", "change_team"]


@dataclass(frozen=True)
class Contact:
    """A person's display name and, where given, e-mail address and own incoming webhook;
    `department` and `roles` say whether they are told that a repair needs a facilitator."""

    person_id: str
    display_name: str
    email: str | None = None
    webhook_url: str | None = None
    webhook_format: WebhookFormat = "slack"
    department: str | None = None
    roles: tuple[ContactRole, ...] = ()


@dataclass(frozen=True)
class Webhook:
    """A department's incoming webhook, the kinds of message it takes and its format."""

    department: str
    url: str
    kinds: tuple[str, ...]
    format: WebhookFormat = "slack"
