"""Facilitators' and participants' actions, forwarded to the agreements service's HTTP API.

The gateway authenticates the person (their token) and forwards them as the `actor`;
agreements decides what that person may do in the repair. Every mutation answers with
a typed union: the change made, or exactly why not. The read model hears of the change
through Kafka a moment later; query the repair again to see it there.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from uuid import UUID

import strawberry

from bridgework.common.errors import DomainError
from bridgework.graphql_gateway.read.domain.changes import (
    CommitmentPlan,
    ConversationSaved,
    Someone,
)
from bridgework.graphql_gateway.read.entrypoints.graphql.context import Context
from bridgework.graphql_gateway.read.entrypoints.graphql.enums import (
    ParticipantRole,
    Question,
    RepairOutcome,
)
from bridgework.graphql_gateway.read.entrypoints.graphql.outcomes import (
    ConversationRecorded,
    ConversationResult,
    RepairChangeResult,
    answered,
    not_done,
    refused,
)
from bridgework.graphql_gateway.read.use_cases import changes

Info = strawberry.Info[Context, None]


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


@strawberry.enum(graphql_name_from="value")
class OfferDecision(Enum):
    APPROVE = "approve"
    DECLINE = "decline"


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Make a person a facilitator of a repair (the change team, or a lead of a "
        "department involved, does); a repair may have several."
    )
    async def assign_facilitator(
        self, info: Info, repair_id: UUID, facilitator: PersonInput
    ) -> RepairChangeResult:
        return await answered(
            changes.assign_facilitator(
                agreements=info.context.agreements,
                viewer=info.context.viewer,
                repair_id=repair_id,
                facilitator=facilitator.someone(),
            )
        )

    @strawberry.mutation(
        description="Offer to facilitate a repair that has no facilitator yet (a facilitator "
        "does); the offer waits for the change team or a lead of a department involved."
    )
    async def offer_to_facilitate(self, info: Info, repair_id: UUID) -> RepairChangeResult:
        return await answered(
            changes.offer_to_facilitate(
                agreements=info.context.agreements,
                viewer=info.context.viewer,
                repair_id=repair_id,
            )
        )

    @strawberry.mutation(
        description="Approve (the facilitator joins) or decline a facilitator's offer (the "
        "change team, or a lead of a department involved)."
    )
    async def answer_facilitation_offer(
        self,
        info: Info,
        repair_id: UUID,
        person_id: str,
        decision: OfferDecision,
        reason: str | None = None,
    ) -> RepairChangeResult:
        return await answered(
            changes.answer_facilitation_offer(
                agreements=info.context.agreements,
                viewer=info.context.viewer,
                repair_id=repair_id,
                person_id=person_id,
                decision=decision.value,
                reason=reason,
            )
        )

    @strawberry.mutation(
        description="Add a person to a repair in a role (a facilitator of the repair does; "
        "nobody makes themselves its first facilitator: see assignFacilitator)."
    )
    async def join_repair(
        self, info: Info, repair_id: UUID, participant: PersonInput, role: ParticipantRole
    ) -> RepairChangeResult:
        return await answered(
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
            return refused(error)
        if isinstance(outcome, ConversationSaved):
            return ConversationRecorded(
                repair_id=repair_id,
                participant_id=outcome.participant_id,
                recorded_at=outcome.recorded_at,
            )
        return not_done(outcome)

    @strawberry.mutation(description="Link a further incident about the same harm.")
    async def link_incident(
        self, info: Info, repair_id: UUID, incident_id: UUID
    ) -> RepairChangeResult:
        return await answered(
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
        return await answered(
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
        return await answered(
            changes.answer_proposal(
                agreements=info.context.agreements,
                viewer=info.context.viewer,
                repair_id=repair_id,
                version=version,
                decision=decision.value,
                reason=reason,
            )
        )

    @strawberry.mutation(
        description="Record an outcome decided without everyone's consent (a facilitator of "
        "the repair, or the change team)."
    )
    async def impose_outcome(
        self,
        info: Info,
        repair_id: UUID,
        reason: str,
        commitments: list[CommitmentInput] | None = None,
    ) -> RepairChangeResult:
        return await answered(
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
        return await answered(
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
        return await answered(
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
        return await answered(
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
        return await answered(
            changes.close_repair(
                agreements=info.context.agreements,
                viewer=info.context.viewer,
                repair_id=repair_id,
                outcome=outcome,
                reason_code=reason_code,
                reason=reason,
            )
        )
