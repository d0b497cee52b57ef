"""Intake's HTTP API for departments' own tools: native JSON and batches (OpenAPI at /docs).

Every route authenticates the department by its API token (`Authorization: Bearer`);
a 2xx answer means the incident is stored durably and its event is in the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from fastapi import APIRouter, Depends, status
from fastapi.responses import JSONResponse

from bridgework.common.errors import DomainError
from bridgework.intake.domain.credentials import Principal, ensure_department
from bridgework.intake.domain.incidents import IncidentSubmission, Item
from bridgework.intake.entrypoints import receipts
from bridgework.intake.entrypoints.dependencies import (
    ClockDep,
    PoolDep,
    PrincipalDep,
    SettingsDep,
    require_json,
)
from bridgework.intake.schemas import BatchReceipt, BatchSubmission, IncidentReceipt
from bridgework.intake.settings import IntakeSettings
from bridgework.intake.use_cases.incidents import accept

CLIENT_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid API token: `{error, detail}`."},
    403: {"description": "The token reports for another department."},
    413: {"description": "The body is over the documented limit."},
    415: {"description": "Not a JSON body."},
    422: {"description": "Invalid: every failing field and why."},
}

router = APIRouter(prefix="/v1", tags=["incidents"])


@router.post(
    "/incidents",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=IncidentReceipt,
    response_model_exclude_none=True,
    dependencies=[Depends(require_json)],
    responses={
        200: {"model": IncidentReceipt, "description": "Known: updated, duplicate or stale."},
        **CLIENT_ERRORS,
    },
)
async def submit_incident(
    submission: IncidentSubmission,
    principal: PrincipalDep,
    pool: PoolDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> JSONResponse:
    """Report an incident in native JSON (202 new; 200 updated, duplicate or stale)."""
    ensure_department(principal, submission.department)
    [outcome] = await accept(pool=pool, clock=clock, settings=settings, items=[Item(submission)])
    return receipts.single(outcome)


@router.post(
    "/incidents/batch",
    response_model=BatchReceipt,
    dependencies=[Depends(require_json)],
    responses=CLIENT_ERRORS,
)
async def submit_batch(
    batch: BatchSubmission,
    principal: PrincipalDep,
    pool: PoolDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> JSONResponse:
    """Back-fill up to `max_batch_items` incidents: all stored, or none (one transaction)."""
    ensure_batch(principal, batch.incidents, settings, at="incidents")
    outcomes = await accept(
        pool=pool,
        clock=clock,
        settings=settings,
        items=[Item(submission) for submission in batch.incidents],
    )
    return receipts.batch(outcomes)


class _OfDepartment(Protocol):
    @property
    def department(self) -> str: ...


def ensure_batch(
    principal: Principal,
    submissions: Sequence[_OfDepartment],
    settings: IntakeSettings,
    *,
    at: str,
) -> None:
    """Refuse a batch too long, or with an item of a department the token does not report for
    (naming `<at>.<index>.department`)."""
    ensure_bounded(len(submissions), settings, at=at)
    for index, submission in enumerate(submissions):
        ensure_department(principal, submission.department, where=f"{at}.{index}.department")


def ensure_bounded(count: int, settings: IntakeSettings, *, at: str) -> None:
    """Refuse (invalid, at `at`) a batch of more than `max_batch_items` items."""
    if count > settings.max_batch_items:
        raise DomainError.invalid(at, f"at most {settings.max_batch_items} items per batch")
