"""Facts the matrix's world needs that no request of its own makes: a nudge and a check-in
in the gateway's read model, and a check-in follow-up has asked (with its signed link)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from bridgework.common.contracts import (
    Channel,
    CheckInOutcome,
    CheckInRecordedV1,
    Contract,
    NudgeKind,
    NudgeSentV1,
    PersonRef,
)
from bridgework.common.events import Event
from bridgework.common.postgres import Pool
from bridgework.followup.domain.check_in_links import CheckInClaim, sign
from bridgework.followup.domain.check_ins import AskedCheckIn
from bridgework.followup.repository.check_ins import add_check_ins
from bridgework.graphql_gateway.projection.use_cases.fold_events import fold_events
from tests.factories import sealed


async def fold_followup_news(
    pool: Pool, *, repair_id: UUID, commitment_id: UUID, person: PersonRef, at: datetime
) -> None:
    """A reminder and a check-in of the repair, folded into the gateway's read model as its
    consumer would fold follow-up's events (follow-up sends them only when time has come)."""
    facts: list[Contract] = [
        NudgeSentV1(
            repair_id=repair_id,
            nudge_id=uuid4(),
            kind=NudgeKind.REMINDER,
            commitment_id=commitment_id,
            terms_version=1,
            recipient=person,
            channels=[Channel.EVENT],
            sent_at=at,
        ),
        CheckInRecordedV1(
            repair_id=repair_id,
            check_in_id=uuid4(),
            participant=person,
            outcome=CheckInOutcome.PARTLY,
            comment=sealed("Better, not yet right."),
            recorded_at=at,
        ),
    ]
    events: list[Event[Contract]] = [
        Event.new(fact, source="/bridgework/followup", time=at) for fact in facts
    ]
    async with pool.acquire() as connection, connection.transaction():
        await fold_events(connection=connection, events=events)


async def asked_check_in(
    pool: Pool, *, repair_id: UUID, person: PersonRef, at: datetime, secret: str
) -> str:
    """A check-in stored as follow-up's timer stores it; the token of its signed link."""
    expires_at = at + timedelta(days=30)
    asked = AskedCheckIn(
        check_in_id=uuid4(),
        repair_id=repair_id,
        person=person,
        asked_at=at,
        expires_at=expires_at,
        timer_id=random.randrange(1 << 40, 1 << 50),  # no timer asked it: one of its own
    )
    async with pool.acquire() as connection:
        await add_check_ins(connection, [asked])
    return sign(CheckInClaim(asked.check_in_id, expires_at), secret.encode())
