"""Follow-up's HTTP API (OpenAPI at /docs)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel

from bridgework.common.runtime import Runtime, get_runtime
from bridgework.followup import repository


class TrackedRepairOut(BaseModel):
    repair_id: UUID
    opened_at: datetime
    departments: list[str]


router = APIRouter(prefix="/v1", tags=["follow-up"])


@router.get("/repairs/{repair_id}", responses={404: {"description": "Not followed (yet)."}})
async def get_tracked_repair(
    repair_id: UUID, runtime: Annotated[Runtime, Depends(get_runtime)]
) -> TrackedRepairOut:
    """A repair follow-up is following."""
    async with runtime.pool.acquire() as connection:
        tracked = await repository.get_tracked(connection, repair_id)
    if tracked is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"repair {repair_id} is not followed")
    return TrackedRepairOut(
        repair_id=tracked.repair_id,
        opened_at=tracked.opened_at,
        departments=list(tracked.departments),
    )
