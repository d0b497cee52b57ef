"""Agreements' HTTP routes for who facilitates a repair: assigning a facilitator, offering to
facilitate, and answering an offer. Nobody appoints themselves (docs/agreements.md, "Who may
do what")."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Response, status

from bridgework.agreements.entrypoints.dependencies import (
    ClockDep,
    KeyStoreDep,
    PoolDep,
    ReaderDep,
    SettingsDep,
)
from bridgework.agreements.entrypoints.http_answers import ERROR_RESPONSES, repair_view
from bridgework.agreements.schemas import AnswerFacilitationOffer, AssignFacilitator, RepairView
from bridgework.agreements.use_cases import facilitation
from bridgework.common.contracts import FacilitationDecision, PseudonymousId

router = APIRouter(prefix="/v1", tags=["facilitation"])

_UNCHANGED: dict[int | str, dict[str, Any]] = {
    200: {"description": "Nothing changed: it already stood so."}
}

# Common's PseudonymousId: its pattern, and no name nor e-mail address.
PersonId = Annotated[
    PseudonymousId, Path(description="The pseudonymous id of the facilitator who offered.")
]

_DECISIONS = {
    "approve": FacilitationDecision.APPROVED,
    "decline": FacilitationDecision.DECLINED,
}


@router.post(
    "/repairs/{repair_id}/facilitators",
    status_code=status.HTTP_201_CREATED,
    responses={**_UNCHANGED, **ERROR_RESPONSES},
)
async def assign_facilitator(
    repair_id: UUID,
    body: AssignFacilitator,
    response: Response,
    pool: PoolDep,
    keys: KeyStoreDep,
    clock: ClockDep,
    settings: SettingsDep,
    reader: ReaderDep,
) -> RepairView:
    """The change team (any repair) or a lead of a department involved makes a person a
    facilitator of the repair, beside any it has (403 `change_team_or_lead_only` for anyone
    else who may see the repair; 404 for whoever may not). 200 if they already facilitate."""
    change = await facilitation.assign_facilitator(
        pool=pool,
        keys=keys,
        clock=clock,
        settings=settings,
        repair_id=repair_id,
        reader=reader,
        facilitator=body.facilitator,
    )
    if not change.changed:
        response.status_code = status.HTTP_200_OK
    return repair_view(change.details, now=clock.now())


@router.post(
    "/repairs/{repair_id}/facilitation-offers",
    status_code=status.HTTP_201_CREATED,
    responses={**_UNCHANGED, **ERROR_RESPONSES},
)
async def offer_to_facilitate(
    repair_id: UUID,
    response: Response,
    pool: PoolDep,
    keys: KeyStoreDep,
    clock: ClockDep,
    settings: SettingsDep,
    reader: ReaderDep,
) -> RepairView:
    """A holder of the facilitator role offers to facilitate a repair they may see (one with
    no facilitator yet); the offer waits for the change team or a lead of a department
    involved (403 `role_required` without the role). 200 if an offer already waits."""
    change = await facilitation.offer_to_facilitate(
        pool=pool,
        keys=keys,
        clock=clock,
        settings=settings,
        repair_id=repair_id,
        reader=reader,
    )
    if not change.changed:
        response.status_code = status.HTTP_200_OK
    return repair_view(change.details, now=clock.now())


@router.post("/repairs/{repair_id}/facilitation-offers/{person_id}", responses=ERROR_RESPONSES)
async def answer_facilitation_offer(
    repair_id: UUID,
    person_id: PersonId,
    body: AnswerFacilitationOffer,
    pool: PoolDep,
    keys: KeyStoreDep,
    clock: ClockDep,
    settings: SettingsDep,
    reader: ReaderDep,
) -> RepairView:
    """The change team or a lead of a department involved approves (the facilitator joins)
    or declines an offer. 404 `unknown_offer` when the person never offered; the same answer
    again changes nothing; the other answer to an answered offer is 409
    `offer_already_answered`."""
    change = await facilitation.answer_offer(
        pool=pool,
        keys=keys,
        clock=clock,
        settings=settings,
        repair_id=repair_id,
        reader=reader,
        person_id=person_id,
        decision=_DECISIONS[body.decision],
        reason=body.reason,
    )
    return repair_view(change.details, now=clock.now())
