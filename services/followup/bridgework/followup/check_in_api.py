"""Answering a check-in through the signed link: no login, the token is the key.

`GET /v1/check-ins/{token}` serves a small HTML form; `POST` to the same address takes the
answer as a form (answered with an HTML page) or as JSON (answered with JSON). An answer is
taken once; it is published as CheckInRecorded. Errors: 403 a link we did not sign, 410 an
expired link or a repair closed since, 409 answered already, 422 an invalid answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qs
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError

from bridgework.common.clock import Clock
from bridgework.common.contracts import CheckInOutcome, FreeText
from bridgework.common.http_errors import validation_problem
from bridgework.common.runtime import Runtime, get_runtime
from bridgework.followup import repository
from bridgework.followup.check_in_page import form_page, notice_page, thanks_page
from bridgework.followup.errors import ClientError, ErrorBody
from bridgework.followup.scheduler import outbound
from bridgework.followup.service import answer_check_in
from bridgework.followup.settings import FollowupSettings
from bridgework.followup.tokens import ExpiredTokenError, InvalidTokenError, verify


class CheckInAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: CheckInOutcome
    comment: FreeText | None = None


class CheckInRecordedOut(BaseModel):
    check_in_id: UUID
    outcome: CheckInOutcome
    recorded_at: datetime


router = APIRouter(prefix="/v1/check-ins", tags=["check-in"])
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody, "description": "Not a link follow-up signed."},
    404: {"model": ErrorBody, "description": "The check-in no longer exists."},
    409: {"model": ErrorBody, "description": "Answered already."},
    410: {"model": ErrorBody, "description": "The link expired, or the repair was closed."},
    422: {"description": "Invalid answer: the failing fields and why."},
}


def _settings(request: Request) -> FollowupSettings:
    settings = request.app.state.settings
    assert isinstance(settings, FollowupSettings)
    return settings


def _check_in_of(token: str, request: Request) -> UUID:
    clock: Clock = request.app.state.clock
    secret = _settings(request).check_in_secret.get_secret_value().encode()
    try:
        return verify(token, secret, now=clock.now()).check_in_id
    except ExpiredTokenError as error:
        raise ClientError(410, "link_expired", "This check-in link has expired.") from error
    except InvalidTokenError as error:
        raise ClientError(403, "invalid_link", "This is not a valid check-in link.") from error


@router.get("/{token}", response_class=Response, responses=ERRORS)
async def check_in_form(
    token: str, request: Request, runtime: Annotated[Runtime, Depends(get_runtime)]
) -> Response:
    """The check-in page: were things made right? (yes / partly / no, and a comment)."""
    try:
        check_in = _check_in_of(token, request)
    except ClientError as problem:
        return notice_page("This link does not work", problem.detail, problem.status)
    async with runtime.pool.acquire() as connection:
        row = await repository.get_check_in(connection, check_in)
    if row is None:
        return notice_page("This link does not work", "This check-in no longer exists.", 404)
    if row["status"] == "answered":
        return notice_page("Thank you", "Your answer was recorded already.", 200)
    if row["status"] == "withdrawn":
        return notice_page("Nothing to answer", "This repair has been closed since.", 410)
    return form_page()


@router.post("/{token}", status_code=201, response_model=CheckInRecordedOut, responses=ERRORS)
async def answer(
    token: str, request: Request, runtime: Annotated[Runtime, Depends(get_runtime)]
) -> Response:
    """Record the answer (JSON `{"outcome": "yes"|"partly"|"no", "comment": ...}` or the form)."""
    as_form = request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    )
    try:
        check_in = _check_in_of(token, request)
        answer = _parse_answer(await request.body(), as_form=as_form)
        recorded = await answer_check_in(
            runtime.pool,
            check_in=check_in,
            outcome=answer.outcome,
            comment=answer.comment,
            clock=request.app.state.clock,
            outbound=outbound(_settings(request)),
        )
    except ValidationError as invalid:
        if as_form:
            return form_page(error="Please choose yes, partly or no.", status_code=422)
        return JSONResponse(
            status_code=422, content=validation_problem([dict(e) for e in invalid.errors()])
        )
    except ClientError as problem:
        if as_form:
            return notice_page("Your answer was not recorded", problem.detail, problem.status)
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
