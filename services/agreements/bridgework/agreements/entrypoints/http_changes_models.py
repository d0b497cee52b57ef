"""The HTTP models of a change's engagement (requests and views), and how a change is shown.

They belong in `schemas.py`, which is 20 lines short of the 400-line limit and being edited by
other work right now; once that settles, `schemas` becomes a package and these move to
`schemas/changes.py` unchanged (docs/agreements.md, "Changes").
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from bridgework.agreements.domain.changes import Change
from bridgework.agreements.schemas import Command
from bridgework.common.contracts import (
    AdjustmentKind,
    ChangeKind,
    DepartmentSlug,
    EngagementQuestion,
    EngagementRole,
    FreeText,
    PersonRef,
    Reason,
    ResponseMode,
)
from bridgework.common.privacy import Unsealer

# --- requests ---------------------------------------------------------------------------------


class JoinChange(Command):
    """A person takes part for their department: `representative` of an affected department,
    or `owner` (the department that plans the change). They join themselves, or the change
    team or a lead of their department adds them."""

    participant: PersonRef
    role: EngagementRole


class EngagementAnswerText(Command):
    question: EngagementQuestion
    text: FreeText


class AnswerEngagement(Command):
    """A representative's own answers to the proactive questions; confidential, sealed."""

    answers: list[EngagementAnswerText] = Field(min_length=1, max_length=3)


class AdjustmentIn(Command):
    kind: AdjustmentKind
    owner: PersonRef = Field(description="Who will do it: someone taking part in the change.")
    owed_to_departments: list[DepartmentSlug] = Field(min_length=1, max_length=50)
    action: FreeText = Field(description="What will be done; sealed with the owner's key.")
    due_at: AwareDatetime
    commitment_id: UUID | None = Field(
        default=None, description="Revising one of the current version's adjustments."
    )


class ProposeAdjustments(Command):
    """The next version of the adjustments, put to every affected department; an empty list
    proposes the change as planned."""

    adjustments: list[AdjustmentIn] = Field(max_length=50)


class AnswerForDepartment(Command):
    """A representative consents or objects, for their department, to the current version
    (as a repair's participant gives or declines consent)."""

    department: DepartmentSlug
    version: int = Field(ge=1, description="The version answered; it must be the current one.")
    decision: Literal["consent", "object"]
    reason: Reason | None = Field(default=None, description="Why; required to object.")

    @model_validator(mode="after")
    def _objecting_says_why(self) -> AnswerForDepartment:
        if self.decision == "object" and self.reason is None:
            raise ValueError("objecting needs a reason")
        return self


class KeepAdjustment(Command):
    kept_at: AwareDatetime | None = Field(default=None, description="When; default now.")


# --- views ------------------------------------------------------------------------------------


class EngagedPersonView(BaseModel):
    person: PersonRef
    role: EngagementRole
    joined_at: datetime


class DepartmentEngagementView(BaseModel):
    """Where one affected department stands on the current version."""

    department: str
    told_at: datetime
    representatives: list[str]
    answered: bool
    word: str | None = Field(description="`consented`, `objected`, or null: no word yet.")
    reason: str | None = Field(description="Why it objected (null once erased).")


class AdjustmentView(BaseModel):
    commitment_id: UUID
    terms_version: int
    kind: AdjustmentKind
    owner: PersonRef
    owed_to_departments: list[str]
    action: str | None = Field(description="Null once its owner was erased.")
    due_at: datetime
    kept_at: datetime | None


class ChangeProposalView(BaseModel):
    version: int
    proposed_by: PersonRef
    proposed_at: datetime
    adjustments: list[AdjustmentView]


class ChangeView(BaseModel):
    """A change and its engagement; the answers to the proactive questions are never shown."""

    change_id: UUID
    title: str
    kind: ChangeKind
    owner: PersonRef
    affected_departments: list[str]
    planned_go_live: datetime
    live: bool
    went_live_at: datetime | None
    response_mode: ResponseMode | None = Field(description="Decided when it went live.")
    people: list[EngagedPersonView]
    departments: list[DepartmentEngagementView]
    current_proposal: ChangeProposalView | None
    agreed_version: int | None = Field(
        description="The current version, once every affected department consented to it."
    )


class EngagementAnswerView(BaseModel):
    question: EngagementQuestion
    text: str | None = Field(description="Null once the representative was erased.")


class EngagementAnswersView(BaseModel):
    representative: PersonRef
    answers: list[EngagementAnswerView]
    answered_at: datetime


def answers_view(change: Change, texts: Unsealer) -> list[EngagementAnswersView]:
    """Every representative's answers, oldest first, opened by `texts`."""
    return [
        EngagementAnswersView(
            representative=record.representative,
            answers=[
                EngagementAnswerView(question=a.question, text=texts.text(a.text))
                for a in record.answers
            ],
            answered_at=record.answered_at,
        )
        for record in change.answers
    ]


def change_view(change: Change, texts: Unsealer) -> ChangeView:
    """A change as the API shows it, its sealed texts opened by `texts`."""
    current = change.current
    kept = {k.commitment_id: k.kept_at for k in change.kept}
    agreed = change.agreed_version()
    return ChangeView(
        change_id=change.change_id,
        title=change.title,
        kind=change.kind,
        owner=change.owner,
        affected_departments=list(change.affected_departments),
        planned_go_live=change.planned_go_live,
        live=change.live,
        went_live_at=change.go_live.went_live_at if change.go_live else None,
        response_mode=change.go_live.response_mode if change.go_live else None,
        people=[
            EngagedPersonView(person=p.person, role=p.role, joined_at=p.joined_at)
            for p in change.people
        ],
        departments=[_department_view(change, d, texts) for d in change.affected_departments],
        current_proposal=None
        if current is None
        else ChangeProposalView(
            version=current.version,
            proposed_by=current.proposed_by,
            proposed_at=current.proposed_at,
            adjustments=[
                AdjustmentView(
                    commitment_id=a.commitment_id,
                    terms_version=a.terms_version,
                    kind=a.kind,
                    owner=a.owner,
                    owed_to_departments=list(a.owed_to_departments),
                    action=texts.text(a.action),
                    due_at=a.due_at,
                    kept_at=kept.get(a.commitment_id),
                )
                for a in current.adjustments
            ],
        ),
        agreed_version=agreed.version if agreed else None,
    )


def _department_view(change: Change, department: str, texts: Unsealer) -> DepartmentEngagementView:
    current = change.current
    word = change.word_of(department, current.version) if current else None
    return DepartmentEngagementView(
        department=department,
        told_at=change.told_at[department],
        representatives=[p.person.person_id for p in change.representatives_of(department)],
        answered=any(r.representative.department == department for r in change.answers),
        word=None if word is None else ("consented" if word.consented else "objected"),
        reason=texts.text(word.reason) if word else None,
    )
