"""Answering a check-in through the signed link: no login, the token is the key.

`POST /v1/check-ins/{token}` takes the answer as a form (answered with an HTML page) or as
JSON (answered with JSON). An answer is taken once; it is published as CheckInRecorded
(ChangeCheckInRecorded for a change's check-in, once per department).
Errors: 403 a link we did not sign, 410 an expired link or a repair closed since, 409
answered already, 422 an invalid answer.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from bridgework.common.errors import DomainError
from bridgework.common.http_errors import problem_status, validation_problem
from bridgework.followup.entrypoints.dependencies import (
    CheckInLinkDep,
    ClockDep,
    KeyStoreDep,
    PoolDep,
    SettingsDep,
)
from bridgework.followup.entrypoints.pages import (
    CHANGE_QUESTION,
    ERRORS,
    REPAIR_QUESTION,
    form_page,
    notice_page,
    thanks_page,
)
from bridgework.followup.schemas import CheckInAnswer, CheckInRecordedOut
from bridgework.followup.use_cases.change_check_ins import answer_change_check_in
from bridgework.followup.use_cases.check_ins import answer_check_in, check_in_of

router = APIRouter(prefix="/v1/check-ins", tags=["check-in"])


@router.post("/{token}", status_code=201, response_model=CheckInRecordedOut, responses=ERRORS)
async def answer(
    link: CheckInLinkDep,
    request: Request,
    settings: SettingsDep,
    pool: PoolDep,
    clock: ClockDep,
    keys: KeyStoreDep,
) -> Response:
    """Record the answer (JSON `{"outcome": "yes"|"partly"|"no", "comment": ...}` or the form)."""
    as_form = request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    )
    # A link names a repair's check-in or a change's (use_cases/change_check_ins.py).
    is_change = not isinstance(link, DomainError) and (
        await check_in_of(pool=pool, check_in_id=link) is None
    )
    try:
        if isinstance(link, DomainError):
            raise link
        answer = _parse_answer(await request.body(), as_form=as_form)
        answering = answer_change_check_in if is_change else answer_check_in
        recorded = await answering(
            pool=pool,
            settings=settings,
            clock=clock,
            check_in_id=link,
            outcome=answer.outcome,
            comment=answer.comment,
            keys=keys,
        )
    except ValidationError as invalid:
        if as_form:
            question = CHANGE_QUESTION if is_change else REPAIR_QUESTION
            return form_page(
                error="Please choose yes, partly or no.", status_code=422, question=question
            )
        return JSONResponse(
            status_code=422, content=validation_problem([dict(e) for e in invalid.errors()])
        )
    except DomainError as problem:
        if as_form:
            return notice_page(
                "Your answer was not recorded", problem.detail, problem_status(problem)
            )
        raise
    if as_form:
        return thanks_page()
    body = CheckInRecordedOut(
        check_in_id=recorded.check_in_id,
        outcome=recorded.outcome,
        recorded_at=recorded.recorded_at,
    )
    return JSONResponse(status_code=201, content=body.model_dump(mode="json"))


def _parse_answer(body: bytes, *, as_form: bool) -> CheckInAnswer:
    """The answer from a submitted form or a JSON body; raise ValidationError naming fields."""
    if not as_form:
        return CheckInAnswer.model_validate_json(body or b"{}")
    fields = parse_qs(body.decode(errors="replace"))
    return CheckInAnswer.model_validate({name: values[-1] for name, values in fields.items()})
