"""Facilitators' and participants' changes, forwarded to agreements with the viewer as actor.

Each checks the viewer's role first (FORBIDDEN), then makes one call to agreements and
returns what became of it; agreements decides what the actor may do in the repair.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from pydantic import ValidationError

from bridgework.common.contracts import ParticipantRole, Question, RepairOutcome
from bridgework.graphql_gateway.read.clients import agreements as api
from bridgework.graphql_gateway.read.clients.agreements import AgreementsClient as AgreementsClient
from bridgework.graphql_gateway.read.domain.access import actor_of
from bridgework.graphql_gateway.read.domain.changes import (
    FACILITATORS,
    PEOPLE_OF_A_REPAIR,
    AgreementsUnavailable,
    ChangeRefused,
    CommitmentPlan,
    ConversationSaved,
    RepairChange,
    Someone,
)
from bridgework.graphql_gateway.read.domain.viewer import Role, Viewer

ChangeResult = RepairChange | ChangeRefused | AgreementsUnavailable
ConversationResult = ConversationSaved | ChangeRefused | AgreementsUnavailable


def _actor(viewer: Viewer, roles: frozenset[Role]) -> api.Person:
    person_id, department = actor_of(viewer, roles)
    return api.Person(person_id=person_id, department=department)


def _person(someone: Someone) -> api.Person:
    return api.Person(person_id=someone.person_id, department=someone.department)


def _draft(plan: CommitmentPlan) -> api.CommitmentDraft:
    fields = {
        "owner": _person(plan.owner),
        "action": plan.action,
        "due_at": plan.due_at,
        "owed_to": [_person(p) for p in plan.owed_to],
        "owed_to_departments": list(plan.owed_to_departments),
    }
    if plan.commitment_id is not None:
        fields["commitment_id"] = plan.commitment_id
    return api.CommitmentDraft.model_validate(fields)


def _not_done(outcome: api.Refused | api.Unreachable) -> ChangeRefused | AgreementsUnavailable:
    if isinstance(outcome, api.Unreachable):
        return AgreementsUnavailable(detail=outcome.detail)
    fields = tuple((f.field, f.reason) for f in outcome.fields)
    return ChangeRefused(outcome.status, outcome.code, outcome.detail, fields)


async def _change(
    agreements: AgreementsClient, call: api.Call[api.RepairRead], body: api.Sent, **ids: UUID
) -> ChangeResult:
    outcome = await agreements.call(call, body, **ids)
    if not isinstance(outcome, api.Accepted):
        return _not_done(outcome)
    repair = outcome.answer
    return RepairChange(
        repair_id=repair.repair_id,
        closed=repair.status == "closed",
        response_mode=repair.response_mode.value if repair.response_mode else None,
        agreement_status=repair.agreement.status if repair.agreement else None,
        agreement_version=repair.agreement.latest_version if repair.agreement else None,
    )


async def join_repair(
    *,
    agreements: AgreementsClient,
    viewer: Viewer,
    repair_id: UUID,
    participant: Someone,
    role: ParticipantRole,
) -> ChangeResult:
    """A facilitator adds a person to a repair in a role."""
    body = api.JoinRepair(
        actor=_actor(viewer, FACILITATORS), participant=_person(participant), role=role
    )
    return await _change(agreements, api.JOIN, body, repair_id=repair_id)


async def record_conversation(
    *,
    agreements: AgreementsClient,
    viewer: Viewer,
    repair_id: UUID,
    participant: Someone,
    answers: Sequence[tuple[Question, str]],
) -> ConversationResult:
    """A participant's answers to the restorative questions (theirs, or a facilitator's)."""
    body = api.RecordConversation(
        actor=_actor(viewer, PEOPLE_OF_A_REPAIR),
        participant=_person(participant),
        answers=[api.AnswerSent(question=q, text=text) for q, text in answers],
    )
    outcome = await agreements.call(api.CONVERSE, body, repair_id=repair_id)
    if not isinstance(outcome, api.Accepted):
        return _not_done(outcome)
    return ConversationSaved(
        participant_id=outcome.answer.participant.person_id,
        recorded_at=outcome.answer.recorded_at,
    )


async def link_incident(
    *, agreements: AgreementsClient, viewer: Viewer, repair_id: UUID, incident_id: UUID
) -> ChangeResult:
    """A facilitator links a further incident about the same harm."""
    body = api.LinkIncident(actor=_actor(viewer, FACILITATORS), incident_id=incident_id)
    return await _change(agreements, api.LINK, body, repair_id=repair_id)


async def propose_agreement(
    *,
    agreements: AgreementsClient,
    viewer: Viewer,
    repair_id: UUID,
    commitments: Sequence[CommitmentPlan],
) -> ChangeResult:
    """A facilitator proposes terms: a new agreement version, put to consent."""
    body = api.ProposeAgreement(
        actor=_actor(viewer, FACILITATORS), commitments=[_draft(c) for c in commitments]
    )
    return await _change(agreements, api.PROPOSE, body, repair_id=repair_id)


async def answer_proposal(
    *,
    agreements: AgreementsClient,
    viewer: Viewer,
    repair_id: UUID,
    version: int,
    decision: str,
    reason: str | None,
) -> ChangeResult:
    """A participant gives or declines consent to a version."""
    body = api.AnswerProposal.model_validate(
        {
            "actor": _actor(viewer, PEOPLE_OF_A_REPAIR),
            "version": version,
            "decision": decision,
            "reason": reason,
        }
    )
    return await _change(agreements, api.ANSWER, body, repair_id=repair_id)


async def impose_outcome(
    *,
    agreements: AgreementsClient,
    viewer: Viewer,
    repair_id: UUID,
    reason: str,
    commitments: Sequence[CommitmentPlan],
) -> ChangeResult:
    """A facilitator records an outcome decided without everyone's consent."""
    body = api.ImposeOutcome(
        actor=_actor(viewer, FACILITATORS),
        reason=reason,
        commitments=[_draft(c) for c in commitments],
    )
    return await _change(agreements, api.IMPOSE, body, repair_id=repair_id)


