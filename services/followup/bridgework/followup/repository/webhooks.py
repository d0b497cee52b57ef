"""Departments' incoming webhooks and the kinds of nudge each takes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bridgework.common.postgres import Connection
from bridgework.followup.domain.contacts import Webhook


async def webhooks(connection: Connection, departments: Iterable[str]) -> dict[str, Webhook]:
    """The webhooks of the departments named that have one, by department."""
    rows = await connection.fetch(
        "SELECT department, url, kinds, format FROM department_webhooks"
        " WHERE department = ANY($1::text[])",
        list(set(departments)),
    )
    return {
        row["department"]: Webhook(
            row["department"], row["url"], tuple(row["kinds"]), row["format"]
        )
        for row in rows
    }


async def put_webhook(connection: Connection, webhook: Webhook, *, now: datetime) -> None:
    """Insert or replace a department's webhook."""
    await connection.execute(
        "INSERT INTO department_webhooks (department, url, kinds, updated_at, format)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (department) DO UPDATE SET url = EXCLUDED.url,"
        " kinds = EXCLUDED.kinds, updated_at = EXCLUDED.updated_at, format = EXCLUDED.format",
        webhook.department,
        webhook.url,
        list(webhook.kinds),
        now,
        webhook.format,
    )


async def delete_webhook(connection: Connection, department: str) -> bool:
    """Delete a department's webhook; False if it had none."""
    return bool(
        await connection.fetchval(
            "DELETE FROM department_webhooks WHERE department = $1 RETURNING true", department
        )
    )
