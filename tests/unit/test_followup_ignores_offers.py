"""Follow-up reads the repairs stream, where offers to facilitate travel too: it decodes them
(they are registered contracts, so nothing is dead-lettered). They set, move or cancel no
nudge; an offer does end the call for a facilitator (notifications), and its answer changes
nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from bridgework.common.contracts import (
    CONTRACTS_BY_TYPE,
    FacilitationDecision,
    FacilitationOfferAnsweredV1,
    FacilitationOfferedV1,
    PersonRef,
)
from bridgework.followup.domain.notices import plan_notices
from bridgework.followup.entrypoints.events import IGNORED

AT = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


def test_offers_are_decoded_set_no_nudge_and_an_offer_ends_the_call_for_a_facilitator() -> None:
    repair_id, person = uuid4(), PersonRef(person_id="p-hr-9", department="hr")
    offered = FacilitationOfferedV1(repair_id=repair_id, facilitator=person, offered_at=AT)
    answered = FacilitationOfferAnsweredV1(
        repair_id=repair_id,
        facilitator=person,
        offered_at=AT,
        decision=FacilitationDecision.DECLINED,
        answered_by="p-chg-001",
        answered_at=AT,
    )

    assert all(CONTRACTS_BY_TYPE[type(f).event_type] is type(f) for f in (offered, answered))
    assert isinstance(offered, IGNORED)
    assert isinstance(answered, IGNORED)
    assert plan_notices([offered], now=AT).facilitator_found == {repair_id}
    only_answered = plan_notices([answered], now=AT)
    assert only_answered.facilitator_found == set()
    assert only_answered.consent_timers == {}
