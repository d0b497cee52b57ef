"""Linking a further incident about the same harm, and closing a repair."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from bridgework.agreements.domain import closing
from bridgework.agreements.domain.readers import Reader, acting_person, require_may_read
from bridgework.agreements.domain.repair import CloseReason, Decision, Repair
from bridgework.agreements.repository import incidents as incident_rows
from bridgework.agreements.settings import AgreementsSettings
from bridgework.agreements.use_cases.repair_changes import (
    RepairDetails,
    change_sealing,
    details_of,
    locked_repairs,
    require_repair,
    store_decisions,
)
from bridgework.agreements.use_cases.sealing import Sealer
from bridgework.common.clock import Clock
from bridgework.common.contracts import RepairOutcome
from bridgework.common.errors import DomainError, ErrorKind
from bridgework.common.postgres import Pool
from bridgework.common.privacy import KeyStore


async def link_incident(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    keys: KeyStore,
    repair_id: UUID,
    incident_id: UUID,
    reader: Reader,
) -> RepairDetails:
    """A further incident about the same harm joins the repair; its own untouched repair merges.
    Both repairs must be visible to the person: the target (else 404 `unknown_repair`) and
    the incident's own (else the incident is unknown to them, 404 `unknown_incident`)."""
    now = clock.now()
    async with pool.acquire() as connection:
        holder = await incident_rows.find_repair_of_incident(connection, incident_id)
    async with locked_repairs(pool, [repair_id] + ([holder] if holder else [])) as (
        connection,
        repairs,
    ):
        target = require_repair(repairs, repair_id)
        require_may_read(target, reader)
        if holder is None:
            raise _unknown_incident(incident_id)
        try:
            require_may_read(repairs[holder], reader)
        except DomainError:
            raise _unknown_incident(incident_id) from None
        if await incident_rows.find_repair_of_incident(connection, incident_id) != holder:
            raise DomainError(
                "concurrent_change",
                "the incident moved while linking; try again",
                kind=ErrorKind.CONFLICT,
            )
        linking = closing.link_incident(
            target,
            actor=acting_person(reader),
            incident_id=incident_id,
            incident_repair=repairs[holder],
            now=now,
        )
        if linking.merged is not None:
            await incident_rows.move_incident(connection, incident_id, to_repair=repair_id)
        await store_decisions(connection, settings, linking.decisions, now=now)
        return await details_of(connection, keys, linking.linked.repair)


def _unknown_incident(incident_id: UUID) -> DomainError:
    return DomainError(
        "unknown_incident", f"no incident {incident_id} has been reported", kind=ErrorKind.NOT_FOUND
    )


async def close_repair(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    keys: KeyStore,
    repair_id: UUID,
    reader: Reader,
    outcome: RepairOutcome,
    reason_code: CloseReason | None,
    reason: str | None,
) -> RepairDetails:
    """A facilitator closes the repair: repaired, unrepaired or returned to the formal process.
    The reason is sealed with the key of the person who closes it."""

    async def decide(sealer: Sealer, repair: Repair, now: datetime) -> Decision:
        return closing.close_repair(
            repair,
            actor=acting_person(reader),
            outcome=outcome,
            reason_code=reason_code,
            reason=await sealer.seal_optional(reader.person_id, reason),
            now=now,
        )

    change = await change_sealing(
        pool=pool,
        clock=clock,
        settings=settings,
        keys=keys,
        repair_id=repair_id,
        reader=reader,
        decide=decide,
    )
    return change.details
