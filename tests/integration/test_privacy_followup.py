"""Follow-up hears of an erasure before the repair facts that name the person (another topic,
another partition, or a replay): those facts are applied with the person's tombstone."""

from __future__ import annotations

from uuid import uuid4

import pytest

from bridgework.common.clock import ManualClock
from bridgework.common.contracts import ParticipantRole, PersonErasedV1, PersonRef
from bridgework.common.contracts.privacy import person_digest
from bridgework.common.postgres import create_pool, migrate
from bridgework.followup.use_cases.privacy import apply_erasures, tombstone_events
from tests.followup_factories import MONDAY, joined

pytestmark = pytest.mark.integration

ERASED = PersonRef(person_id="p-fin-2", department="finance")
OTHER = PersonRef(person_id="p-it-7", department="it")
TOMBSTONE = "erased-00000000beef"


async def test_facts_arriving_after_an_erasure_name_the_tombstone(database_url: str) -> None:
    pool = await create_pool(database_url, schema="followup", max_size=2)
    try:
        await migrate(pool, schema="followup", package="bridgework.followup")
        erasure = PersonErasedV1(
            erasure_id=uuid4(),
            person_digest=person_digest(ERASED.person_id),
            tombstone=TOMBSTONE,
            erased_at=MONDAY,
        )
        repair_id = uuid4()
        facts = [
            joined(repair_id, ERASED, ParticipantRole.AFFECTED),
            joined(repair_id, OTHER, ParticipantRole.RESPONSIBLE),
        ]
        async with pool.acquire() as connection, connection.transaction():
            held = await apply_erasures(
                connection=connection, erasures=[erasure], clock=ManualClock(MONDAY)
            )
            again = await apply_erasures(
                connection=connection, erasures=[erasure], clock=ManualClock(MONDAY)
            )
            mapped = await tombstone_events(connection=connection, events=facts)
    finally:
        await pool.close()

    assert (held, again) == (0, 0), "follow-up held nothing about them yet"
    assert [f.participant.person_id for f in mapped] == [TOMBSTONE, OTHER.person_id]
    assert mapped[1] is facts[1], "facts naming nobody erased are passed on untouched"
