"""Reading repairs: one with its incidents, the one of an incident, a page of summaries, and
the confidential conversation for one of the repair's participants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from bridgework.agreements.domain import conversation
from bridgework.agreements.domain.conversation import ConversationRecord
from bridgework.agreements.domain.readers import Reader, require_may_list, require_may_read
from bridgework.agreements.domain.repair import RepairStatus, RepairSummary, unknown_repair
from bridgework.agreements.repository import conversation as conversation_rows
from bridgework.agreements.repository import incidents as incident_rows
from bridgework.agreements.repository import repairs as repair_rows
from bridgework.agreements.use_cases.repair_changes import RepairDetails, details_of
from bridgework.agreements.use_cases.sealing import opener, sealed_in_conversation
from bridgework.common.errors import DomainError, ErrorKind
from bridgework.common.postgres import Pool
from bridgework.common.privacy import KeyStore, Unsealer


@dataclass(frozen=True)
class Conversation:
    """A repair's conversation, oldest record first; `texts` opens its answers."""

    repair_id: UUID
    records: list[ConversationRecord]
    texts: Unsealer


async def repair_details(
    *, pool: Pool, keys: KeyStore, repair_id: UUID, reader: Reader
) -> RepairDetails:
    """One repair as it stands, with its incidents, for a person who may read it (its texts
    open for them: whoever may read a repair sees its reasons and actions)."""
    async with pool.acquire() as connection:
        repair = await repair_rows.get_repair(connection, repair_id)
        if repair is None:
            raise unknown_repair(repair_id)
        require_may_read(repair, reader)
        return await details_of(connection, keys, repair)


async def repair_of_incident(
    *, pool: Pool, keys: KeyStore, incident_id: UUID, reader: Reader
) -> RepairDetails:
    """The repair an incident belongs to, once the incident has been heard of."""
    async with pool.acquire() as connection:
        repair_id = await incident_rows.find_repair_of_incident(connection, incident_id)
    if repair_id is None:
        raise DomainError(
            "unknown_incident",
            f"no repair for incident {incident_id}",
            kind=ErrorKind.NOT_FOUND,
        )
    return await repair_details(pool=pool, keys=keys, repair_id=repair_id, reader=reader)


async def list_repairs(
    *,
    pool: Pool,
    reader: Reader,
    limit: int,
    before: datetime | None,
    before_id: UUID | None,
    status: RepairStatus | None,
) -> list[RepairSummary]:
    """Repairs, newest first, a page at a time (the change team's)."""
    require_may_list(reader)
    async with pool.acquire() as connection:
        return await repair_rows.list_repairs(
            connection, limit=limit, before=before, before_id=before_id, status=status
        )


async def read_conversation(
    *, pool: Pool, keys: KeyStore, repair_id: UUID, reader: Reader
) -> Conversation:
    """The conversation of a repair, for one of its participants (facilitator included) only;
    a repair the person may not see at all does not exist for them."""
    async with pool.acquire() as connection:
        repair = await repair_rows.get_repair(connection, repair_id)
        if repair is None:
            raise unknown_repair(repair_id)
        require_may_read(repair, reader)
        conversation.require_reader(repair, reader.person_id)
        records = await conversation_rows.conversation_of(connection, repair_id)
        texts = await opener(connection, keys, sealed_in_conversation(records))
        return Conversation(repair_id, records, texts)
