"""The engagement of a planned change, forwarded to the agreements service's HTTP API: join for
one's department, answer the proactive questions, propose adjustments, consent or object for
one's department, keep an agreed adjustment.

As for repairs (mutation.py): the gateway authenticates the person and forwards their token;
agreements takes the actor from it and decides what they may do. Each mutation answers with
the engagement as agreements now tells it, or exactly why not (the same refusal types).
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from enum import Enum
from uuid import UUID

import strawberry

from bridgework.common.contracts import AdjustmentKind, EngagementQuestion, EngagementRole
from bridgework.common.errors import DomainError
from bridgework.graphql_gateway.read.entrypoints.graphql.change_engagement import (
    ChangeEngagement,
    ChangeEngagementResult,
    engagement_answer,
)
from bridgework.graphql_gateway.read.entrypoints.graphql.context import Context
from bridgework.graphql_gateway.read.entrypoints.graphql.mutation import PersonInput
from bridgework.graphql_gateway.read.entrypoints.graphql.outcomes import (
    Conflict,
    NotAllowed,
    NotFound,
    ServiceUnavailable,
    ValidationFailed,
    refused,
)
from bridgework.graphql_gateway.read.use_cases import change_engagement as use
from bridgework.graphql_gateway.read.use_cases.change_engagement import (
    AdjustmentPlan,
    EngagementResult,
)

Info = strawberry.Info[Context, None]
Answer = ChangeEngagement | ValidationFailed | NotAllowed | NotFound | Conflict | ServiceUnavailable


@strawberry.input
class EngagementAnswerInput:
    question: EngagementQuestion
    text: str


@strawberry.input(
    description="One adjustment; give commitmentId to revise one of the current proposal's."
)
class AdjustmentInput:
    kind: AdjustmentKind
    owner: PersonInput
    owed_to_departments: list[str]
    action: str
    due_at: datetime
    commitment_id: UUID | None = None

    def plan(self) -> AdjustmentPlan:
        return AdjustmentPlan(
            kind=self.kind,
            owner=self.owner.someone(),
            owed_to_departments=tuple(self.owed_to_departments),
            action=self.action,
            due_at=self.due_at,
            commitment_id=self.commitment_id,
        )


@strawberry.enum(graphql_name_from="value")
class DepartmentDecision(Enum):
    CONSENT = "consent"
    OBJECT = "object"


async def _answered(change: Awaitable[EngagementResult], info: Info) -> Answer:
    try:
        return engagement_answer(await change, info)
    except DomainError as error:
        return refused(error)


@strawberry.type
class ChangeMutation:
    @strawberry.mutation(
        description="Take part in a change's engagement: as a representative of an affected "
        "department, or on the owner's side. Yourself unless `participant` names someone (the "
        "change team, or a lead of that person's department, adds them)."
    )
    async def join_change(
        self,
        info: Info,
        change_id: UUID,
        role: EngagementRole,
        participant: PersonInput | None = None,
    ) -> ChangeEngagementResult:
        return await _answered(
            use.join_change(
                agreements=info.context.agreements,
                viewer=info.context.viewer,
                change_id=change_id,
                role=role,
                participant=participant.someone() if participant else None,
            ),
            info,
        )

    @strawberry.mutation(
        description="Your own answers to the proactive questions, as a representative "
        "(confidential to the people taking part)."
    )
    async def answer_change_questions(
        self, info: Info, change_id: UUID, answers: list[EngagementAnswerInput]
    ) -> ChangeEngagementResult:
        return await _answered(
            use.answer_questions(
                agreements=info.context.agreements,
                viewer=info.context.viewer,
                change_id=change_id,
                answers=[(a.question, a.text) for a in answers],
            ),
            info,
        )

    @strawberry.mutation(
        description="Propose the next version of the adjustments, put to every affected "
        "department (anyone taking part); an empty list proposes the change as planned."
    )
    async def propose_adjustments(
        self, info: Info, change_id: UUID, adjustments: list[AdjustmentInput]
    ) -> ChangeEngagementResult:
        return await _answered(
            use.propose_adjustments(
                agreements=info.context.agreements,
                viewer=info.context.viewer,
                change_id=change_id,
                adjustments=[a.plan() for a in adjustments],
            ),
            info,
        )

    @strawberry.mutation(
        description="Consent or object, with a reason, to the current version for your "
        "department (a representative of it)."
    )
    async def answer_change_proposal(
        self,
        info: Info,
        change_id: UUID,
        department: str,
        version: int,
        decision: DepartmentDecision,
        reason: str | None = None,
    ) -> ChangeEngagementResult:
        return await _answered(
            use.answer_for_department(
                agreements=info.context.agreements,
                viewer=info.context.viewer,
                change_id=change_id,
                department=department,
                version=version,
                decision=decision.value,
                reason=reason,
            ),
            info,
        )

    @strawberry.mutation(
        description="An agreed adjustment was kept (anyone taking part; also after go-live)."
    )
    async def keep_adjustment(
        self, info: Info, change_id: UUID, commitment_id: UUID, kept_at: datetime | None = None
    ) -> ChangeEngagementResult:
        return await _answered(
            use.keep_adjustment(
                agreements=info.context.agreements,
                viewer=info.context.viewer,
                change_id=change_id,
                commitment_id=commitment_id,
                kept_at=kept_at,
            ),
            info,
        )
