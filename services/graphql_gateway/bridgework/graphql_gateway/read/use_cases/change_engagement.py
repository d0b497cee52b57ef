"""A planned change's engagement, read from and changed in agreements with the viewer's token.

The read model holds where each department stands, never who takes part or what they said:
the change's page reads the engagement from agreements, which decides who may see it (404
for anyone else) and who may do what. Each use case checks the viewer's role first
(FORBIDDEN, no call), then makes one call as the viewer, as the repairs' changes do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from bridgework.common.contracts import AdjustmentKind, EngagementQuestion, EngagementRole
from bridgework.graphql_gateway.read.clients import agreements as api
from bridgework.graphql_gateway.read.clients import agreements_changes as calls
from bridgework.graphql_gateway.read.clients.agreements import AgreementsClient as AgreementsClient
from bridgework.graphql_gateway.read.clients.agreements_changes import AnswersRead as AnswersRead
from bridgework.graphql_gateway.read.clients.agreements_changes import ChangeRead as ChangeRead
from bridgework.graphql_gateway.read.clients.agreements_changes import PersonRead as PersonRead
from bridgework.graphql_gateway.read.domain.access import actor_of, require_any_role
from bridgework.graphql_gateway.read.domain.changes import (
    AgreementsUnavailable,
    ChangeRefused,
    Someone,
)
from bridgework.graphql_gateway.read.domain.viewer import Role, Viewer

# Anyone with a role may ask; agreements decides by department and by who takes part.
ANY_ROLE = frozenset(Role)

EngagementResult = ChangeRead | ChangeRefused | AgreementsUnavailable
AnswersResult = list[AnswersRead] | ChangeRefused | AgreementsUnavailable


@dataclass(frozen=True)
class AdjustmentPlan:
    """One adjustment as proposed; `commitment_id` revises one of the current version's."""

    kind: AdjustmentKind
    owner: Someone
    owed_to_departments: tuple[str, ...]
    action: str
    due_at: datetime
    commitment_id: UUID | None = None


def _not_done(outcome: api.Refused | api.Unreachable) -> ChangeRefused | AgreementsUnavailable:
    if isinstance(outcome, api.Unreachable):
        return AgreementsUnavailable(detail=outcome.detail)
    fields = tuple((f.field, f.reason) for f in outcome.fields)
    return ChangeRefused(outcome.status, outcome.code, outcome.detail, fields)


async def _engagement(
    agreements: AgreementsClient,
    viewer: Viewer,
    call: api.Call[ChangeRead],
    body: api.Sent | None,
    **ids: UUID | str,
) -> EngagementResult:
    outcome = await agreements.call(call, body, token=viewer.token, **ids)
    return outcome.answer if isinstance(outcome, api.Accepted) else _not_done(outcome)


async def read_engagement(
    *, agreements: AgreementsClient, viewer: Viewer, change_id: UUID
) -> EngagementResult:
    """The change and its engagement as agreements tells it to this viewer."""
    require_any_role(viewer, ANY_ROLE)
    return await _engagement(agreements, viewer, calls.READ_CHANGE, None, change_id=change_id)


async def read_answers(
    *, agreements: AgreementsClient, viewer: Viewer, change_id: UUID
) -> AnswersResult:
    """The representatives' answers: only the people taking part may read them (403)."""
    require_any_role(viewer, ANY_ROLE)
    outcome = await agreements.call(
        calls.READ_ANSWERS, None, token=viewer.token, change_id=change_id
    )
    return outcome.answer.root if isinstance(outcome, api.Accepted) else _not_done(outcome)


async def join_change(
    *,
    agreements: AgreementsClient,
    viewer: Viewer,
    change_id: UUID,
    role: EngagementRole,
    participant: Someone | None,
) -> EngagementResult:
    """A person takes part for their department (themselves unless `participant` is named:
    the change team or a lead of that person's department adds them)."""
    person_id, department = actor_of(viewer, ANY_ROLE)
    someone = participant or Someone(person_id=person_id, department=department)
    body = calls.JoinChange(
        participant=api.Person(person_id=someone.person_id, department=someone.department),
        role=role,
    )
    return await _engagement(agreements, viewer, calls.JOIN_CHANGE, body, change_id=change_id)


async def answer_questions(
    *,
    agreements: AgreementsClient,
    viewer: Viewer,
    change_id: UUID,
    answers: Sequence[tuple[EngagementQuestion, str]],
) -> EngagementResult:
    """A representative's own answers to the proactive questions (sealed by agreements)."""
    actor_of(viewer, ANY_ROLE)
    body = calls.AnswerEngagement(
        answers=[calls.EngagementAnswerSent(question=q, text=text) for q, text in answers]
    )
    return await _engagement(agreements, viewer, calls.ANSWER_QUESTIONS, body, change_id=change_id)


def _draft(plan: AdjustmentPlan) -> calls.AdjustmentDraft:
    fields: dict[str, object] = {
        "kind": plan.kind,
        "owner": api.Person(person_id=plan.owner.person_id, department=plan.owner.department),
        "owed_to_departments": list(plan.owed_to_departments),
        "action": plan.action,
        "due_at": plan.due_at,
    }
    if plan.commitment_id is not None:
        fields["commitment_id"] = plan.commitment_id
    return calls.AdjustmentDraft.model_validate(fields)


async def propose_adjustments(
    *,
    agreements: AgreementsClient,
    viewer: Viewer,
    change_id: UUID,
    adjustments: Sequence[AdjustmentPlan],
) -> EngagementResult:
    """Someone taking part puts the next version of the adjustments to every department."""
    actor_of(viewer, ANY_ROLE)
    body = calls.ProposeAdjustments(adjustments=[_draft(a) for a in adjustments])
    return await _engagement(
        agreements, viewer, calls.PROPOSE_ADJUSTMENTS, body, change_id=change_id
    )


async def answer_for_department(
    *,
    agreements: AgreementsClient,
    viewer: Viewer,
    change_id: UUID,
    department: str,
    version: int,
    decision: str,
    reason: str | None,
) -> EngagementResult:
    """A representative consents or objects (with a reason) for their department."""
    actor_of(viewer, ANY_ROLE)
    body = calls.AnswerForDepartment.model_validate(
        {"department": department, "version": version, "decision": decision, "reason": reason}
    )
    return await _engagement(
        agreements, viewer, calls.ANSWER_FOR_DEPARTMENT, body, change_id=change_id
    )


async def keep_adjustment(
    *,
    agreements: AgreementsClient,
    viewer: Viewer,
    change_id: UUID,
    commitment_id: UUID,
    kept_at: datetime | None,
) -> EngagementResult:
    """Someone taking part marks an agreed adjustment kept."""
    actor_of(viewer, ANY_ROLE)
    body = calls.KeepAdjustment(kept_at=kept_at)
    return await _engagement(
        agreements,
        viewer,
        calls.KEEP_ADJUSTMENT,
        body,
        change_id=change_id,
        commitment_id=commitment_id,
    )
