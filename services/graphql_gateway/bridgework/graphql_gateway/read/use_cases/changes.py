"""Facilitators' and participants' changes, forwarded to agreements with the viewer's token.

Each checks the viewer's role first (FORBIDDEN), then makes one call to agreements as the
viewer (their own bearer token: agreements takes the actor from it) and returns what became
of it; agreements decides what the person may do in the repair.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from pydantic import ValidationError

from bridgework.common.contracts import ParticipantRole, Question, RepairOutcome
from bridgework.graphql_gateway.read.clients import agreements as api
from bridgework.graphql_gateway.read.clients.agreements import AgreementsClient as AgreementsClient
from bridgework.graphql_gateway.read.domain.access import actor_of, require_any_role
from bridgework.graphql_gateway.read.domain.changes import (
    ASSIGNERS,
    FACILITATORS,
    IMPOSERS,
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


def _may_act(viewer: Viewer, roles: frozenset[Role]) -> None:
    """FORBIDDEN unless the viewer holds one of `roles` and a department to act from."""
    actor_of(viewer, roles)


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
    agreements: AgreementsClient,
    viewer: Viewer,
    call: api.Call[api.RepairRead],
    body: api.Sent | None,
    **ids: UUID | str,
) -> ChangeResult:
    outcome = await agreements.call(call, body, token=viewer.token, **ids)
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
    _may_act(viewer, FACILITATORS)
    body = api.JoinRepair(participant=_person(participant), role=role)
    return await _change(agreements, viewer, api.JOIN, body, repair_id=repair_id)


async def record_conversation(
    *,
    agreements: AgreementsClient,
    viewer: Viewer,
    repair_id: UUID,
    participant: Someone,
    answers: Sequence[tuple[Question, str]],
) -> ConversationResult:
    """A participant's answers to the restorative questions (theirs, or a facilitator's)."""
    _may_act(viewer, PEOPLE_OF_A_REPAIR)
    body = api.RecordConversation(
        participant=_person(participant),
        answers=[api.AnswerSent(question=q, text=text) for q, text in answers],
    )
    outcome = await agreements.call(api.CONVERSE, body, token=viewer.token, repair_id=repair_id)
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
    _may_act(viewer, FACILITATORS)
    body = api.LinkIncident(incident_id=incident_id)
    return await _change(agreements, viewer, api.LINK, body, repair_id=repair_id)


async def propose_agreement(
    *,
    agreements: AgreementsClient,
    viewer: Viewer,
    repair_id: UUID,
    commitments: Sequence[CommitmentPlan],
) -> ChangeResult:
    """A facilitator proposes terms: a new agreement version, put to consent."""
    _may_act(viewer, FACILITATORS)
    body = api.ProposeAgreement(commitments=[_draft(c) for c in commitments])
    return await _change(agreements, viewer, api.PROPOSE, body, repair_id=repair_id)


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
    _may_act(viewer, PEOPLE_OF_A_REPAIR)
    body = api.AnswerProposal.model_validate(
        {
            "version": version,
            "decision": decision,
            "reason": reason,
        }
    )
    return await _change(agreements, viewer, api.ANSWER, body, repair_id=repair_id)


async def impose_outcome(
    *,
    agreements: AgreementsClient,
    viewer: Viewer,
    repair_id: UUID,
    reason: str,
    commitments: Sequence[CommitmentPlan],
) -> ChangeResult:
    """A facilitator of the repair, or the change team, records an outcome decided without
    everyone's consent."""
    _may_act(viewer, IMPOSERS)
    body = api.ImposeOutcome(
        reason=reason,
        commitments=[_draft(c) for c in commitments],
    )
    return await _change(agreements, viewer, api.IMPOSE, body, repair_id=repair_id)


async def keep_commitment(
    *,
    agreements: AgreementsClient,
    viewer: Viewer,
    repair_id: UUID,
    commitment_id: UUID,
    kept_at: datetime | None,
) -> ChangeResult:
    """A commitment in force was kept."""
    _may_act(viewer, PEOPLE_OF_A_REPAIR)
    body = api.KeepCommitment(kept_at=kept_at)
    return await _change(
        agreements, viewer, api.KEEP, body, repair_id=repair_id, commitment_id=commitment_id
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
    _may_act(viewer, PEOPLE_OF_A_REPAIR)
    body = api.RenegotiateCommitment(reason=reason, action=action, due_at=due_at)
    return await _change(
        agreements, viewer, api.RENEGOTIATE, body, repair_id=repair_id, commitment_id=commitment_id
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
    _may_act(viewer, PEOPLE_OF_A_REPAIR)
    body = api.ReleaseCommitment(reason=reason)
    return await _change(
        agreements, viewer, api.RELEASE, body, repair_id=repair_id, commitment_id=commitment_id
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
    _may_act(viewer, FACILITATORS)
    try:
        body = api.CloseRepair.model_validate(
            {"outcome": outcome, "reason_code": reason_code, "reason": reason}
        )
    except ValidationError as error:
        fields = tuple((".".join(map(str, e["loc"])), e["msg"]) for e in error.errors())
        return ChangeRefused(422, "validation_failed", "the request is not valid", fields)
    return await _change(agreements, viewer, api.CLOSE, body, repair_id=repair_id)


async def assign_facilitator(
    *, agreements: AgreementsClient, viewer: Viewer, repair_id: UUID, facilitator: Someone
) -> ChangeResult:
    """The change team or a lead of a department involved makes a person a facilitator
    (assigning needs no department of one's own: it names the facilitator, not the assigner)."""
    require_any_role(viewer, ASSIGNERS)
    body = api.AssignFacilitator(facilitator=_person(facilitator))
    return await _change(agreements, viewer, api.ASSIGN, body, repair_id=repair_id)


async def offer_to_facilitate(
    *, agreements: AgreementsClient, viewer: Viewer, repair_id: UUID
) -> ChangeResult:
    """A facilitator offers to facilitate a repair; the offer waits for approval."""
    _may_act(viewer, FACILITATORS)
    return await _change(agreements, viewer, api.OFFER, None, repair_id=repair_id)


async def answer_facilitation_offer(
    *,
    agreements: AgreementsClient,
    viewer: Viewer,
    repair_id: UUID,
    person_id: str,
    decision: str,
    reason: str | None,
) -> ChangeResult:
    """The change team or a lead of a department involved approves or declines an offer."""
    require_any_role(viewer, ASSIGNERS)
    body = api.AnswerFacilitationOffer.model_validate({"decision": decision, "reason": reason})
    return await _change(
        agreements, viewer, api.ANSWER_OFFER, body, repair_id=repair_id, person_id=person_id
    )
