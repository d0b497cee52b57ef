"""The check-in with the affected: where a check-in stands, and recording its answer once."""

from __future__ import annotations

from uuid import UUID

from bridgework.common.clock import Clock
from bridgework.common.contracts import CheckInOutcome, CheckInRecordedV1
from bridgework.common.postgres import Pool
from bridgework.common.privacy import KeyStore, seal
from bridgework.followup.domain.check_ins import CheckIn, already_answered, ensure_answerable
from bridgework.followup.repository import check_ins
from bridgework.followup.settings import FollowupSettings
from bridgework.followup.use_cases.publishing import publish


async def check_in_of(*, pool: Pool, check_in_id: UUID) -> CheckIn | None:
    """A check-in and where it stands; None if it does not exist (any more)."""
    async with pool.acquire() as connection, connection.transaction():
        return await check_ins.get_check_in(connection, check_in_id)


async def answer_check_in(
    *,
    pool: Pool,
    settings: FollowupSettings,
    clock: Clock,
    check_in_id: UUID,
    outcome: CheckInOutcome,
    comment: str | None,
    keys: KeyStore,
) -> CheckInRecordedV1:
    """Record an affected person's answer once and publish it as CheckInRecorded; the comment
    is sealed with the participant's key first, so neither the row nor the event holds it plain."""
    async with pool.acquire() as connection, connection.transaction():
        now = clock.now()
        asked = ensure_answerable(await check_ins.get_check_in(connection, check_in_id), now=now)
        sealed = None
        if comment is not None:
            key = await keys.key_for(
                connection, person_id=asked.person.person_id, repair_id=asked.repair_id
            )
            sealed = seal(key, comment)
        if not await check_ins.answer_check_in(
            connection, check_in_id, outcome=outcome.value, comment=sealed, answered_at=now
        ):
            raise already_answered()
        recorded = CheckInRecordedV1(
            repair_id=asked.repair_id,
            check_in_id=check_in_id,
            participant=asked.person,
            outcome=outcome,
            comment=sealed,
            recorded_at=now,
        )
        await publish(connection, settings=settings, facts=[recorded], now=now)
    return recorded
