"""Agreements' HTTP API for facilitators and participants (OpenAPI at /docs).

Resource-oriented: a repair, its participants, conversation, agreement (with its consents)
and commitments. Every change answers with the repair as it now stands (the conversation
excepted, which only its own confidential view shows). Errors: 422 names the failing
fields (the common shape); 403, 404 and 409 answer `{"error": code, "detail": sentence}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request, Response, status
from fastapi.responses import JSONResponse

from bridgework.agreements import agreement, domain, repository, service, views
from bridgework.agreements.commands import (
    AnswerProposal,
    CloseRepair,
    ImposeOutcome,
    JoinRepair,
    KeepCommitment,
    LinkIncident,
    ProposeAgreement,
    RecordConversation,
    ReleaseCommitment,
    RenegotiateCommitment,
)
from bridgework.agreements.domain import (
    ConflictError,
    Decision,
    DomainError,
    ForbiddenError,
    InvalidError,
    Repair,
    RepairStatus,
    UnknownError,
)
from bridgework.agreements.settings import AgreementsSettings
from bridgework.agreements.views import ConversationView, ErrorBody, RepairSummaryView, RepairView
from bridgework.common.clock import Clock
from bridgework.common.contracts import PseudonymousId
from bridgework.common.http_errors import validation_problem
from bridgework.common.postgres import Pool
from bridgework.common.runtime import Runtime, get_runtime


@dataclass(frozen=True)
class Context:
    pool: Pool
    clock: Clock
    settings: AgreementsSettings


def get_context(request: Request, runtime: Annotated[Runtime, Depends(get_runtime)]) -> Context:
    """The running service's pool, its injected clock and its settings."""
    settings = request.app.state.settings
    assert isinstance(settings, AgreementsSettings)
    return Context(pool=runtime.pool, clock=request.app.state.clock, settings=settings)


Ctx = Annotated[Context, Depends(get_context)]

_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody, "description": "The actor may not do this in this repair."},
    404: {"model": ErrorBody, "description": "No such repair (or commitment, or incident)."},
    409: {"model": ErrorBody, "description": "Not possible in the state the repair is in."},
    422: {"description": "Invalid body: every failing field and why."},
}

router = APIRouter(prefix="/v1", tags=["repairs"])


async def _change(ctx: Context, repair_id: UUID, decide: service.Decide) -> RepairView:
    details = await service.change_repair(
        pool=ctx.pool, clock=ctx.clock, settings=ctx.settings, repair_id=repair_id, decide=decide
    )
    return views.repair_view(details, now=ctx.clock.now())


# --- reads ------------------------------------------------------------------------------------


@router.get("/repairs", response_model=list[RepairSummaryView])
async def list_repairs(
    ctx: Ctx,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[
        datetime | None, Query(description="Page: the last `opened_at` seen.")
    ] = None,
    before_id: Annotated[
        UUID | None, Query(description="Page: the last `repair_id` seen, with `before`.")
    ] = None,
    status_is: Annotated[RepairStatus | None, Query(alias="status")] = None,
) -> list[RepairSummaryView]:
    """Repairs, newest first."""
    async with ctx.pool.acquire() as connection:
        summaries = await repository.list_repairs(
            connection,
            limit=limit,
            before=before,
            before_id=before_id,
            status=status_is.value if status_is else None,
        )
    now = ctx.clock.now()
    return [views.summary_view(summary, now=now) for summary in summaries]


@router.get("/repairs/{repair_id}", responses=_ERRORS)
async def get_repair(repair_id: UUID, ctx: Ctx) -> RepairView:
    """One repair: participants, agreement, commitments, consents, response mode (no conversation)."""
    return views.repair_view(await service.repair_details(ctx.pool, repair_id), now=ctx.clock.now())


@router.get("/incidents/{incident_id}/repair", responses=_ERRORS)
async def repair_of_incident(incident_id: UUID, ctx: Ctx) -> RepairView:
    """The repair an incident belongs to (404 until the incident has been heard of)."""
    details = await service.repair_of_incident(ctx.pool, incident_id)
    return views.repair_view(details, now=ctx.clock.now())


