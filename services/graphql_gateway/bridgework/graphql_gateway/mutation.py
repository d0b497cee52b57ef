"""Facilitators' and participants' actions, forwarded to the agreements service's HTTP API.

The gateway authenticates the person (their token) and forwards them as the `actor`;
agreements decides what that person may do in the repair. Every mutation answers with
a typed union: the change made, or exactly why not. The read model hears of the change
through Kafka a moment later; query the repair again to see it there.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

import strawberry

from bridgework.graphql_gateway.agreements_api import (
    AgreementsApi,
    Refused,
    Unreachable,
)
from bridgework.graphql_gateway.auth import Role
from bridgework.graphql_gateway.context import Context
from bridgework.graphql_gateway.enums import ParticipantRole, Question, RepairOutcome, ResponseMode

Info = strawberry.Info[Context, None]

FACILITATORS = frozenset({Role.FACILITATOR})
PEOPLE_OF_A_REPAIR = frozenset({Role.FACILITATOR, Role.PARTICIPANT})


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

    def json(self) -> dict[str, str]:
        return {"person_id": self.person_id, "department": self.department}


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

    def json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "owner": self.owner.json(),
            "action": self.action,
            "due_at": self.due_at.isoformat(),
            "owed_to": [p.json() for p in self.owed_to],
            "owed_to_departments": self.owed_to_departments,
        }
        if self.commitment_id is not None:
            body["commitment_id"] = str(self.commitment_id)
        return body


@strawberry.enum(graphql_name_from="value")
class ConsentDecision(Enum):
    GIVE = "give"
    DECLINE = "decline"


def _refusal(outcome: Refused) -> ValidationFailed | NotAllowed | NotFound | Conflict:
    body = outcome.body
    if outcome.status == 422:
        fields = body.get("fields") or [{"field": "(body)", "reason": str(body.get("detail"))}]
        return ValidationFailed(
            fields=[
                FieldError(field=str(f.get("field")), reason=str(f.get("reason"))) for f in fields
            ]
        )
    code, detail = str(body.get("error", "refused")), str(body.get("detail", "refused"))
    if outcome.status in (401, 403):
        return NotAllowed(code=code, detail=detail)
    if outcome.status == 404:
        return NotFound(code=code, detail=detail)
    return Conflict(code=code, detail=detail)


def _actor(info: Info, roles: frozenset[Role]) -> dict[str, str] | NotAllowed:
    viewer = info.context.viewer
    if not viewer.roles & roles:
        names = " or ".join(sorted(r.value for r in roles))
        return NotAllowed(code="role_required", detail=f"this needs the {names} role")
    if viewer.department is None:
        return NotAllowed(
            code="department_required", detail="your token names no department to act from"
        )
    return {"person_id": viewer.subject, "department": viewer.department}


def _api(info: Info) -> AgreementsApi:
    api = info.context.agreements_api
    assert isinstance(api, AgreementsApi)
    return api


async def _change(
    info: Info, roles: frozenset[Role], path: str, body: dict[str, Any]
) -> RepairChanged | ValidationFailed | NotAllowed | NotFound | Conflict | ServiceUnavailable:
    actor = _actor(info, roles)
    if isinstance(actor, NotAllowed):
        return actor
    outcome = await _api(info).post(path, {**body, "actor": actor})
    if isinstance(outcome, Unreachable):
        return ServiceUnavailable(detail=outcome.detail)
    if isinstance(outcome, Refused):
        return _refusal(outcome)
    view = outcome.body
    mode = view.get("response_mode")
    agreement = view.get("agreement") or {}
    return RepairChanged(
        repair_id=UUID(str(view["repair_id"])),
        closed=view.get("status") == "closed",
        response_mode=ResponseMode(mode) if mode else None,
        agreement_status=agreement.get("status"),
        agreement_version=agreement.get("latest_version"),
    )


def _commitment_path(repair_id: UUID, commitment_id: UUID, action: str) -> str:
    return f"/v1/repairs/{repair_id}/commitments/{commitment_id}/{action}"


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Add a person to a repair in a role (a facilitator does).")
    async def join_repair(
        self, info: Info, repair_id: UUID, participant: PersonInput, role: ParticipantRole
    ) -> RepairChangeResult:
        body = {"participant": participant.json(), "role": role.value}
        return await _change(info, FACILITATORS, f"/v1/repairs/{repair_id}/participants", body)

    @strawberry.mutation(
        description="Record a participant's answers (theirs, or a facilitator for them)."
    )
    async def record_conversation(
        self, info: Info, repair_id: UUID, participant: PersonInput, answers: list[AnswerInput]
    ) -> ConversationResult:
        actor = _actor(info, PEOPLE_OF_A_REPAIR)
        if isinstance(actor, NotAllowed):
            return actor
        body = {
            "actor": actor,
            "participant": participant.json(),
            "answers": [{"question": a.question.value, "text": a.text} for a in answers],
        }
        outcome = await _api(info).post(f"/v1/repairs/{repair_id}/conversation", body)
        if isinstance(outcome, Unreachable):
            return ServiceUnavailable(detail=outcome.detail)
        if isinstance(outcome, Refused):
            return _refusal(outcome)
        return ConversationRecorded(
            repair_id=repair_id,
            participant_id=str(outcome.body["participant"]["person_id"]),
            recorded_at=datetime.fromisoformat(str(outcome.body["recorded_at"])),
        )

    @strawberry.mutation(description="Link a further incident about the same harm.")
    async def link_incident(
        self, info: Info, repair_id: UUID, incident_id: UUID
    ) -> RepairChangeResult:
        body = {"incident_id": str(incident_id)}
        return await _change(info, FACILITATORS, f"/v1/repairs/{repair_id}/incidents", body)

    @strawberry.mutation(description="Propose terms: a new agreement version, put to consent.")
    async def propose_agreement(
        self, info: Info, repair_id: UUID, commitments: list[CommitmentInput]
    ) -> RepairChangeResult:
        body = {"commitments": [c.json() for c in commitments]}
        return await _change(info, FACILITATORS, f"/v1/repairs/{repair_id}/agreement", body)

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
        body = {"version": version, "decision": decision.value, "reason": reason}
        return await _change(
            info, PEOPLE_OF_A_REPAIR, f"/v1/repairs/{repair_id}/agreement/consents", body
        )

    @strawberry.mutation(description="Record an outcome decided without everyone's consent.")
    async def impose_outcome(
        self,
        info: Info,
        repair_id: UUID,
        reason: str,
        commitments: list[CommitmentInput] | None = None,
    ) -> RepairChangeResult:
        body = {"reason": reason, "commitments": [c.json() for c in commitments or []]}
        return await _change(info, FACILITATORS, f"/v1/repairs/{repair_id}/impose", body)

    @strawberry.mutation(description="A commitment in force was kept (its owner or a facilitator).")
    async def keep_commitment(
        self, info: Info, repair_id: UUID, commitment_id: UUID, kept_at: datetime | None = None
    ) -> RepairChangeResult:
        body = {"kept_at": kept_at.isoformat() if kept_at else None}
        path = _commitment_path(repair_id, commitment_id, "kept")
        return await _change(info, PEOPLE_OF_A_REPAIR, path, body)

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
        body = {
            "reason": reason,
            "action": action,
            "due_at": due_at.isoformat() if due_at else None,
        }
        path = _commitment_path(repair_id, commitment_id, "renegotiate")
        return await _change(info, PEOPLE_OF_A_REPAIR, path, body)

    @strawberry.mutation(description="Propose releasing a commitment (shown to the affected).")
    async def release_commitment(
        self, info: Info, repair_id: UUID, commitment_id: UUID, reason: str
    ) -> RepairChangeResult:
        path = _commitment_path(repair_id, commitment_id, "release")
        return await _change(info, PEOPLE_OF_A_REPAIR, path, {"reason": reason})

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
        body = {"outcome": outcome.value, "reason_code": reason_code, "reason": reason}
        return await _change(info, FACILITATORS, f"/v1/repairs/{repair_id}/close", body)
