"""A planned change's engagement in GraphQL: who takes part, where each affected department
stands, the current proposal and its adjustments, the proactive questions' answers (to the
people taking part only) and what the viewer may do. Read from agreements with the viewer's
token (the read model holds no people or words of a change); `changeEngagement` answers
like the mutations of change_mutations.py, with the engagement or exactly why not."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry

from bridgework.common.contracts import AdjustmentKind, EngagementQuestion, EngagementRole
from bridgework.common.errors import DomainError
from bridgework.graphql_gateway.read.domain.change_engagement import (
    EngagementFacts,
    Taking,
    engagement_actions,
)
from bridgework.graphql_gateway.read.domain.changes import AgreementsUnavailable, ChangeRefused
from bridgework.graphql_gateway.read.entrypoints.graphql.context import Context
from bridgework.graphql_gateway.read.entrypoints.graphql.details import Person
from bridgework.graphql_gateway.read.entrypoints.graphql.enums import ResponseMode
from bridgework.graphql_gateway.read.entrypoints.graphql.outcomes import (
    Conflict,
    NotAllowed,
    NotFound,
    ServiceUnavailable,
    ValidationFailed,
    not_done,
    refused,
)
from bridgework.graphql_gateway.read.use_cases import change_engagement as use
from bridgework.graphql_gateway.read.use_cases.change_engagement import (
    AnswersRead,
    ChangeRead,
    EngagementResult,
    PersonRead,
)

Info = strawberry.Info[Context, None]

# The engagement's own words, named by their wire values like the contracts' other enums.
for _enum in (EngagementRole, EngagementQuestion, AdjustmentKind):
    strawberry.enum(_enum, graphql_name_from="value")


def _person(p: PersonRead) -> Person:
    return Person(person_id=p.person_id, department=p.department)


@strawberry.type(description="Someone taking part in a change's engagement, in a role.")
class EngagedPerson:
    person: Person
    role: EngagementRole
    joined_at: datetime


@strawberry.type(description="Where one affected department stands on the current proposal.")
class DepartmentWord:
    department: str
    told_at: datetime
    representatives: list[str] = strawberry.field(description="Its people taking part (ids).")
    answered: bool = strawberry.field(description="One of them answered the questions.")
    word: str | None = strawberry.field(
        description="consented or objected (to the current proposal); null: no word yet."
    )
    reason: str | None = strawberry.field(description="Why it objected (null once erased).")


@strawberry.type(description="An adjustment: a commitment of either side, owed to departments.")
class Adjustment:
    commitment_id: UUID
    terms_version: int
    kind: AdjustmentKind
    owner: Person
    owed_to_departments: list[str]
    action: str | None = strawberry.field(description="What will be done (null once erased).")
    due_at: datetime
    kept_at: datetime | None


@strawberry.type(description="A version of the adjustments, put to every affected department.")
class AdjustmentProposal:
    version: int
    proposed_by: Person
    proposed_at: datetime
    adjustments: list[Adjustment]


@strawberry.type(description="One answer to a proactive question.")
class EngagementAnswer:
    question: EngagementQuestion
    text: str | None = strawberry.field(description="Null once the representative was erased.")


@strawberry.type(description="A representative's answers to the proactive questions.")
class RepresentativeAnswers:
    representative: Person
    answers: list[EngagementAnswer]
    answered_at: datetime


def _answers_of(found: list[AnswersRead]) -> list[RepresentativeAnswers]:
    return [
        RepresentativeAnswers(
            representative=_person(r.representative),
            answers=[EngagementAnswer(question=a.question, text=a.text) for a in r.answers],
            answered_at=r.answered_at,
        )
        for r in found
    ]


@strawberry.type(
    description="A planned change and its engagement, as the agreements service tells it to you."
)
class ChangeEngagement:
    change_id: UUID
    title: str
    kind: str = strawberry.field(description="control, rollout, retirement, policy or access.")
    owner: Person
    affected_departments: list[str]
    planned_go_live: datetime
    live: bool
    went_live_at: datetime | None
    response_mode: ResponseMode | None = strawberry.field(
        description="Decided when it went live: with, to, for or not."
    )
    people: list[EngagedPerson]
    departments: list[DepartmentWord]
    current_proposal: AdjustmentProposal | None
    agreed_version: int | None = strawberry.field(
        description="The current version, once every affected department consented to it."
    )
    your_actions: list[str] = strawberry.field(
        description="What you may do here: join_as_representative, join_as_owner, "
        "answer_questions, propose, answer_proposal, keep_adjustment."
    )

    @strawberry.field(
        description="The representatives' answers to the proactive questions, oldest first; "
        "null unless you take part in the engagement (they are confidential to its people)."
    )
    async def answers(self, info: Info) -> list[RepresentativeAnswers] | None:
        found = await use.read_answers(
            agreements=info.context.agreements, viewer=info.context.viewer, change_id=self.change_id
        )
        return (
            None if isinstance(found, ChangeRefused | AgreementsUnavailable) else _answers_of(found)
        )

    @classmethod
    def of(cls, view: ChangeRead, info: Info) -> ChangeEngagement:
        proposal = view.current_proposal
        people = tuple(
            Taking(p.person.person_id, p.person.department, p.role.value) for p in view.people
        )
        facts = EngagementFacts(
            live=view.live,
            owner_department=view.owner.department,
            affected_departments=tuple(view.affected_departments),
            people=people,
            proposal_version=proposal.version if proposal else None,
            agreed_version=view.agreed_version,
            adjustments_open=sum(1 for a in proposal.adjustments if a.kept_at is None)
            if proposal
            else 0,
        )
        return cls(
            change_id=view.change_id,
            title=view.title,
            kind=view.kind.value,
            owner=_person(view.owner),
            affected_departments=list(view.affected_departments),
            planned_go_live=view.planned_go_live,
            live=view.live,
            went_live_at=view.went_live_at,
            response_mode=ResponseMode(view.response_mode.value) if view.response_mode else None,
            people=[
                EngagedPerson(person=_person(p.person), role=p.role, joined_at=p.joined_at)
                for p in view.people
            ],
            departments=[
                DepartmentWord(
                    department=d.department,
                    told_at=d.told_at,
                    representatives=list(d.representatives),
                    answered=d.answered,
                    word=d.word,
                    reason=d.reason,
                )
                for d in view.departments
            ],
            current_proposal=None
            if proposal is None
            else AdjustmentProposal(
                version=proposal.version,
                proposed_by=_person(proposal.proposed_by),
                proposed_at=proposal.proposed_at,
                adjustments=[
                    Adjustment(
                        commitment_id=a.commitment_id,
                        terms_version=a.terms_version,
                        kind=a.kind,
                        owner=_person(a.owner),
                        owed_to_departments=list(a.owed_to_departments),
                        action=a.action,
                        due_at=a.due_at,
                        kept_at=a.kept_at,
                    )
                    for a in proposal.adjustments
                ],
            ),
            agreed_version=view.agreed_version,
            your_actions=engagement_actions(info.context.viewer, facts),
        )


ChangeEngagementResult = Annotated[
    ChangeEngagement | ValidationFailed | NotAllowed | NotFound | Conflict | ServiceUnavailable,
    strawberry.union("ChangeEngagementResult"),
]


def engagement_answer(
    outcome: EngagementResult, info: Info
) -> ChangeEngagement | ValidationFailed | NotAllowed | NotFound | Conflict | ServiceUnavailable:
    """The engagement as agreements now tells it, or why not."""
    if isinstance(outcome, ChangeRefused | AgreementsUnavailable):
        return not_done(outcome)
    return ChangeEngagement.of(outcome, info)


@strawberry.type
class ChangeEngagementQuery:
    @strawberry.field(
        description="A planned change's engagement, from the agreements service: NotFound when "
        "there is none you may see (the change team, its people, and the participants and "
        "leads of the departments it concerns may)."
    )
    async def change_engagement(self, info: Info, id: UUID) -> ChangeEngagementResult:
        try:
            outcome = await use.read_engagement(
                agreements=info.context.agreements, viewer=info.context.viewer, change_id=id
            )
        except DomainError as error:
            return refused(error)
        return engagement_answer(outcome, info)
