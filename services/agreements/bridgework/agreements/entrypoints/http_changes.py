"""Agreements' HTTP routes for the engagement of planned changes: people join for their
department, representatives answer the proactive questions, adjustments are proposed, each
affected department consents or objects, and agreed adjustments are kept. The actor is the
person whose bearer token the request carries."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response, status

from bridgework.agreements.entrypoints.dependencies import (
    ClockDep,
    KeyStoreDep,
    PoolDep,
    ReaderDep,
    SettingsDep,
)
from bridgework.agreements.entrypoints.http_answers import ERROR_RESPONSES
from bridgework.agreements.entrypoints.http_changes_models import (
    AnswerEngagement,
    AnswerForDepartment,
    ChangeView,
    EngagementAnswersView,
    JoinChange,
    KeepAdjustment,
    ProposeAdjustments,
    answers_view,
    change_view,
)
from bridgework.agreements.use_cases import changes
from bridgework.agreements.use_cases.changes import ChangeCommand, ChangeDetails, PlainAdjustment

router = APIRouter(prefix="/v1/changes/{change_id}", tags=["changes"])

_REPEATED: dict[int | str, dict[str, Any]] = {
    200: {"description": "Nothing changed: the same command was already done."}
}


def _answer(details: ChangeDetails, response: Response) -> ChangeView:
    if not details.changed:
        response.status_code = status.HTTP_200_OK
    return change_view(details.change, details.texts)


@router.get("", responses=ERROR_RESPONSES)
async def read_change(
    change_id: UUID, pool: PoolDep, keys: KeyStoreDep, reader: ReaderDep
) -> ChangeView:
    """A change and its engagement: who takes part, where each affected department stands,
    the current proposal, and the response mode once it went live."""
    details = await changes.read_change(pool=pool, keys=keys, change_id=change_id, reader=reader)
    return change_view(details.change, details.texts)


@router.get("/answers", responses=ERROR_RESPONSES)
async def read_answers(
    change_id: UUID, pool: PoolDep, keys: KeyStoreDep, reader: ReaderDep
) -> list[EngagementAnswersView]:
    """The representatives' answers to the proactive questions: confidential to the people
    taking part in the change's engagement (403 `not_engaged` for anyone else)."""
    details = await changes.read_answers(pool=pool, keys=keys, change_id=change_id, reader=reader)
    return answers_view(details.change, details.texts)


@router.post(
    "/participants",
    status_code=status.HTTP_201_CREATED,
    responses={**_REPEATED, **ERROR_RESPONSES},
)
async def join_change(
    change_id: UUID,
    body: JoinChange,
    response: Response,
    pool: PoolDep,
    keys: KeyStoreDep,
    clock: ClockDep,
    settings: SettingsDep,
    reader: ReaderDep,
) -> ChangeView:
    """A person takes part for their department; a department the change does not affect is
    a 422 naming `participant.department`."""
    details = await changes.join_change(
        on=ChangeCommand(pool, clock, settings, keys, change_id, reader),
        participant=body.participant,
        role=body.role,
    )
    return _answer(details, response)


@router.post("/answers", status_code=status.HTTP_201_CREATED, responses=ERROR_RESPONSES)
async def answer_questions(
    change_id: UUID,
    body: AnswerEngagement,
    response: Response,
    pool: PoolDep,
    keys: KeyStoreDep,
    clock: ClockDep,
    settings: SettingsDep,
    reader: ReaderDep,
) -> ChangeView:
    """A representative answers the proactive questions for their department (sealed)."""
    details = await changes.answer_questions(
        on=ChangeCommand(pool, clock, settings, keys, change_id, reader),
        answers=[(a.question, a.text) for a in body.answers],
    )
    return _answer(details, response)


@router.post("/proposals", status_code=status.HTTP_201_CREATED, responses=ERROR_RESPONSES)
async def propose_adjustments(
    change_id: UUID,
    body: ProposeAdjustments,
    response: Response,
    pool: PoolDep,
    keys: KeyStoreDep,
    clock: ClockDep,
    settings: SettingsDep,
    reader: ReaderDep,
) -> ChangeView:
    """Someone taking part proposes the next version of the adjustments, put to every
    affected department."""
    details = await changes.propose_adjustments(
        on=ChangeCommand(pool, clock, settings, keys, change_id, reader),
        adjustments=[
            PlainAdjustment(
                kind=a.kind,
                owner=a.owner,
                owed_to_departments=tuple(a.owed_to_departments),
                action=a.action,
                due_at=a.due_at,
                commitment_id=a.commitment_id,
            )
            for a in body.adjustments
        ],
    )
    return _answer(details, response)


@router.post(
    "/consents", status_code=status.HTTP_201_CREATED, responses={**_REPEATED, **ERROR_RESPONSES}
)
async def answer_proposal(
    change_id: UUID,
    body: AnswerForDepartment,
    response: Response,
    pool: PoolDep,
    keys: KeyStoreDep,
    clock: ClockDep,
    settings: SettingsDep,
    reader: ReaderDep,
) -> ChangeView:
    """A representative consents or objects (saying why, sealed) for their department; someone
    who does not represent it is a 403 naming `department`."""
    details = await changes.answer_proposal(
        on=ChangeCommand(pool, clock, settings, keys, change_id, reader),
        department=body.department,
        version=body.version,
        objection=body.reason if body.decision == "object" else None,
    )
    return _answer(details, response)


@router.post("/commitments/{commitment_id}/kept", responses=ERROR_RESPONSES)
async def keep_adjustment(
    change_id: UUID,
    commitment_id: UUID,
    body: KeepAdjustment,
    pool: PoolDep,
    keys: KeyStoreDep,
    clock: ClockDep,
    settings: SettingsDep,
    reader: ReaderDep,
) -> ChangeView:
    """Someone taking part marks an agreed adjustment kept."""
    details = await changes.keep_adjustment(
        on=ChangeCommand(pool, clock, settings, keys, change_id, reader),
        commitment_id=commitment_id,
        kept_at=body.kept_at,
    )
    return change_view(details.change, details.texts)
