"""The people's workspace: the facilitation queue, and each repair's facts as the workspace
rules read them (next action, pending proposal, actions offered)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from bridgework.common.postgres import Pool
from bridgework.graphql_gateway.read.domain.access import require_any_role
from bridgework.graphql_gateway.read.domain.pagination import check_page_size
from bridgework.graphql_gateway.read.domain.viewer import Role, Viewer
from bridgework.graphql_gateway.read.domain.workspace import (
    LapseRecord,
    OfferHistoryRecord,
    RepairFacts,
)
from bridgework.graphql_gateway.read.repository import lookups, workspace
from bridgework.graphql_gateway.read.repository.workspace import WaitingRepairRow

# Who sees the facilitation queue (docs/gateway.md, "Access"): facilitators the whole
# organisation's, as anyone may facilitate; a lead their departments'; the change team all.
QUEUE_ROLES = frozenset({Role.CHANGE_TEAM, Role.DEPARTMENT_LEAD, Role.FACILITATOR})


def _queue_department(viewer: Viewer) -> str | None:
    """None: every department's repairs; a lead who is neither of the others: their own."""
    if Role.CHANGE_TEAM in viewer.roles or Role.FACILITATOR in viewer.roles:
        return None
    return viewer.department


async def facilitation_queue(
    *, pool: Pool, viewer: Viewer, first: int, max_page_size: int
) -> list[WaitingRepairRow]:
    """Repairs waiting for a facilitator that the viewer may take up or assign, oldest first."""
    require_any_role(viewer, QUEUE_ROLES)
    check_page_size(first, max_page_size)
    async with pool.acquire() as connection:
        return await workspace.waiting_for_facilitator(
            connection, department=_queue_department(viewer), person_id=viewer.subject, limit=first
        )


async def repair_facts(*, pool: Pool, repair_ids: Sequence[UUID]) -> dict[UUID, RepairFacts]:
    """The workspace facts of each opened repair among `repair_ids` (one query per table)."""
    ids = list(dict.fromkeys(repair_ids))
    async with pool.acquire() as connection:
        repairs = await lookups.grouped(connection, lookups.REPAIR, ids)
        participants = await lookups.grouped(connection, lookups.PARTICIPANTS, ids)
        proposals = await lookups.grouped(connection, workspace.PROPOSALS, ids)
        consents = await lookups.grouped(connection, lookups.CONSENTS, ids)
        agreements = await lookups.grouped(connection, lookups.AGREEMENTS, ids)
        commitments = await lookups.grouped(connection, lookups.COMMITMENTS, ids)
        check_ins = await lookups.grouped(connection, lookups.CHECK_INS, ids)
        offers = await lookups.grouped(connection, lookups.PENDING_OFFERS, ids)
    facts: dict[UUID, RepairFacts] = {}
    for index, repair_id in enumerate(ids):
        if not repairs[index] or repairs[index][0].opened_at is None:
            continue
        facts[repair_id] = RepairFacts(
            repair=repairs[index][0],
            participants=participants[index],
            proposals=proposals[index],
            consents=consents[index],
            agreements=agreements[index],
            commitments=commitments[index],
            check_ins=check_ins[index],
            pending_offers=offers[index],
        )
    return facts


async def offer_history(*, pool: Pool, repair_id: UUID) -> list[OfferHistoryRecord]:
    """Every offer to facilitate the repair, answered or waiting, first made first."""
    async with pool.acquire() as connection:
        [found] = await lookups.grouped(connection, workspace.OFFERS, [repair_id])
        return found


async def lapses(*, pool: Pool, repair_id: UUID) -> list[LapseRecord]:
    """When each of the repair's commitments last lapsed, first first."""
    async with pool.acquire() as connection:
        [found] = await lookups.grouped(connection, workspace.LAPSES, [repair_id])
        return found
