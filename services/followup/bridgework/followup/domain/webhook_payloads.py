"""The JSON a chat's incoming webhook takes, per format: Slack's, an Adaptive Card for a Teams
Workflows webhook, and Mattermost's. Each carries the whole message; a link becomes a button
where the format has one, and stays in the text for the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bridgework.followup.domain.contacts import WebhookFormat
from bridgework.followup.domain.messages import Message

# Slack caps a header at 150 characters and a section at 3,000.
SLACK_HEADER_LIMIT = 150
SLACK_SECTION_LIMIT = 3000
ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
# 1.4 renders in Teams on every client; Action.OpenUrl has been there since 1.0.
ADAPTIVE_CARD_VERSION = "1.4"
ADAPTIVE_CARD_TYPE = "application/vnd.microsoft.card.adaptive"
# Mattermost's attachment border: the calm blue of the pages.
MATTERMOST_COLOR = "#2f6f9f"


@dataclass(frozen=True)
class Sender:
    """How a post is signed where the chat lets a webhook choose (Mattermost)."""

    username: str
    icon_url: str | None = None


def webhook_payload(
    message: Message, webhook_format: WebhookFormat, sender: Sender
) -> dict[str, Any]:
    """The body to post for `message` in `webhook_format`."""
    if webhook_format == "teams":
        return teams_payload(message)
    if webhook_format == "mattermost":
        return mattermost_payload(message, sender)
    return slack_payload(message)


def slack_payload(message: Message) -> dict[str, Any]:
    """Slack's incoming-webhook JSON: `text` (the notification and fallback) and blocks, with
    a button for the link."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": message.subject[:SLACK_HEADER_LIMIT]},
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": message.text[:SLACK_SECTION_LIMIT]}},
    ]
    if message.link:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": message.link_label or "Open"},
                        "url": message.link,
                    }
                ],
            }
        )
    return {"text": f"*{message.subject}*\n\n{message.text}", "blocks": blocks}


def teams_payload(message: Message) -> dict[str, Any]:
    """A Teams Workflows ("Post to a channel when a webhook request is received") message: one
    Adaptive Card attachment, the subject as its title, the text wrapped, the link a button."""
    card: dict[str, Any] = {
        "$schema": ADAPTIVE_CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": ADAPTIVE_CARD_VERSION,
        "body": [
            {
                "type": "TextBlock",
                "text": message.subject,
                "size": "Medium",
                "weight": "Bolder",
                "wrap": True,
            },
            {"type": "TextBlock", "text": message.text, "wrap": True},
        ],
    }
    if message.link:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": message.link_label or "Open", "url": message.link}
        ]
    return {
        "type": "message",
        "attachments": [{"contentType": ADAPTIVE_CARD_TYPE, "contentUrl": None, "content": card}],
    }


def mattermost_payload(message: Message, sender: Sender) -> dict[str, Any]:
    """Mattermost's incoming-webhook JSON: the subject as `text` (what notifications show),
    the message as an attachment titled with the subject and linked where there is a link."""
    attachment: dict[str, Any] = {
        "fallback": message.subject,
        "color": MATTERMOST_COLOR,
        "title": message.subject,
        "text": message.text,
    }
    if message.link:
        attachment["title_link"] = message.link
    payload: dict[str, Any] = {
        "text": f"**{message.subject}**",
        "username": sender.username,
        "attachments": [attachment],
    }
    if sender.icon_url:
        payload["icon_url"] = sender.icon_url
    return payload
