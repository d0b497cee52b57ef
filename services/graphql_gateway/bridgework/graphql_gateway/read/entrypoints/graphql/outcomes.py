"""What a mutation answers: the change made, or exactly why not (a typed union), and how a
forwarded change's outcome becomes one of them."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry

from bridgework.common.errors import DomainError, ErrorKind
from bridgework.graphql_gateway.read.domain.changes import AgreementsUnavailable, ChangeRefused
from bridgework.graphql_gateway.read.entrypoints.graphql.enums import ResponseMode
from bridgework.graphql_gateway.read.use_cases.changes import ChangeResult


@strawberry.type(
    description="The change was made, as the agreements service now tells the repair; the "
    "read model (`repair(id:)`) shows it within moments."
)
class RepairChanged:
    repair_id: UUID
    closed: bool
    response_mode: ResponseMode | None
    agreement_status: str | None = strawberry.field(
        description="proposed (terms on the table), reached (in force by consent), imposed."
    )
    agreement_version: int | None = strawberry.field(description="The latest version proposed.")


@strawberry.type(description="The answers were recorded (confidential to the repair's people).")
class ConversationRecorded:
    repair_id: UUID
    participant_id: str
    recorded_at: datetime


@strawberry.type
class FieldError:
    field: str
    reason: str


@strawberry.type(description="The input was refused: every failing field and why.")
class ValidationFailed:
    fields: list[FieldError]


@strawberry.type(description="You may not do this (in this repair).")
class NotAllowed:
    code: str
    detail: str


@strawberry.type(description="No such repair, commitment or incident.")
class NotFound:
    code: str
    detail: str


@strawberry.type(description="Not possible in the state the repair is in now.")
class Conflict:
    code: str
    detail: str


@strawberry.type(description="The agreements service did not answer; nothing is known to be done.")
class ServiceUnavailable:
    detail: str


RepairChangeResult = Annotated[
    RepairChanged | ValidationFailed | NotAllowed | NotFound | Conflict | ServiceUnavailable,
    strawberry.union("RepairChangeResult"),
]
ConversationResult = Annotated[
    ConversationRecorded | ValidationFailed | NotAllowed | NotFound | Conflict | ServiceUnavailable,
    strawberry.union("ConversationResult"),
]


Refusal = ValidationFailed | NotAllowed | NotFound | Conflict | ServiceUnavailable


def not_done(outcome: ChangeRefused | AgreementsUnavailable) -> Refusal:
    if isinstance(outcome, AgreementsUnavailable):
        return ServiceUnavailable(detail=outcome.detail)
    if outcome.status == 422:
        fields = outcome.fields or (("(body)", outcome.detail),)
        return ValidationFailed(fields=[FieldError(field=f, reason=r) for f, r in fields])
    if outcome.status in (401, 403):
        return NotAllowed(code=outcome.code, detail=outcome.detail)
    if outcome.status == 404:
        return NotFound(code=outcome.code, detail=outcome.detail)
    return Conflict(code=outcome.code, detail=outcome.detail)


def answer(outcome: ChangeResult) -> RepairChanged | Refusal:
    if isinstance(outcome, ChangeRefused | AgreementsUnavailable):
        return not_done(outcome)
    return RepairChanged(
        repair_id=outcome.repair_id,
        closed=outcome.closed,
        response_mode=ResponseMode(outcome.response_mode) if outcome.response_mode else None,
        agreement_status=outcome.agreement_status,
        agreement_version=outcome.agreement_version,
    )


async def answered(change: Awaitable[ChangeResult]) -> RepairChanged | Refusal:
    """The answer to a forwarded change, or why it was not made."""
    try:
        return answer(await change)
    except DomainError as error:
        return refused(error)


def refused(error: DomainError) -> NotAllowed:
    """The viewer's role does not allow the change: no call is made."""
    if error.kind is not ErrorKind.FORBIDDEN:
        raise error
    return NotAllowed(code=error.code, detail=error.detail)