@router.get("/repairs/{repair_id}/conversation", responses=_ERRORS, tags=["conversation"])
async def get_conversation(
    repair_id: UUID,
    ctx: Ctx,
    reader: Annotated[
        PseudonymousId,
        Header(
            alias="X-Bridgework-Actor",
            description="The person reading; only the repair's participants may.",
        ),
    ],
) -> ConversationView:
    """The restorative conversation: confidential to the repair's participants and facilitator."""
    _, records = await service.conversation(ctx.pool, repair_id, reader=reader)
    return views.conversation_view(repair_id, records)


# --- people and conversation ----------------------------------------------------------------


@router.post(
    "/repairs/{repair_id}/participants",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "Already taking part in that role."}, **_ERRORS},
)
async def add_participant(
    repair_id: UUID, body: JoinRepair, ctx: Ctx, response: Response
) -> RepairView:
    """A facilitator of the repair adds a person as responsible, affected, supporter or
    facilitator. A repair without a facilitator first takes the facilitator taking the case,
    joining themselves (403 `facilitator_first` otherwise); after that, anyone but one of its
    facilitators is refused (403 `not_the_facilitator`)."""
    joined = False

    def decide(repair: Repair, now: datetime) -> Decision:
        nonlocal joined
        decision = domain.join(repair, body.participant, body.role, actor=body.actor, now=now)
        joined = bool(decision.events)
        return decision

    view = await _change(ctx, repair_id, decide)
    if not joined:
        response.status_code = status.HTTP_200_OK
    return view


@router.post(
    "/repairs/{repair_id}/conversation",
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
    tags=["conversation"],
)
async def record_conversation(
    repair_id: UUID, body: RecordConversation, ctx: Ctx
) -> views.ConversationRecordView:
    """Record a participant's answers to the restorative questions of their role."""
    recorded = await service.record_conversation(
        pool=ctx.pool,
        clock=ctx.clock,
        settings=ctx.settings,
        repair_id=repair_id,
        recorded_by=body.actor,
        decide=lambda repair, now: domain.record_conversation(
            repair, actor=body.actor, participant=body.participant, answers=body.answers, now=now
        ),
    )
    return views.ConversationRecordView(
        participant=recorded.participant,
        role=recorded.role,
        answers=recorded.answers,
        recorded_by=body.actor.person_id,
        recorded_at=recorded.recorded_at,
    )


@router.post("/repairs/{repair_id}/incidents", responses=_ERRORS)
async def link_incident(repair_id: UUID, body: LinkIncident, ctx: Ctx) -> RepairView:
    """Link a further incident about the same harm (a facilitator does)."""
    details = await service.link_incident(
        pool=ctx.pool,
        clock=ctx.clock,
        settings=ctx.settings,
        repair_id=repair_id,
        incident_id=body.incident_id,
        actor=body.actor,
    )
    return views.repair_view(details, now=ctx.clock.now())


# --- the agreement ----------------------------------------------------------------------------


@router.post(
    "/repairs/{repair_id}/agreement",
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
    tags=["agreement"],
)
async def propose_agreement(repair_id: UUID, body: ProposeAgreement, ctx: Ctx) -> RepairView:
    """Propose terms: a new version of the agreement, put to every responsible and affected
    participant for consent."""
    return await _change(
        ctx,
        repair_id,
        lambda repair, now: agreement.propose_agreement(
            repair,
            actor=body.actor,
            drafts=[c.draft() for c in body.commitments],
            now=now,
            new_id=uuid4,
        ),
    )


@router.post("/repairs/{repair_id}/agreement/consents", responses=_ERRORS, tags=["agreement"])
async def answer_proposal(repair_id: UUID, body: AnswerProposal, ctx: Ctx) -> RepairView:
    """The actor gives or declines consent to the current version; the last consent needed
    brings it into force."""
    if body.decision == "give":
        return await _change(
            ctx,
            repair_id,
            lambda repair, now: agreement.give_consent(
                repair, participant=body.actor, version=body.version, now=now
            ),
        )
    reason = body.reason or ""
    return await _change(
        ctx,
        repair_id,
        lambda repair, now: agreement.decline_consent(
            repair, participant=body.actor, version=body.version, reason=reason, now=now
        ),
    )


