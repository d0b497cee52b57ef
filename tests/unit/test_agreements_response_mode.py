"""The response mode, derived from what happened: with / to / for / not (DESIGN.md)."""

from __future__ import annotations

from datetime import timedelta

from bridgework.agreements.domain.agreement import AgreementStatus, CommitmentDraft
from bridgework.agreements.domain.closing import close_repair
from bridgework.agreements.domain.imposition import impose_outcome
from bridgework.agreements.domain.repair import CloseReason, Decision, Repair
from bridgework.agreements.domain.response_mode import recorded_mode, response_mode
from bridgework.common.contracts import OutcomeImposedV1, RepairOutcome, ResponseMode
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.errors import ErrorKind
from tests.agreements_factories import (
    AFFECTED,
    AUTHORITY,
    FACILITATOR,
    NOW,
    RESPONSIBLE,
    consented,
    draft,
    new_ids,
    opened,
    proposed,
    reached,
    refusal,
    with_people,
)
from tests.factories import sealed

DUE_BY = NOW + timedelta(days=14)


def impose(repair: Repair, *drafts: CommitmentDraft[Sealed]) -> Decision:
    return impose_outcome(
        repair,
        decided_by=AUTHORITY,
        roles=frozenset({"change_team"}),  # an authority outside the repair
        reason=sealed("The board decided."),
        drafts=drafts,
        now=NOW,
        new_id=new_ids(),
    )


def test_a_repair_without_an_agreement_has_no_mode_while_the_window_is_open() -> None:
    assert response_mode(opened(), now=DUE_BY - timedelta(seconds=1)) is None


def test_no_agreement_by_the_due_date_is_neglect() -> None:
    assert response_mode(opened(), now=DUE_BY) == ResponseMode.NOT


def test_terms_only_proposed_by_the_due_date_are_still_neglect() -> None:
    assert response_mode(proposed(), now=DUE_BY) == ResponseMode.NOT


def test_an_agreement_by_everyones_consent_is_with() -> None:
    assert response_mode(reached(), now=DUE_BY + timedelta(days=100)) == ResponseMode.WITH


def test_an_agreement_reached_after_the_window_still_counts_as_with() -> None:
    late = consented(proposed()).repair

    assert response_mode(late, now=DUE_BY + timedelta(days=3)) == ResponseMode.WITH


def test_new_terms_decided_by_an_authority_are_to() -> None:
    decision = impose(with_people(), draft())

    (event,) = decision.events
    assert isinstance(event, OutcomeImposedV1)
    assert event.response_mode == ResponseMode.TO
    assert event.decided_by == AUTHORITY
    assert len(event.commitments) == 1
    assert response_mode(decision.repair, now=NOW) == ResponseMode.TO
    assert decision.repair.agreement is not None
    assert decision.repair.agreement.status == AgreementStatus.IMPOSED


def test_imposing_a_proposal_the_responsible_did_not_consent_to_is_to() -> None:
    repair = consented(proposed(), AFFECTED).repair

    assert response_mode(impose(repair).repair, now=NOW) == ResponseMode.TO


def test_imposing_a_proposal_without_the_affecteds_consent_is_for() -> None:
    repair = consented(proposed(), RESPONSIBLE).repair

    decision = impose(repair)

    (event,) = decision.events
    assert isinstance(event, OutcomeImposedV1)
    assert event.response_mode == ResponseMode.FOR
    assert decision.repair.agreement is not None
    assert decision.repair.agreement.in_force_version == 1


def test_an_imposed_outcome_without_commitments_is_to() -> None:
    decision = impose(opened())

    (event,) = decision.events
    assert isinstance(event, OutcomeImposedV1)
    assert event.response_mode == ResponseMode.TO
    assert event.commitments == []


def test_an_outcome_is_not_imposed_over_an_agreement_in_force() -> None:
    with refusal(ErrorKind.CONFLICT):
        impose(reached())


def test_the_closing_mode_is_the_repairs_mode_from_then_on() -> None:
    closed = close_repair(
        with_people(),
        actor=FACILITATOR,
        outcome=RepairOutcome.UNREPAIRED,
        reason_code=CloseReason.NO_AGREEMENT,
        reason=None,
        now=NOW,
    ).repair

    assert response_mode(closed, now=NOW) == ResponseMode.NOT
    assert recorded_mode(closed) == ResponseMode.NOT
