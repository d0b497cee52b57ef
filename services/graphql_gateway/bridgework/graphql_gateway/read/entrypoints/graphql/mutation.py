"""Facilitators' and participants' actions, forwarded to the agreements service's HTTP API.

The gateway authenticates the person (their token) and forwards them as the `actor`;
agreements decides what that person may do in the repair. Every mutation answers with
a typed union: the change made, or exactly why not. The read model hears of the change
through Kafka a moment later; query the repair again to see it there.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from enum import Enum
from typing import Annotated
from uuid import UUID

import strawberry

from bridgework.common.errors import DomainError, ErrorKind
from bridgework.graphql_gateway.read.domain.changes import (
    AgreementsUnavailable,
    ChangeRefused,
    CommitmentPlan,
    ConversationSaved,
    Someone,
)
from bridgework.graphql_gateway.read.entrypoints.graphql.context import Context
from bridgework.graphql_gateway.read.entrypoints.graphql.enums import (
    ParticipantRole,
    Question,
    RepairOutcome,
    ResponseMode,
)
from bridgework.graphql_gateway.read.use_cases import changes
from bridgework.graphql_gateway.read.use_cases.changes import ChangeResult

Info = strawberry.Info[Context, None]


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


@strawberry.input
class PersonInput:
    person_id: str
    department: str

    def someone(self) -> Someone:
        return Someone(person_id=self.person_id, department=self.department)


@strawberry.input
class AnswerInput:
    question: Question
    text: str


@strawberry.input(
    description="One commitment; give commitmentId to revise one of the pending proposal."
)
class CommitmentInput:
    owner: PersonInput
    action: str
    due_at: datetime
    owed_to: list[PersonInput] = strawberry.field(default_factory=list)
    owed_to_departments: list[str] = strawberry.field(default_factory=list)
    commitment_id: UUID | None = None

    def plan(self) -> CommitmentPlan:
        return CommitmentPlan(
            owner=self.owner.someone(),
            action=self.action,
            due_at=self.due_at,
            owed_to=tuple(p.someone() for p in self.owed_to),
            owed_to_departments=tuple(self.owed_to_departments),
            commitment_id=self.commitment_id,
        )


@strawberry.enum(graphql_name_from="value")
class ConsentDecision(Enum):
    GIVE = "give"
    DECLINE = "decline"


Refusal = ValidationFailed | NotAllowed | NotFound | Conflict | ServiceUnavailable


def _not_done(outcome: ChangeRefused | AgreementsUnavailable) -> Refusal:
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


def _answer(outcome: ChangeResult) -> RepairChanged | Refusal:
    if isinstance(outcome, ChangeRefused | AgreementsUnavailable):
        return _not_done(outcome)
    return RepairChanged(
        repair_id=outcome.repair_id,
        closed=outcome.closed,
        response_mode=ResponseMode(outcome.response_mode) if outcome.response_mode else None,
        agreement_status=outcome.agreement_status,
        agreement_version=outcome.agreement_version,
    )


async def _answered(change: Awaitable[ChangeResult]) -> RepairChanged | Refusal:
    """The answer to a forwarded change, or why it was not made."""
    try:
        return _answer(await change)
    except DomainError as error:
        return _refused(error)


def _refused(error: DomainError) -> NotAllowed:
    """The viewer's role does not allow the change: no call is made."""
    if error.kind is not ErrorKind.FORBIDDEN:
        raise error
    return NotAllowed(code=error.code, detail=error.detail)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Add a person to a repair in a role (a facilitator does).")
    async def join_repair(
        self, info: Info, repair_id: UUID, participant: PersonInput, role: ParticipantRole
    ) -> RepairChangeResult:
        return await _answered(
            changes.join_repair(
                agreements=info.context.agreements,
                viewer=info.context.viewer,
                repair_id=repair_id,
                participant=participant.someone(),
                role=role,
            )
        )

    @strawberry.mutation(
        description="Record a participant's answers (theirs, or a facilitator for them)."
    )
    async def record_conversation(
        self, info: Info, repair_id: UUID, participant: PersonInput, answers: list[AnswerInput]
    ) -> ConversationResult:
        try:
            outcome = await changes.record_conversation(
                agreements=info.context.agreements,
                viewer=info.context.viewer,
                repair_id=repair_id,
                participant=participant.someone(),
                answers=[(a.question, a.text) for a in answers],
            )
        except DomainError as error:
            return _refused(error)
        if isinstance(outcome, ConversationSaved):
            return ConversationRecorded(
                repair_id=repair_id,
                participant_id=outcome.participant_id,
                recorded_at=outcome.recorded_at,
            )
        return _not_done(outcome)

    @strawberry.mutation(description="Link a further incident about the same harm.")
    async def link_incident(
        self, info: Info, repair_id: UUID, incident_id: UUID
    ) -> RepairChangeResult:
        return await _answered(
            changes.link_incident(
                agreements=info.context.agreements,
                viewer=info.context.viewer,
                repair_id=repair_id,
                incident_id=incident_id,
            )
        )

    @strawberry.mutation(description="Propose terms: a new agreement version, put to consent.")
    async def propose_agreement(
        self, info: Info, repair_id: UUID, commitments: list[CommitmentInput]
    ) -> RepairChangeResult:
        return await _answered(
            changes.propose_agreement(
                agreements=info.context.agreements,
                viewer=info.context.viewer,
                repair_id=repair_id,
                commitments=[c.plan() for c in commitments],
            )
        )

    @strawberry.mutation(
        description="Give or decline consent to the current version (a participant)."
    )
    async def answer_proposal(
        self,
        info: Info,
        repair_id: UUID,
        version: int,
        decision: ConsentDecision,
        reason: str | None = None,
    ) -> RepairChangeResult:
        return await _answered(
            changes.answer_proposal(
                agreements=info.context.agreements,
                viewer=info.context.viewer,
                repair_id=repair_id,
                version=version,
                decision=decision.value,
                reason=reason,
            )
        )

    @strawberry.mutation(description="Record an outcome decided without everyone's consent.")
    async def impose_outcome(
        self,
        info: Info,
        repair_id: UUID,
        reason: str,
        commitments: list[CommitmentInput] | None = None,
    ) -> RepairChangeResult:
        return await _answered(
            changes.impose_outcome(
                agreements=info.context.agreements,
                viewer=info.context.viewer,
                repair_id=repair_id,
                reason=reason,
                commitments=[c.plan() for c in commitments or []],
            )
        )

    @strawberry.mutation(description="A commitment in force was kept (its owner or a facilitator).")
    async def keep_commitment(
        self, info: Info, repair_id: UUID, commitment_id: UUID, kept_at: datetime | None = None
    ) -> RepairChangeResult:
        return await _answered(
            changes.keep_commitment(
                agreements=info.context.agreements,
                viewer=info.context.viewer,
                repair_id=repair_id,
                commitment_id=commitment_id,
                kept_at=kept_at,
            )
        )

    @strawberry.mutation(description="Propose new terms or a new date for a commitment.")
    async def renegotiate_commitment(
        self,
        info: Info,
        repair_id: UUID,
        commitment_id: UUID,
        reason: str,
        action: str | None = None,
        due_at: datetime | None = None,
    ) -> RepairChangeResult:
        return await _answered(
            changes.renegotiate_commitment(
                agreements=info.context.agreements,
                viewer=info.context.viewer,
                repair_id=repair_id,
                commitment_id=commitment_id,
                reason=reason,
                action=action,
                due_at=due_at,
            )
        )

    @strawberry.mutation(description="Propose releasing a commitment (shown to the affected).")
    async def release_commitment(
        self, info: Info, repair_id: UUID, commitment_id: UUID, reason: str
    ) -> RepairChangeResult:
        return await _answered(
            changes.release_commitment(
                agreements=info.context.agreements,
                viewer=info.context.viewer,
                repair_id=repair_id,
                commitment_id=commitment_id,
                reason=reason,
            )
        )

    @strawberry.mutation(
        description="Close the repair: repaired, unrepaired or returned to the formal process."
    )
    async def close_repair(
        self,
        info: Info,
        repair_id: UUID,
        outcome: RepairOutcome,
        reason_code: str | None = None,
        reason: str | None = None,
    ) -> RepairChangeResult:
        return await _answered(
            changes.close_repair(
                agreements=info.context.agreements,
                viewer=info.context.viewer,
                repair_id=repair_id,
                outcome=outcome,
                reason_code=reason_code,
                reason=reason,
            )
        )
