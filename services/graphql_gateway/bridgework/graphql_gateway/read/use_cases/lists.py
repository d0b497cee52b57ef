"""The read model's entities as the viewer may see them: scoped pages, batched lookups."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar
from uuid import UUID

from bridgework.common.postgres import Connection, Pool
from bridgework.graphql_gateway.read.domain.access import Scope, scope_of
from bridgework.graphql_gateway.read.domain.pagination import (
    Filters,
    check_page_size,
    decode_cursor,
)
from bridgework.graphql_gateway.read.domain.records import (
    AgreementRecord,
    CheckInRecord,
    CommitmentRecord,
    ConsentRecord,
    ConversationRecord,
    DepartmentRecord,
    FacilitationOfferRecord,
    IncidentRecord,
    NudgeRecord,
    ParticipantRecord,
    RelationshipRecord,
    RepairRecord,
)
from bridgework.graphql_gateway.read.domain.viewer import Viewer
from bridgework.graphql_gateway.read.repository import listings, lookups

R = TypeVar("R")


async def _page(
    pool: Pool,
    query: Callable[..., Awaitable[list[R]]],
    *,
    viewer: Viewer,
    filters: Filters,
    first: int,
    after: str | None,
    max_page_size: int,
) -> list[R]:
    """One page in the viewer's scope, plus one row to tell whether a next page exists."""
    check_page_size(first, max_page_size)
    cursor = decode_cursor(after)
    scope: Scope = scope_of(viewer)
    async with pool.acquire() as connection:
        found: list[R] = await query(
            connection, scope=scope, filters=filters, limit=first + 1, after=cursor
        )
        return found


async def repairs_page(
    *,
    pool: Pool,
    viewer: Viewer,
    filters: Filters,
    first: int,
    after: str | None,
    max_page_size: int,
) -> list[RepairRecord]:
    """Repairs the viewer may see, newest first."""
    return await _page(
        pool, listings.repairs_page, viewer=viewer, filters=filters, first=first, after=after,
        max_page_size=max_page_size,
    )  # fmt: skip


async def incidents_page(
    *,
    pool: Pool,
    viewer: Viewer,
    filters: Filters,
    first: int,
    after: str | None,
    max_page_size: int,
) -> list[IncidentRecord]:
    """Incidents the viewer may see, newest report first."""
    return await _page(
        pool, listings.incidents_page, viewer=viewer, filters=filters, first=first, after=after,
        max_page_size=max_page_size,
    )  # fmt: skip


async def commitments_page(
    *,
    pool: Pool,
    viewer: Viewer,
    filters: Filters,
    first: int,
    after: str | None,
    max_page_size: int,
) -> list[CommitmentRecord]:
    """Commitments of repairs the viewer may see, latest due date first."""
    return await _page(
        pool, listings.commitments_page, viewer=viewer, filters=filters, first=first,
        after=after, max_page_size=max_page_size,
    )  # fmt: skip


async def nudges_page(
    *,
    pool: Pool,
    viewer: Viewer,
    filters: Filters,
    first: int,
    after: str | None,
    max_page_size: int,
) -> list[NudgeRecord]:
    """Nudges sent in repairs the viewer may see, latest first."""
    return await _page(
        pool, listings.nudges_page, viewer=viewer, filters=filters, first=first, after=after,
        max_page_size=max_page_size,
    )  # fmt: skip


async def check_ins_page(
    *,
    pool: Pool,
    viewer: Viewer,
    filters: Filters,
    first: int,
    after: str | None,
    max_page_size: int,
) -> list[CheckInRecord]:
    """Check-ins in repairs the viewer may see, latest first."""
    return await _page(
        pool, listings.check_ins_page, viewer=viewer, filters=filters, first=first,
        after=after, max_page_size=max_page_size,
    )  # fmt: skip


