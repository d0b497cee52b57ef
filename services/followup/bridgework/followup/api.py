"""Follow-up's HTTP API for what it follows (OpenAPI at /docs): repairs, their schedule and
the nudges that went out. Internal: it shows pseudonymous ids, never contact details."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from bridgework.common.contracts import PersonRef
from bridgework.common.runtime import Runtime, get_runtime
from bridgework.followup import repository
from bridgework.followup.errors import ClientError, ErrorBody


class CommitmentOut(BaseModel):
    commitment_id: UUID
    terms_version: int
    owner: PersonRef
    action: str
    due_at: datetime
    status: str
    lapse_count: int


class TimerOut(BaseModel):
    kind: str
    commitment_id: UUID | None
    terms_version: int | None
    recipient: PersonRef
    sequence: int
    fire_at: datetime
    status: str
    outcome: str | None


class TrackedRepairOut(BaseModel):
    repair_id: UUID
    opened_at: datetime
    departments: list[str]
    closed_at: datetime | None
    commitments: list[CommitmentOut]
    schedule: list[TimerOut]


class DeliveryOut(BaseModel):
    channel: str
    status: str
    attempts: int
    last_error: str | None
    delivered_at: datetime | None


class NudgeOut(BaseModel):
    nudge_id: UUID
    kind: str
    commitment_id: UUID | None
    terms_version: int | None
    recipient: PersonRef
    channels: list[str]
    sent_at: datetime
    deliveries: list[DeliveryOut]


router = APIRouter(prefix="/v1", tags=["follow-up"])
NOT_FOLLOWED: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Not followed (yet)."}
}


def _not_followed(repair_id: UUID) -> ClientError:
    return ClientError(404, "unknown_repair", f"repair {repair_id} is not followed")


@router.get("/repairs/{repair_id}", responses=NOT_FOLLOWED)
async def get_tracked_repair(
    repair_id: UUID, runtime: Annotated[Runtime, Depends(get_runtime)]
) -> TrackedRepairOut:
    """A repair follow-up is following: its commitments and every timer, pending or settled."""
    async with runtime.pool.acquire() as connection:
        tracked = await repository.get_tracked(connection, repair_id)
        if tracked is None:
            raise _not_followed(repair_id)
        commitments = await repository.commitments_of_repairs(connection, [repair_id])
        timers = await repository.timers_of_repair(connection, repair_id)
    return TrackedRepairOut(
        repair_id=tracked.repair_id,
        opened_at=tracked.opened_at,
        departments=list(tracked.departments),
        closed_at=tracked.closed_at,
        commitments=[
            CommitmentOut(
                commitment_id=c.commitment_id,
                terms_version=c.terms_version,
                owner=c.owner,
                action=c.action,
                due_at=c.due_at,
                status=c.status.value,
                lapse_count=c.lapse_count,
            )
            for c in commitments.get(repair_id, [])
        ],
        schedule=[
            TimerOut(
                kind=row["kind"],
                commitment_id=row["commitment_id"],
                terms_version=row["terms_version"],
                recipient=PersonRef(
                    person_id=row["recipient_id"], department=row["recipient_department"]
                ),
                sequence=row["sequence"],
                fire_at=row["fire_at"],
                status=row["status"],
                outcome=row["outcome"],
            )
            for row in timers
        ],
    )


@router.get("/repairs/{repair_id}/nudges", responses=NOT_FOLLOWED)
async def list_nudges(
    repair_id: UUID, runtime: Annotated[Runtime, Depends(get_runtime)]
) -> list[NudgeOut]:
    """The nudges sent about a repair, oldest first, with how each delivery went."""
    async with runtime.pool.acquire() as connection:
        if await repository.get_tracked(connection, repair_id) is None:
            raise _not_followed(repair_id)
        rows = await repository.nudges_of_repair(connection, repair_id)
    return [
        NudgeOut(
            nudge_id=row["nudge_id"],
            kind=row["kind"],
            commitment_id=row["commitment_id"],
            terms_version=row["terms_version"],
            recipient=PersonRef(
                person_id=row["recipient_id"], department=row["recipient_department"]
            ),
            channels=list(row["channels"]),
            sent_at=row["sent_at"],
            deliveries=[DeliveryOut.model_validate(d) for d in row["deliveries"]],
        )
        for row in rows
    ]