async def keep_commitment(
    *,
    agreements: AgreementsClient,
    viewer: Viewer,
    repair_id: UUID,
    commitment_id: UUID,
    kept_at: datetime | None,
) -> ChangeResult:
    """A commitment in force was kept."""
    body = api.KeepCommitment(actor=_actor(viewer, PEOPLE_OF_A_REPAIR), kept_at=kept_at)
    return await _change(
        agreements, api.KEEP, body, repair_id=repair_id, commitment_id=commitment_id
    )


async def renegotiate_commitment(
    *,
    agreements: AgreementsClient,
    viewer: Viewer,
    repair_id: UUID,
    commitment_id: UUID,
    reason: str,
    action: str | None,
    due_at: datetime | None,
) -> ChangeResult:
    """New terms or a new date proposed for a commitment."""
    body = api.RenegotiateCommitment(
        actor=_actor(viewer, PEOPLE_OF_A_REPAIR), reason=reason, action=action, due_at=due_at
    )
    return await _change(
        agreements, api.RENEGOTIATE, body, repair_id=repair_id, commitment_id=commitment_id
    )


async def release_commitment(
    *,
    agreements: AgreementsClient,
    viewer: Viewer,
    repair_id: UUID,
    commitment_id: UUID,
    reason: str,
) -> ChangeResult:
    """Releasing a commitment proposed (shown to the affected)."""
    body = api.ReleaseCommitment(actor=_actor(viewer, PEOPLE_OF_A_REPAIR), reason=reason)
    return await _change(
        agreements, api.RELEASE, body, repair_id=repair_id, commitment_id=commitment_id
    )


async def close_repair(
    *,
    agreements: AgreementsClient,
    viewer: Viewer,
    repair_id: UUID,
    outcome: RepairOutcome,
    reason_code: str | None,
    reason: str | None,
) -> ChangeResult:
    """A facilitator closes the repair; a reason code agreements does not know is refused
    as agreements would refuse it (422, the field and why), without a call."""
    actor = _actor(viewer, FACILITATORS)
    try:
        body = api.CloseRepair.model_validate(
            {"actor": actor, "outcome": outcome, "reason_code": reason_code, "reason": reason}
        )
    except ValidationError as error:
        fields = tuple((".".join(map(str, e["loc"])), e["msg"]) for e in error.errors())
        return ChangeRefused(422, "validation_failed", "the request is not valid", fields)
    return await _change(agreements, api.CLOSE, body, repair_id=repair_id)