async def repairs_taken_part_in(*, pool: Pool, viewer: Viewer) -> set[UUID]:
    """The repairs the viewer takes part in: person-level detail is theirs to see."""
    async with pool.acquire() as connection:
        return await listings.viewer_repair_ids(connection, viewer.subject)


async def departments(*, pool: Pool) -> list[DepartmentRecord]:
    """Every department the events have named."""
    async with pool.acquire() as connection:
        return await listings.departments(connection)


# --- DataLoader batches: for each key asked for, the records found for it ------------------


async def _grouped(pool: Pool, lookup: lookups.Lookup[R], keys: Sequence[UUID]) -> list[list[R]]:
    connection: Connection
    async with pool.acquire() as connection:
        return await lookups.grouped(connection, lookup, keys)


async def repairs_by_id(*, pool: Pool, keys: Sequence[UUID]) -> list[list[RepairRecord]]:
    """Repairs by id."""
    return await _grouped(pool, lookups.REPAIR, keys)


async def incidents_by_id(*, pool: Pool, keys: Sequence[UUID]) -> list[list[IncidentRecord]]:
    """Incidents by id."""
    return await _grouped(pool, lookups.INCIDENT, keys)


async def participants_of(*, pool: Pool, keys: Sequence[UUID]) -> list[list[ParticipantRecord]]:
    """Each repair's participants."""
    return await _grouped(pool, lookups.PARTICIPANTS, keys)


async def conversations_of(*, pool: Pool, keys: Sequence[UUID]) -> list[list[ConversationRecord]]:
    """Each repair's recorded answers."""
    return await _grouped(pool, lookups.CONVERSATIONS, keys)


async def agreements_of(*, pool: Pool, keys: Sequence[UUID]) -> list[list[AgreementRecord]]:
    """Each repair's agreements."""
    return await _grouped(pool, lookups.AGREEMENTS, keys)


async def consents_of(*, pool: Pool, keys: Sequence[UUID]) -> list[list[ConsentRecord]]:
    """Each repair's answers to proposed versions."""
    return await _grouped(pool, lookups.CONSENTS, keys)


async def commitments_of(*, pool: Pool, keys: Sequence[UUID]) -> list[list[CommitmentRecord]]:
    """Each repair's commitments."""
    return await _grouped(pool, lookups.COMMITMENTS, keys)


async def nudges_of(*, pool: Pool, keys: Sequence[UUID]) -> list[list[NudgeRecord]]:
    """Each repair's nudges."""
    return await _grouped(pool, lookups.NUDGES, keys)


async def nudges_of_commitment(*, pool: Pool, keys: Sequence[UUID]) -> list[list[NudgeRecord]]:
    """Each commitment's nudges."""
    return await _grouped(pool, lookups.NUDGES_OF_COMMITMENT, keys)


async def check_ins_of(*, pool: Pool, keys: Sequence[UUID]) -> list[list[CheckInRecord]]:
    """Each repair's check-ins."""
    return await _grouped(pool, lookups.CHECK_INS, keys)


async def pending_offers_of(
    *, pool: Pool, keys: Sequence[UUID]
) -> list[list[FacilitationOfferRecord]]:
    """Each repair's offers to facilitate that wait for an answer."""
    return await _grouped(pool, lookups.PENDING_OFFERS, keys)


async def relationships_of(*, pool: Pool, keys: Sequence[UUID]) -> list[list[RelationshipRecord]]:
    """Each repair's department pairs."""
    return await _grouped(pool, lookups.RELATIONSHIPS, keys)


async def incidents_of_repair(*, pool: Pool, keys: Sequence[UUID]) -> list[list[IncidentRecord]]:
    """Each repair's incidents, first reported first."""
    return await _grouped(pool, lookups.INCIDENTS_OF_REPAIR, keys)


async def repairs_of_incident(*, pool: Pool, keys: Sequence[UUID]) -> list[list[RepairRecord]]:
    """Each incident's opened repairs."""
    return await _grouped(pool, lookups.REPAIRS_OF_INCIDENT, keys)
