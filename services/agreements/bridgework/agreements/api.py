"""Agreements' HTTP API for facilitators and participants (OpenAPI at /docs)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel

from bridgework.agreements import repository
from bridgework.common.runtime import Runtime, get_runtime


class RepairOut(BaseModel):
    repair_id: UUID
    status: str
    opened_at: datetime
    departments: list[str]
    incident_ids: list[UUID]


router = APIRouter(prefix="/v1", tags=["repairs"])


@router.get("/repairs/{repair_id}", responses={404: {"description": "No such repair."}})
async def get_repair(
    repair_id: UUID, runtime: Annotated[Runtime, Depends(get_runtime)]
) -> RepairOut:
    """One repair with its incidents."""
    async with runtime.pool.acquire() as connection:
        repair = await repository.get_repair(connection, repair_id)
    if repair is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no repair {repair_id}")
    return RepairOut(**repair.__dict__)


@router.get("/repairs")
async def list_repairs(
    runtime: Annotated[Runtime, Depends(get_runtime)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: datetime | None = None,
) -> list[RepairOut]:
    """Repairs, newest first; pass the last `opened_at` as `before` for the next page."""
    async with runtime.pool.acquire() as connection:
        repairs = await repository.list_repairs(connection, limit=limit, before=before)
    return [RepairOut(**repair.__dict__) for repair in repairs]


@router.get("/incidents/{incident_id}/repair", responses={404: {"description": "Not opened yet."}})
async def repair_of_incident(
    incident_id: UUID, runtime: Annotated[Runtime, Depends(get_runtime)]
) -> RepairOut:
    """The repair opened for an incident."""
    async with runtime.pool.acquire() as connection:
        repair_id = await repository.find_repair_of_incident(connection, incident_id)
        repair = await repository.get_repair(connection, repair_id) if repair_id else None
    if repair is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"no repair for incident {incident_id}"
        )
    return RepairOut(**repair.__dict__)
