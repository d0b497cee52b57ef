"""What intake answers a tool that submitted something: the incident, and what became of it."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from bridgework.intake.domain.incidents import Outcome, Verdict
from bridgework.intake.schemas import IncidentReceipt, Status


def receipt_of(outcome: Outcome) -> IncidentReceipt:
    """The receipt of one outcome."""
    return IncidentReceipt(
        incident_id=outcome.incident_id, status=outcome.verdict.value, revision=outcome.revision
    )


def single(outcome: Outcome) -> JSONResponse:
    """202 for a new incident, 200 for anything else."""
    code = status.HTTP_202_ACCEPTED if outcome.verdict is Verdict.ACCEPTED else status.HTTP_200_OK
    return respond(receipt_of(outcome), code)


def ignored(reason: str) -> JSONResponse:
    """200: the delivery is fine, but no incident."""
    return respond(IncidentReceipt(status="ignored", detail=reason), status.HTTP_200_OK)


_COUNTED: tuple[Status, ...] = ("accepted", "updated", "duplicate", "stale")


def batch(outcomes: Sequence[Outcome], *, exclude_none: bool = False) -> JSONResponse:
    """200 with a BatchReceipt: one receipt per item, in order, and how many of each.

    Written as plain JSON rather than through the BatchReceipt model and FastAPI's response
    validation (the same document; docs/intake.md, "Speed"). `exclude_none` leaves out absent
    fields, as every other receipt does; the native batch keeps them as `null`, as it always
    answered.
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
    """A receipt as JSON, absent fields left out."""
    return JSONResponse(receipt.model_dump(mode="json", exclude_none=True), status_code=code)
