"""Agreements' privacy routes, for the privacy officer: erase a person, export what is held.

Erasure and export are the data subject's rights (GDPR Art. 17 and 15), exercised for them by
the `privacy_officer` role; no other role may, not even the change team.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path

from bridgework.agreements.domain.privacy import AgreementsExport, Erasure
from bridgework.agreements.entrypoints.dependencies import (
    ClockDep,
    KeyStoreDep,
    PoolDep,
    ReaderDep,
    SettingsDep,
)
from bridgework.agreements.schemas import ErrorBody
from bridgework.agreements.use_cases import privacy

router = APIRouter(prefix="/v1/privacy", tags=["privacy"])

PRIVACY_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No valid bearer token (the reason says why)."},
    403: {"model": ErrorBody, "description": "Only the privacy officer may (`role_required`)."},
    404: {"model": ErrorBody, "description": "Nothing is held about the person (`nothing_held`)."},
    422: {"description": "Not a pseudonymous person id (or a tombstone): the field says why."},
}
PersonId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/erasures", responses=PRIVACY_RESPONSES)
async def erase_person(
    person_id: Annotated[str, Body(embed=True, min_length=1, max_length=64)],
    pool: PoolDep,
    clock: ClockDep,
    settings: SettingsDep,
    keys: KeyStoreDep,
    reader: ReaderDep,
) -> Erasure:
    """Erase a person: their data keys are destroyed (their confidential texts unreadable
    everywhere, replays included) and their id becomes a tombstone in every service. Asking
    again answers `already_erased` and changes nothing."""
    return await privacy.erase_person(
        pool=pool, clock=clock, settings=settings, keys=keys, person_id=person_id, reader=reader
    )


@router.get("/people/{person_id}", responses=PRIVACY_RESPONSES)
async def export_person(
    person_id: PersonId, pool: PoolDep, keys: KeyStoreDep, reader: ReaderDep
) -> AgreementsExport:
    """Everything agreements holds about a person, their own confidential texts opened."""
    return await privacy.export_person(pool=pool, keys=keys, person_id=person_id, reader=reader)
