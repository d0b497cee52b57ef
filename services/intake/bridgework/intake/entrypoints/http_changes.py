"""Intake's HTTP API for planned changes: native JSON, batches and go-live (OpenAPI at /docs).

Every route authenticates the department by its API token (`Authorization: Bearer`); a
2xx answer means the change is stored durably and its events are in the outbox. A change
that cannot be taken (no affected department, a go-live in the past) is a 422 naming the
field, and nothing of the request is stored.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, status
from fastapi.responses import JSONResponse

from bridgework.intake.domain.changes import (
    ChangeItem,
    ChangeSubmission,
)
from bridgework.intake.domain.credentials import ensure_department
from bridgework.intake.entrypoints import receipts
from bridgework.intake.entrypoints.dependencies import (
    ClockDep,
    PoolDep,
    PrincipalDep,
    SettingsDep,
    require_json,
)
from bridgework.intake.entrypoints.http_incidents import CLIENT_ERRORS, ensure_batch
from bridgework.intake.schemas import (
    ChangeBatchReceipt,
    ChangeBatchSubmission,
    ChangeReceipt,
    GoLiveReport,
)
from bridgework.intake.use_cases.changes import record_changes, report_go_live

router = APIRouter(prefix="/v1", tags=["changes"])


@router.post(
    "/changes",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ChangeReceipt,
    response_model_exclude_none=True,
    dependencies=[Depends(require_json)],
    responses={
        200: {"model": ChangeReceipt, "description": "Known: updated, went live, duplicate."},
        **CLIENT_ERRORS,
    },
)
async def submit_change(
    submission: ChangeSubmission,
    principal: PrincipalDep,
    pool: PoolDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> JSONResponse:
    """Record a planned change in native JSON (202 new; 200 updated, went live, duplicate)."""
    ensure_department(principal, submission.department)
    items = [ChangeItem(submission)]
    [outcome] = await record_changes(pool=pool, clock=clock, settings=settings, items=items)
    return receipts.single(outcome)


@router.post(
    "/changes/batch",
    response_model=ChangeBatchReceipt,
    dependencies=[Depends(require_json)],
    responses=CLIENT_ERRORS,
)
async def submit_change_batch(
    batch: ChangeBatchSubmission,
    principal: PrincipalDep,
    pool: PoolDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> JSONResponse:
    """Back-fill up to `max_batch_items` changes: all stored, or none (one transaction)."""
    ensure_batch(principal, batch.changes, settings, at="changes")
    outcomes = await record_changes(
        pool=pool,
        clock=clock,
        settings=settings,
        items=[ChangeItem(submission) for submission in batch.changes],
        at="changes",
    )
    return receipts.batch(outcomes)


@router.post(
    "/changes/{change_id}/go-live",
    response_model=ChangeReceipt,
    response_model_exclude_none=True,
    responses={
        **CLIENT_ERRORS,
        404: {"description": "No such change."},
    },
)
async def change_went_live(
    change_id: UUID,
    principal: PrincipalDep,
    pool: PoolDep,
    clock: ClockDep,
    settings: SettingsDep,
    report: Annotated[GoLiveReport | None, Body()] = None,
) -> JSONResponse:
    """Say the department's change went live (`went_live`; `duplicate` once it had)."""
    outcome = await report_go_live(
        pool=pool,
        clock=clock,
        settings=settings,
        principal=principal,
        change_id=change_id,
        went_live_at=report.went_live_at if report else None,
    )
    return receipts.single(outcome)


def ignored(reason: str) -> JSONResponse:
    """200: the delivery is fine, but no change."""
    receipt = ChangeReceipt(status="ignored", detail=reason)
    return JSONResponse(receipt.model_dump(mode="json", exclude_none=True), status_code=200)
