"""Follow-up reads the repairs stream, where offers to facilitate now travel too: it decodes
them (they are registered contracts, so nothing is dead-lettered) and leaves them out before
reading any state, since they set, move or cancel no timer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast
from uuid import uuid4

from bridgework.common.clock import ManualClock
from bridgework.common.contracts import (
    CONTRACTS_BY_TYPE,
    Contract,
    FacilitationDecision,
    FacilitationOfferAnsweredV1,
    FacilitationOfferedV1,
    PersonRef,
)
from bridgework.common.events import Event
from bridgework.common.postgres import Connection
from bridgework.followup.entrypoints.events import repair_events_applier
from tests.followup_factories import policy

AT = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


class NoDatabase:
    """A connection that fails the test if the applier asks it anything."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"follow-up touched the database ({name}) for an offer")


async def test_offers_to_facilitate_are_decoded_and_ignored() -> None:
    repair_id, person = uuid4(), PersonRef(person_id="p-hr-9", department="hr")
    facts: list[Contract] = [
        FacilitationOfferedV1(repair_id=repair_id, facilitator=person, offered_at=AT),
        FacilitationOfferAnsweredV1(
            repair_id=repair_id,
            facilitator=person,
            offered_at=AT,
            decision=FacilitationDecision.DECLINED,
            answered_by="p-chg-001",
            answered_at=AT,
        ),
    ]
    apply = repair_events_applier(clock=ManualClock(AT), defaults=policy())

    await apply(
        cast(Connection, NoDatabase()),
        [Event.new(fact, source="/tests", time=AT) for fact in facts],
    )

    assert all(CONTRACTS_BY_TYPE[type(f).event_type] is type(f) for f in facts)
