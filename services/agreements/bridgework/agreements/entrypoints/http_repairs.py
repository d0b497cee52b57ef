"""Agreements' HTTP routes for repairs and their people: reading repairs, adding participants,
the confidential conversation, and linking incidents (OpenAPI at /docs).

Resource-oriented: a repair, its participants, conversation, agreement (with its consents)
and commitments. Every change answers with the repair as it now stands (the conversation
excepted, which only its own confidential view shows). Errors: 422 names the failing
fields (the common shape); 403, 404 and 409 answer `{"error": code, "detail": sentence}`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from bridgework.agreements.domain.repair import RepairStatus
from bridgework.agreements.entrypoints.dependencies import (
    ClockDep,
    KeyStoreDep,
    PoolDep,
    ReaderDep,
    SettingsDep,
)
from bridgework.agreements.entrypoints.http_answers import (
    ERROR_RESPONSES,
    conversation_view,
    record_view,
    repair_view,
    summary_view,
)
from bridgework.agreements.schemas import (
    ConversationRecordView,
    ConversationView,
    JoinRepair,
    LinkIncident,
    RecordConversation,
    RepairSummaryView,
    RepairView,
)
from bridgework.agreements.use_cases import closing, people, reading

router = APIRouter(prefix="/v1", tags=["repairs"])


# --- reads ------------------------------------------------------------------------------------


@router.get("/repairs", response_model=list[RepairSummaryView])
async def list_repairs(
    pool: PoolDep,
    keys: KeyStoreDep,
    clock: ClockDep,
    reader: ReaderDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[
        datetime | None, Query(description="Page: the last `opened_at` seen.")
    ] = None,
    before_id: Annotated[
        UUID | None, Query(description="Page: the last `repair_id` seen, with `before`.")
    ] = None,
    status_is: Annotated[RepairStatus | None, Query(alias="status")] = None,
) -> list[RepairSummaryView]:
    """Repairs, newest first (the change team's: 403 `change_team_only` for anyone else)."""
    summaries = await reading.list_repairs(
        pool=pool, reader=reader, limit=limit, before=before, before_id=before_id, status=status_is
    )
    now = clock.now()
    return [summary_view(summary, now=now) for summary in summaries]


@router.get("/repairs/{repair_id}", responses=ERROR_RESPONSES)
async def get_repair(
    repair_id: UUID, pool: PoolDep, keys: KeyStoreDep, clock: ClockDep, reader: ReaderDep
) -> RepairView:
    """One repair: participants, agreement, commitments, consents, response mode (no conversation).
    404 for a person who may not read it (see docs/agreements.md, "Who may call it")."""
    details = await reading.repair_details(pool=pool, keys=keys, repair_id=repair_id, reader=reader)
    return repair_view(details, now=clock.now())


@router.get("/incidents/{incident_id}/repair", responses=ERROR_RESPONSES)
async def repair_of_incident(
    incident_id: UUID, pool: PoolDep, keys: KeyStoreDep, clock: ClockDep, reader: ReaderDep
) -> RepairView:
    """The repair an incident belongs to (404 until the incident has been heard of, or for a
    person who may not read the repair)."""
    details = await reading.repair_of_incident(
        pool=pool, keys=keys, incident_id=incident_id, reader=reader
    )
    return repair_view(details, now=clock.now())


@router.get("/repairs/{repair_id}/conversation", responses=ERROR_RESPONSES, tags=["conversation"])
async def get_conversation(
    repair_id: UUID, pool: PoolDep, keys: KeyStoreDep, reader: ReaderDep
) -> ConversationView:
    """The restorative conversation: confidential to the repair's participants and facilitator."""
    conversation = await reading.read_conversation(
        pool=pool, keys=keys, repair_id=repair_id, reader=reader
    )
    return conversation_view(conversation)


# --- people and conversation ----------------------------------------------------------------


@router.post(
    "/repairs/{repair_id}/participants",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "Already taking part in that role."}, **ERROR_RESPONSES},
)
async def add_participant(
    repair_id: UUID,
    body: JoinRepair,
    response: Response,
    pool: PoolDep,
    keys: KeyStoreDep,
    clock: ClockDep,
    settings: SettingsDep,
    reader: ReaderDep,
) -> RepairView:
    """A facilitator of the repair adds a person as responsible, affected, supporter or
    facilitator; anyone else is refused (403 `not_the_facilitator`). A repair without a
    facilitator takes nobody here, a facilitator joining themselves included (403
    `facilitator_needs_assignment`): see `…/facilitators` and `…/facilitation-offers`."""
    added = await people.add_participant(
        pool=pool,
        keys=keys,
        clock=clock,
        settings=settings,
        repair_id=repair_id,
        reader=reader,
        participant=body.participant,
        role=body.role,
    )
    if not added.joined:
        response.status_code = status.HTTP_200_OK
    return repair_view(added.details, now=clock.now())


@router.post(
    "/repairs/{repair_id}/conversation",
    status_code=status.HTTP_201_CREATED,
    responses=ERROR_RESPONSES,
    tags=["conversation"],
)
async def record_conversation(
    repair_id: UUID,
    body: RecordConversation,
    pool: PoolDep,
    keys: KeyStoreDep,
    clock: ClockDep,
    settings: SettingsDep,
    reader: ReaderDep,
) -> ConversationRecordView:
    """Record a participant's answers to the restorative questions of their role."""
    recorded = await people.record_answers(
        pool=pool,
        keys=keys,
        clock=clock,
        settings=settings,
        repair_id=repair_id,
        reader=reader,
        participant=body.participant,
        answers=[answer.plain() for answer in body.answers],
    )
    (record,) = recorded.records
    return record_view(record, recorded.texts)


@router.post("/repairs/{repair_id}/incidents", responses=ERROR_RESPONSES)
async def link_incident(
    repair_id: UUID,
    body: LinkIncident,
    pool: PoolDep,
    keys: KeyStoreDep,
    clock: ClockDep,
    settings: SettingsDep,
    reader: ReaderDep,
) -> RepairView:
    """Link a further incident about the same harm (a facilitator does)."""
    details = await closing.link_incident(
        pool=pool,
        keys=keys,
        clock=clock,
        settings=settings,
        repair_id=repair_id,
        incident_id=body.incident_id,
        reader=reader,
    )
    return repair_view(details, now=clock.now())
