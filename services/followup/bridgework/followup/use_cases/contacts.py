"""People's contact details: set, read, and erased on request with what still waits to go."""

from __future__ import annotations

from bridgework.common.clock import Clock
from bridgework.common.errors import DomainError, ErrorKind
from bridgework.common.postgres import Pool
from bridgework.followup.domain.contacts import Contact
from bridgework.followup.domain.targets import check_email_address, check_webhook_url
from bridgework.followup.repository import contacts


async def contact_of(*, pool: Pool, person_id: str) -> Contact:
    """A person's contact details."""
    async with pool.acquire() as connection, connection.transaction():
        contact = (await contacts.contacts(connection, [person_id])).get(person_id)
    if contact is None:
        raise DomainError(
            "unknown_contact", f"no contact details for {person_id}", kind=ErrorKind.NOT_FOUND
        )
    return contact


async def set_contact(
    *, pool: Pool, clock: Clock, contact: Contact, allow_private: bool = False
) -> Contact:
    """Set (replace) how a person is reached: an e-mail address at a named domain, and a
    webhook at a public address (unless `allow_private`)."""
    if contact.email is not None:
        check_email_address(contact.email, field="email")
    if contact.webhook_url is not None:
        check_webhook_url(contact.webhook_url, field="webhook_url", allow_private=allow_private)
    async with pool.acquire() as connection, connection.transaction():
        await contacts.put_contact(connection, contact, now=clock.now())
    return contact


async def erase_contact(*, pool: Pool, person_id: str) -> None:
    """Erase a person's contact details (idempotent) and cancel deliveries still waiting."""
    async with pool.acquire() as connection, connection.transaction():
        await contacts.erase_contact(connection, person_id)
