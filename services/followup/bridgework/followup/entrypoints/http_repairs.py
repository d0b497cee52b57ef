"""Follow-up's HTTP API for what it follows (OpenAPI at /docs): repairs, their schedule and
the nudges that went out. Internal: it shows pseudonymous ids, never contact details. A
caller needs the admin token or a person's token that lets them see the repair."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from bridgework.followup.entrypoints.dependencies import CallerDep, PoolDep
from bridgework.followup.schemas import ErrorBody, NudgeOut, TrackedRepairOut
from bridgework.followup.use_cases.repairs import followed_repair, nudges_about

router = APIRouter(prefix="/v1", tags=["follow-up"])
NOT_FOLLOWED: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No admin token and no valid person's token."},
    404: {"model": ErrorBody, "description": "Not followed (yet), or not yours to see."},
}


@router.get("/repairs/{repair_id}", responses=NOT_FOLLOWED)
async def get_tracked_repair(repair_id: UUID, pool: PoolDep, caller: CallerDep) -> TrackedRepairOut:
    """A repair follow-up is following: its commitments and every timer, pending or settled."""
    repair = await followed_repair(pool=pool, repair_id=repair_id, caller=caller)
    return TrackedRepairOut.of(repair.tracked, repair.commitments, repair.schedule)


@router.get("/repairs/{repair_id}/nudges", responses=NOT_FOLLOWED)
async def list_nudges(repair_id: UUID, pool: PoolDep, caller: CallerDep) -> list[NudgeOut]:
    """The nudges sent about a repair, oldest first, with how each delivery went."""
    sent = await nudges_about(pool=pool, repair_id=repair_id, caller=caller)
    return [NudgeOut.of(nudge) for nudge in sent]
