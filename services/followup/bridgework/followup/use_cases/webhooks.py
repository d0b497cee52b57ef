"""Departments' incoming webhooks: set, read and removed."""

from __future__ import annotations

from bridgework.common.clock import Clock
from bridgework.common.errors import DomainError, ErrorKind
from bridgework.common.postgres import Pool
from bridgework.followup.domain.contacts import Webhook
from bridgework.followup.domain.targets import check_webhook_url
from bridgework.followup.repository import webhooks


async def webhook_of(*, pool: Pool, department: str) -> Webhook:
    """A department's webhook."""
    async with pool.acquire() as connection, connection.transaction():
        hook = (await webhooks.webhooks(connection, [department])).get(department)
    if hook is None:
        raise DomainError(
            "no_webhook", f"department {department} has no webhook", kind=ErrorKind.NOT_FOUND
        )
    return hook


async def set_webhook(
    *, pool: Pool, clock: Clock, webhook: Webhook, allow_private: bool = False
) -> Webhook:
    """Set a department's webhook and the kinds of nudge it receives; a URL naming a private
    address (unless `allow_private`) or another scheme than http(s) is refused (422)."""
    check_webhook_url(webhook.url, field="url", allow_private=allow_private)
    async with pool.acquire() as connection, connection.transaction():
        await webhooks.put_webhook(connection, webhook, now=clock.now())
    return webhook


async def remove_webhook(*, pool: Pool, department: str) -> None:
    """Remove a department's webhook (idempotent)."""
    async with pool.acquire() as connection, connection.transaction():
        await webhooks.delete_webhook(connection, department)
