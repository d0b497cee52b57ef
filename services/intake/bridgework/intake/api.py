"""Intake's HTTP API (OpenAPI at /docs)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import BaseModel

from bridgework.common.clock import Clock
from bridgework.common.runtime import Runtime, get_runtime
from bridgework.intake.domain import IncidentSubmission
from bridgework.intake.service import accept_incident


class IncidentReceipt(BaseModel):
    """The answer to a submission: the incident's id, and whether it was new."""

    incident_id: UUID
    status: Literal["accepted", "duplicate"]


def get_clock(request: Request) -> Clock:
    """The app's injected clock."""
    clock: Clock = request.app.state.clock
    return clock


router = APIRouter(prefix="/v1", tags=["incidents"])


@router.post(
    "/incidents",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        200: {"model": IncidentReceipt, "description": "Seen before: the original incident."},
        422: {"description": "Invalid submission: every failing field and why."},
    },
)
async def submit_incident(
    submission: IncidentSubmission,
    response: Response,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    clock: Annotated[Clock, Depends(get_clock)],
) -> IncidentReceipt:
    """Report an incident in native JSON. A 2xx answer means it is stored durably."""
    accepted = await accept_incident(
        pool=runtime.pool, clock=clock, settings=runtime.settings, submission=submission
    )
    if accepted.duplicate:
        response.status_code = status.HTTP_200_OK
        return IncidentReceipt(incident_id=accepted.incident_id, status="duplicate")
    return IncidentReceipt(incident_id=accepted.incident_id, status="accepted")
