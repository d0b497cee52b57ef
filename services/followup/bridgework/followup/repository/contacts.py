"""People's contact details: the only personal data follow-up holds, erased on request."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import asyncpg

from bridgework.common.postgres import Connection
from bridgework.followup.domain.contacts import Contact


def contact_of_row(row: asyncpg.Record) -> Contact:
    """A contact as stored (its roles a tuple)."""
    return Contact(**{**dict(row), "roles": tuple(row["roles"])})


async def contacts(connection: Connection, person_ids: Iterable[str]) -> dict[str, Contact]:
    """The contact details of the people named who have any, by person id."""
    rows = await connection.fetch(
        "SELECT person_id, display_name, email, webhook_url, webhook_format, department, roles"
        " FROM contacts WHERE person_id = ANY($1::text[])",
        list(set(person_ids)),
    )
    return {row["person_id"]: contact_of_row(row) for row in rows}


async def put_contact(connection: Connection, contact: Contact, *, now: datetime) -> None:
    """Insert or replace a person's contact details."""
    await connection.execute(
        "INSERT INTO contacts (person_id, display_name, email, webhook_url, updated_at,"
        " webhook_format, department, roles)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (person_id) DO UPDATE SET"
        " display_name = EXCLUDED.display_name, email = EXCLUDED.email,"
        " webhook_url = EXCLUDED.webhook_url, updated_at = EXCLUDED.updated_at,"
        " webhook_format = EXCLUDED.webhook_format, department = EXCLUDED.department,"
        " roles = EXCLUDED.roles",
        contact.person_id,
        contact.display_name,
        contact.email,
        contact.webhook_url,
        now,
        contact.webhook_format,
        contact.department,
        list(contact.roles),
    )


async def erase_contact(connection: Connection, person_id: str) -> bool:
    """Delete a person's contact details and cancel what still waits to go to them."""
    await connection.execute(
        "UPDATE deliveries d SET status = 'cancelled', last_error = 'contact erased'"
        " FROM nudges n WHERE n.nudge_id = d.nudge_id AND d.status = 'pending'"
        " AND n.recipient_id = $1",
        person_id,
    )
    deleted = await connection.fetchval(
        "DELETE FROM contacts WHERE person_id = $1 RETURNING true", person_id
    )
    return bool(deleted)