@router.post("/repairs/{repair_id}/impose", responses=_ERRORS, tags=["agreement"])
async def impose_outcome(repair_id: UUID, body: ImposeOutcome, ctx: Ctx) -> RepairView:
    """Record an outcome decided without everyone's consent; the response mode says so."""
    return await _change(
        ctx,
        repair_id,
        lambda repair, now: agreement.impose_outcome(
            repair,
            decided_by=body.actor,
            reason=body.reason,
            drafts=[c.draft() for c in body.commitments],
            now=now,
            new_id=uuid4,
        ),
    )


# --- commitments --------------------------------------------------------------------------------


@router.post(
    "/repairs/{repair_id}/commitments/{commitment_id}/kept",
    responses=_ERRORS,
    tags=["commitments"],
)
async def keep_commitment(
    repair_id: UUID, commitment_id: UUID, body: KeepCommitment, ctx: Ctx
) -> RepairView:
    """A commitment in force was kept; on time or late is told from its due date."""
    return await _change(
        ctx,
        repair_id,
        lambda repair, now: agreement.keep_commitment(
            repair,
            actor=body.actor,
            commitment_id=commitment_id,
            kept_at=body.kept_at or now,
            now=now,
        ),
    )


@router.post(
    "/repairs/{repair_id}/commitments/{commitment_id}/renegotiate",
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
    tags=["commitments"],
)
async def renegotiate_commitment(
    repair_id: UUID, commitment_id: UUID, body: RenegotiateCommitment, ctx: Ctx
) -> RepairView:
    """Propose new terms or a new date: a new agreement version, in force once all consent."""
    return await _change(
        ctx,
        repair_id,
        lambda repair, now: agreement.propose_renegotiation(
            repair,
            actor=body.actor,
            commitment_id=commitment_id,
            action=body.action,
            due_at=body.due_at,
            reason=body.reason,
            now=now,
        ),
    )


@router.post(
    "/repairs/{repair_id}/commitments/{commitment_id}/release",
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
    tags=["commitments"],
)
async def release_commitment(
    repair_id: UUID, commitment_id: UUID, body: ReleaseCommitment, ctx: Ctx
) -> RepairView:
    """Propose releasing a commitment: a new agreement version, released once all consent."""
    return await _change(
        ctx,
        repair_id,
        lambda repair, now: agreement.propose_release(
            repair, actor=body.actor, commitment_id=commitment_id, reason=body.reason, now=now
        ),
    )


# --- closing ------------------------------------------------------------------------------------


@router.post("/repairs/{repair_id}/close", responses=_ERRORS)
async def close_repair(repair_id: UUID, body: CloseRepair, ctx: Ctx) -> RepairView:
    """A facilitator closes the repair: repaired, unrepaired or returned to the formal process."""
    return await _change(
        ctx,
        repair_id,
        lambda repair, now: domain.close_repair(
            repair,
            actor=body.actor,
            outcome=body.outcome,
            reason_code=body.reason_code,
            reason=body.reason,
            now=now,
        ),
    )


# --- errors -------------------------------------------------------------------------------------

_STATUS_OF: list[tuple[type[DomainError], int]] = [
    (ForbiddenError, status.HTTP_403_FORBIDDEN),
    (UnknownError, status.HTTP_404_NOT_FOUND),
    (ConflictError, status.HTTP_409_CONFLICT),
]


def install_domain_errors(app: FastAPI) -> None:
    """Answer a broken rule with a clear 4xx, never a 500."""

    async def on_domain_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, DomainError)
        if isinstance(error, InvalidError):
            problem = validation_problem(
                [{"loc": ("body", *error.field.split(".")), "msg": error.reason}]
            )
            return JSONResponse(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content=problem)
        code = next(
            (code for kind, code in _STATUS_OF if isinstance(error, kind)),
            status.HTTP_400_BAD_REQUEST,
        )
        return JSONResponse(status_code=code, content={"error": error.code, "detail": error.detail})

    app.add_exception_handler(DomainError, on_domain_error)
