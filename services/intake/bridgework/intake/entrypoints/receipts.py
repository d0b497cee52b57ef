"""What intake answers a tool that submitted something: the incident, and what became of it."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from bridgework.intake.domain.changes import ChangeOutcome, ChangeVerdict
from bridgework.intake.domain.incidents import Outcome, Verdict
from bridgework.intake.schemas import ChangeReceipt, IncidentReceipt, Status


def receipt_of(outcome: Outcome) -> IncidentReceipt:
    """The receipt of one outcome."""
    return IncidentReceipt(
        incident_id=outcome.incident_id, status=outcome.verdict.value, revision=outcome.revision
    )


def single(outcome: Outcome | ChangeOutcome) -> JSONResponse:
    """202 for a new incident or change, 200 for anything else."""
    new = outcome.verdict in (Verdict.ACCEPTED, ChangeVerdict.ACCEPTED)
    code = status.HTTP_202_ACCEPTED if new else status.HTTP_200_OK
    if isinstance(outcome, ChangeOutcome):
        receipt = ChangeReceipt(
            change_id=outcome.change_id, status=outcome.verdict.value, revision=outcome.revision
        )
        return respond(receipt, code)
    return respond(receipt_of(outcome), code)


def ignored(reason: str) -> JSONResponse:
    """200: the delivery is fine, but no incident."""
    return respond(IncidentReceipt(status="ignored", detail=reason), status.HTTP_200_OK)


_COUNTED: tuple[Status, ...] = ("accepted", "updated", "duplicate", "stale")


def batch(
    outcomes: Sequence[Outcome | ChangeOutcome], *, exclude_none: bool = False
) -> JSONResponse:
    """200 with a BatchReceipt: one receipt per item, in order, and how many of each.

    Written as plain JSON rather than through the BatchReceipt model and FastAPI's response
    validation (the same document; docs/intake.md, "Speed"). `exclude_none` leaves out absent
    fields, as every other receipt does; the native batch keeps them as `null`, as it always
    answered. A change (CloudEvents batches may hold them) has `change_id` instead, and may
    be counted as `went_live`.
    """
    counts: dict[str, int] = dict.fromkeys(_COUNTED, 0)
    results: list[dict[str, object]] = []
    for index, outcome in enumerate(outcomes):
        verdict = outcome.verdict.value
        counts[verdict] = counts.get(verdict, 0) + 1
        if isinstance(outcome, ChangeOutcome):
            key, found = "change_id", outcome.change_id
        else:
            key, found = "incident_id", outcome.incident_id
        result: dict[str, object] = {
            key: None if found is None else str(found),
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
