"""Offers to facilitate in the gateway's read model: folded in any order, written as rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import permutations
from uuid import uuid4

from bridgework.common.contracts import (
    Contract,
    FacilitationDecision,
    FacilitationOfferAnsweredV1,
    FacilitationOfferedV1,
    PersonRef,
)
from bridgework.graphql_gateway.projection.domain.folding import fold_repair
from bridgework.graphql_gateway.projection.domain.state import OfferState, Person, RepairState
from bridgework.graphql_gateway.projection.repository.rows import RowWrites, changed_rows
from tests.factories import sealed

T0 = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
REPAIR = uuid4()
FACILITATOR = PersonRef(person_id="p-hr-9", department="hr")


# One sealed reason: the same event carries the same ciphertext, however often it is read.
TOO_CLOSE = sealed("Too close.")


def offered(at: datetime) -> FacilitationOfferedV1:
    return FacilitationOfferedV1(repair_id=REPAIR, facilitator=FACILITATOR, offered_at=at)


def answered(offered_at: datetime, decision: FacilitationDecision) -> FacilitationOfferAnsweredV1:
    return FacilitationOfferAnsweredV1(
        repair_id=REPAIR,
        facilitator=FACILITATOR,
        offered_at=offered_at,
        decision=decision,
        answered_by="p-chg-001",
        reason=TOO_CLOSE if decision is FacilitationDecision.DECLINED else None,
        answered_at=offered_at + timedelta(hours=1),
    )


def fold(facts: tuple[Contract, ...]) -> RepairState:
    state = RepairState(repair_id=REPAIR)
    for fact in facts:
        fold_repair(state, fact)
    return state


def test_an_offer_declined_then_made_again_folds_the_same_in_any_order() -> None:
    second = T0 + timedelta(days=1)
    facts = (
        offered(T0),
        answered(T0, FacilitationDecision.DECLINED),
        offered(second),
    )

    states = [fold(order) for order in permutations(facts)]

    assert all(s.facilitation_offers == states[0].facilitation_offers for s in states)
    assert states[0].facilitation_offers == {
        ("p-hr-9", T0): OfferState(
            person=Person("p-hr-9", "hr"),
            offered_at=T0,
            decision="declined",
            answered_by="p-chg-001",
            reason=TOO_CLOSE,
            answered_at=T0 + timedelta(hours=1),
        ),
        ("p-hr-9", second): OfferState(person=Person("p-hr-9", "hr"), offered_at=second),
    }


def test_an_answered_offer_is_written_again_and_an_unchanged_one_is_not() -> None:
    waiting = fold((offered(T0),))
    approved = waiting.copy()
    fold_repair(approved, answered(T0, FacilitationDecision.APPROVED))

    first, changed, unchanged = RowWrites(), RowWrites(), RowWrites()
    changed_rows(first, None, waiting, None, None)
    changed_rows(changed, waiting, approved, None, None)
    changed_rows(unchanged, approved, approved.copy(), None, None)

    (offer_rows,) = [rows for t, rows in first.tables.items() if t.table == "facilitation_offers"]
    assert list(offer_rows.values()) == [(REPAIR, "p-hr-9", T0, "hr", None, None, None, None)]
    (answer_rows,) = [
        rows for t, rows in changed.tables.items() if t.table == "facilitation_offers"
    ]
    assert [row[4] for row in answer_rows.values()] == ["approved"]
    assert unchanged.tables == {}
