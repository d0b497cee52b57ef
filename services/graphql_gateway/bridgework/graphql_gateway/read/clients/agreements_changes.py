"""Agreements' HTTP API for a planned change's engagement, as the gateway calls it.

Beside `agreements.py` (the repairs' calls), with the same client, the same `Call` and the same
rule: the person's own bearer token on every call, no actor in any body. The models are the
gateway's own; tests/unit/test_gateway_change_mutations.py holds them to agreements' OpenAPI.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import RootModel

from bridgework.common.contracts import (
    AdjustmentKind,
    ChangeKind,
    EngagementQuestion,
    EngagementRole,
    ResponseMode,
)
from bridgework.graphql_gateway.read.clients.agreements import Call, Person, Read, Sent


class JoinChange(Sent):
    participant: Person
    role: EngagementRole


class EngagementAnswerSent(Sent):
    question: EngagementQuestion
    text: str


class AnswerEngagement(Sent):
    answers: list[EngagementAnswerSent]


class AdjustmentDraft(Sent):
    kind: AdjustmentKind
    owner: Person
    owed_to_departments: list[str]
    action: str
    due_at: datetime
    commitment_id: UUID | None = None  # sent only when set: revises a current adjustment


class ProposeAdjustments(Sent):
    adjustments: list[AdjustmentDraft]


class AnswerForDepartment(Sent):
    department: str
    version: int
    decision: Literal["consent", "object"]
    reason: str | None


class KeepAdjustment(Sent):
    kept_at: datetime | None


class PersonRead(Read):
    person_id: str
    department: str


class EngagedPersonRead(Read):
    person: PersonRead
    role: EngagementRole
    joined_at: datetime


class DepartmentRead(Read):
    department: str
    told_at: datetime
    representatives: list[str]
    answered: bool
    word: str | None  # consented or objected
    reason: str | None


class AdjustmentRead(Read):
    commitment_id: UUID
    terms_version: int
    kind: AdjustmentKind
    owner: PersonRead
    owed_to_departments: list[str]
    action: str | None
    due_at: datetime
    kept_at: datetime | None


class ProposalRead(Read):
    version: int
    proposed_by: PersonRead
    proposed_at: datetime
    adjustments: list[AdjustmentRead]


class ChangeRead(Read):
    change_id: UUID
    title: str
    kind: ChangeKind
    owner: PersonRead
    affected_departments: list[str]
    planned_go_live: datetime
    live: bool
    went_live_at: datetime | None
    response_mode: ResponseMode | None
    people: list[EngagedPersonRead]
    departments: list[DepartmentRead]
    current_proposal: ProposalRead | None
    agreed_version: int | None


class AnswerTextRead(Read):
    question: EngagementQuestion
    text: str | None


class AnswersRead(Read):
    representative: PersonRead
    answers: list[AnswerTextRead]
    answered_at: datetime


class AnswersList(RootModel[list[AnswersRead]]):
    """Every representative's answers, oldest first (agreements answers with a list)."""


READ_CHANGE = Call("GET", "/v1/changes/{change_id}", None, ChangeRead)
READ_ANSWERS = Call("GET", "/v1/changes/{change_id}/answers", None, AnswersList)
JOIN_CHANGE = Call("POST", "/v1/changes/{change_id}/participants", JoinChange, ChangeRead)
ANSWER_QUESTIONS = Call("POST", "/v1/changes/{change_id}/answers", AnswerEngagement, ChangeRead)
PROPOSE_ADJUSTMENTS = Call(
    "POST", "/v1/changes/{change_id}/proposals", ProposeAdjustments, ChangeRead
)
ANSWER_FOR_DEPARTMENT = Call(
    "POST", "/v1/changes/{change_id}/consents", AnswerForDepartment, ChangeRead
)
KEEP_ADJUSTMENT = Call(
    "POST", "/v1/changes/{change_id}/commitments/{commitment_id}/kept", KeepAdjustment, ChangeRead
)
CHANGE_CALLS: tuple[Call[Any], ...] = (
    READ_CHANGE, READ_ANSWERS, JOIN_CHANGE, ANSWER_QUESTIONS, PROPOSE_ADJUSTMENTS,
    ANSWER_FOR_DEPARTMENT, KEEP_ADJUSTMENT,
)  # fmt: skip
