"""Sending a written nudge: e-mail over SMTP (text and HTML), webhooks in the format each
target chose (Slack, Teams Workflows, Mattermost: `domain/webhook_payloads.py`).

Each send has a timeout; a refusal or failure raises `DeliveryFailed`, and the delivery use
case decides whether to try again later. Its reason is logged and stored as `last_error`, so
it never holds an address, a name or a webhook URL (whose path is often its secret).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import aiosmtplib
import httpx

from bridgework.common.errors import DomainError
from bridgework.followup.clients.targets import TargetRefused, ensure_public_webhook
from bridgework.followup.domain.deliveries import Draft
from bridgework.followup.domain.targets import check_email_address
from bridgework.followup.domain.webhook_payloads import Sender, webhook_payload
from bridgework.followup.settings import FollowupSettings


class DeliveryFailed(Exception):  # noqa: N818 - a state of the delivery, like "sent"
    """A channel refused or failed; worth another try later."""


class Channels:
    """The adapters that actually send: SMTP and HTTP."""

    def __init__(self, settings: FollowupSettings, http: httpx.AsyncClient) -> None:
        self._settings = settings
        self._http = http
        self._sender = Sender(settings.webhook_username, settings.webhook_icon_url)

    @classmethod
    @asynccontextmanager
    async def open(cls, settings: FollowupSettings) -> AsyncIterator[Channels]:
        """Channels with an HTTP client of their own, closed afterwards."""
        # httpx logs every request's full URL at INFO; a webhook URL's path is its secret.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        async with httpx.AsyncClient(follow_redirects=False) as http:
            yield cls(settings, http)

    async def email(self, draft: Draft, *, message_id: str, sent_at: datetime) -> None:
        """Send `draft` to its e-mail address."""
        settings = self._settings
        if settings.smtp_host is None or draft.email is None:
            raise DeliveryFailed("no e-mail channel")
        try:  # stored before the admin API checked it: an address at an IP goes nowhere
            check_email_address(draft.email, field="email")
        except DomainError as refused:
            raise DeliveryFailed("e-mail address at an IP address refused") from refused
        mail = EmailMessage()
        mail["From"] = settings.mail_from
        mail["To"] = formataddr((draft.recipient_name, draft.email))
        mail["Subject"] = draft.message.subject
        mail["Date"] = format_datetime(sent_at)
        mail["Message-ID"] = message_id  # stable per nudge: a resend can be recognised
        mail.set_content(draft.message.text)
        mail.add_alternative(draft.message.html, subtype="html")
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        try:
            await aiosmtplib.send(
                mail,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=password,
                use_tls=settings.smtp_security == "tls",
                start_tls=settings.smtp_security == "starttls",
                timeout=settings.delivery_timeout_seconds,
            )
        except (aiosmtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(smtp_reason(error)) from error

    async def webhook(self, draft: Draft) -> None:
        """Post `draft` to its webhook."""
        if draft.webhook_url is None:
            raise DeliveryFailed("no webhook")
        try:
            async with asyncio.timeout(self._settings.delivery_timeout_seconds):
                await ensure_public_webhook(
                    draft.webhook_url, allow_private=self._settings.webhook_allow_private_targets
                )
        except TargetRefused as refused:
            raise DeliveryFailed(f"webhook refused: {refused}") from refused
        except TimeoutError as slow:
            raise DeliveryFailed("webhook: host not resolved in time") from slow
        try:
            response = await self._http.post(
                draft.webhook_url,
                json=webhook_payload(draft.message, draft.webhook_format, self._sender),
                timeout=self._settings.delivery_timeout_seconds,
            )
        except httpx.HTTPError as error:
            # httpx's messages may quote the URL: the type says enough.
            raise DeliveryFailed(f"webhook: {type(error).__name__}") from error
        if response.status_code >= 300:
            raise DeliveryFailed(f"webhook answered {response.status_code}")


def smtp_reason(error: Exception) -> str:
    """Why SMTP failed, without the server's words: they quote the recipient's address."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = sorted({r.code for r in error.recipients})
        return f"recipient refused ({', '.join(str(c) for c in codes)})"
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return f"SMTP: {type(error).__name__} ({error.code})"
    return f"SMTP: {type(error).__name__}"
