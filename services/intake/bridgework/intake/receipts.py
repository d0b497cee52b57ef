"""What intake answers a tool that submitted something: the incident, and what became of it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal
from uuid import UUID

from fastapi import status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bridgework.intake.domain import Verdict
from bridgework.intake.service import Outcome

Status = Literal["accepted", "updated", "duplicate", "stale", "ignored"]


class IncidentReceipt(BaseModel):
    """The answer to one submission. `accepted` (202): a new incident; `updated`: the source
    item changed (IncidentUpdated); `duplicate`: nothing new; `stale`: older than what intake
    holds; `ignored`: a delivery that is not an incident (a ping, a deleted issue)."""

    incident_id: UUID | None = None
    status: Status
    revision: int | None = Field(default=None, description="1 for the report, +1 per update.")
    detail: str | None = None


class ItemReceipt(IncidentReceipt):
    index: int = Field(description="The item's position in the batch, from 0.")


class BatchReceipt(BaseModel):
    """The answer to a batch: one receipt per item, in order, and how many of each."""

    results: list[ItemReceipt]
    counts: dict[Status, int]


def receipt_of(outcome: Outcome) -> IncidentReceipt:
    return IncidentReceipt(
        incident_id=outcome.incident_id, status=outcome.verdict.value, revision=outcome.revision
    )


def single(outcome: Outcome) -> JSONResponse:
    """202 for a new incident, 200 for anything else."""
    code = status.HTTP_202_ACCEPTED if outcome.verdict is Verdict.ACCEPTED else status.HTTP_200_OK
    return respond(receipt_of(outcome), code)


def ignored(reason: str) -> JSONResponse:
    return respond(IncidentReceipt(status="ignored", detail=reason), status.HTTP_200_OK)


_COUNTED: tuple[Status, ...] = ("accepted", "updated", "duplicate", "stale")


def batch(outcomes: Sequence[Outcome], *, exclude_none: bool = False) -> JSONResponse:
    """200 with a BatchReceipt: one receipt per item, in order, and how many of each.

    Built as plain JSON rather than through the BatchReceipt model (500 models per batch,
    then FastAPI's validation of the response): the same document, at a fraction of the
    cost. `exclude_none` leaves out absent fields, as every other receipt does; the native
    batch keeps them as `null`, as it always answered.
    """
    counts: dict[str, int] = dict.fromkeys(_COUNTED, 0)
    results: list[dict[str, object]] = []
    for index, outcome in enumerate(outcomes):
        verdict = outcome.verdict.value
        counts[verdict] += 1
        incident_id = None if outcome.incident_id is None else str(outcome.incident_id)
        result: dict[str, object] = {
            "incident_id": incident_id,
            "status": verdict,
            "revision": outcome.revision,
            "detail": None,
            "index": index,
        }
        if exclude_none:
            result = {name: value for name, value in result.items() if value is not None}
        results.append(result)
    return JSONResponse({"results": results, "counts": counts}, status_code=status.HTTP_200_OK)


def respond(receipt: BaseModel, code: int) -> JSONResponse:
    return JSONResponse(receipt.model_dump(mode="json", exclude_none=True), status_code=code)
