"""Closing: repaired only when every commitment is kept or released and the affected confirm it."""

from __future__ import annotations

from datetime import timedelta

from bridgework.agreements.domain.closing import close_repair, link_incident, unmet_for_repaired
from bridgework.agreements.domain.commitments import keep_commitment
from bridgework.agreements.domain.consent import give_consent
from bridgework.agreements.domain.followup_news import record_check_in, record_lapse
from bridgework.agreements.domain.proposals import propose_release
from bridgework.agreements.domain.repair import MERGED, CloseReason, Decision, Repair, RepairStatus
from bridgework.common.contracts import (
    CheckInOutcome,
    IncidentLinkedV1,
    RepairClosedV1,
    RepairOutcome,
    ResponseMode,
)
from bridgework.common.errors import ErrorKind
from tests.agreements_factories import (
    AFFECTED,
    FACILITATOR,
    NOW,
    RESPONSIBLE,
    check_in,
    draft,
    lapse,
    only_commitment,
    opened,
    reached,
    refusal,
    with_people,
)
from tests.factories import sealed

LATER = NOW + timedelta(days=40)


def all_kept() -> Repair:
    repair = reached()
    return keep_commitment(
        repair,
        actor=RESPONSIBLE,
        commitment_id=only_commitment(repair).commitment_id,
        kept_at=NOW + timedelta(days=2),
        now=NOW + timedelta(days=2),
    ).repair


def close(
    repair: Repair,
    outcome: RepairOutcome = RepairOutcome.REPAIRED,
    reason_code: CloseReason | None = None,
    reason: str | None = None,
) -> Decision:
    """Close as the facilitator; a reason given is sealed first, as the use case does."""
    return close_repair(
        repair,
        actor=FACILITATOR,
        outcome=outcome,
        reason_code=reason_code,
        reason=sealed(reason) if reason is not None else None,
        now=LATER,
    )


def test_a_repair_closes_as_repaired_when_all_is_kept_and_the_affected_confirm() -> None:
    repair = all_kept()
    repair = record_check_in(repair, check_in(repair.repair_id))
    assert unmet_for_repaired(repair) == []

    decision = close(repair)

    (event,) = decision.events
    assert isinstance(event, RepairClosedV1)
    assert event.outcome == RepairOutcome.REPAIRED
    assert event.response_mode == ResponseMode.WITH
    assert event.reason_code is None
    assert decision.repair.status == RepairStatus.CLOSED


def test_without_the_affected_confirming_the_repair_is_not_repaired() -> None:
    repair = all_kept()

    with refusal(ErrorKind.CONFLICT) as refused:
        close(repair)

    assert refused.value.code == "not_repaired_yet"
    assert "check-in" in refused.value.detail


def test_an_affected_person_answering_partly_holds_the_repair_open() -> None:
    repair = all_kept()
    repair = record_check_in(repair, check_in(repair.repair_id, outcome=CheckInOutcome.PARTLY))

    assert unmet_for_repaired(repair) == ["p-fin-2 answered partly at check-in"]


def test_the_latest_answer_at_check_in_counts() -> None:
    repair = all_kept()
    repair = record_check_in(
        repair, check_in(repair.repair_id, outcome=CheckInOutcome.NO, recorded_at=LATER)
    )
    repair = record_check_in(
        repair, check_in(repair.repair_id, recorded_at=LATER + timedelta(days=7))
    )

    assert unmet_for_repaired(repair) == []


def test_a_yes_from_someone_not_affected_does_not_confirm() -> None:
    repair = all_kept()
    repair = record_check_in(repair, check_in(repair.repair_id, participant=RESPONSIBLE))

    assert unmet_for_repaired(repair) != []


def test_a_check_in_is_recorded_once() -> None:
    repair = all_kept()
    answer = check_in(repair.repair_id)
    once = record_check_in(repair, answer)

    assert record_check_in(once, answer) == once


def test_an_open_or_lapsed_commitment_holds_the_repair_open() -> None:
    repair = reached()
    commitment = only_commitment(repair)
    repair = record_lapse(repair, lapse(repair, commitment))
    repair = record_check_in(repair, check_in(repair.repair_id))

    assert unmet_for_repaired(repair) == [f"commitment {commitment.commitment_id} is lapsed"]


def test_released_commitments_count_as_settled() -> None:
    repair = reached(draft(), draft(action=sealed("Review the USB policy with Finance.")))
    assert repair.agreement is not None
    first, second = repair.agreement.commitments
    repair = propose_release(
        repair,
        actor=FACILITATOR,
        commitment_id=first.commitment_id,
        reason=sealed("Moot."),
        now=NOW,
    ).repair
    for person in (RESPONSIBLE, AFFECTED):
        repair = give_consent(repair, participant=person, version=2, now=NOW).repair
    repair = keep_commitment(
        repair, actor=RESPONSIBLE, commitment_id=second.commitment_id, kept_at=NOW, now=NOW
    ).repair
    repair = record_check_in(repair, check_in(repair.repair_id))

    assert close(repair).repair.closure is not None


def test_without_an_agreement_a_repair_cannot_be_repaired() -> None:
    repair = with_people()
    repair = record_check_in(repair, check_in(repair.repair_id))

    with refusal(ErrorKind.CONFLICT):
        close(repair)


def test_closing_unrepaired_needs_a_reason_code() -> None:
    with refusal(ErrorKind.INVALID) as refused:
        close(with_people(), RepairOutcome.UNREPAIRED)
    assert refused.value.field == "reason_code"


def test_the_reason_code_other_needs_a_reason() -> None:
    with refusal(ErrorKind.INVALID) as refused:
        close(with_people(), RepairOutcome.UNREPAIRED, CloseReason.OTHER)
    assert refused.value.field == "reason"


def test_closing_unrepaired_without_any_agreement_is_neglect() -> None:
    decision = close(with_people(), RepairOutcome.UNREPAIRED, CloseReason.NO_AGREEMENT)

    (event,) = decision.events
    assert isinstance(event, RepairClosedV1)
    assert event.outcome == RepairOutcome.UNREPAIRED
    assert event.reason_code == "no_agreement"
    assert event.response_mode == ResponseMode.NOT


def test_closing_unrepaired_after_an_agreement_keeps_its_mode() -> None:
    decision = close(reached(), RepairOutcome.UNREPAIRED, CloseReason.COMMITMENTS_NOT_KEPT)

    assert decision.repair.closure is not None
    assert decision.repair.closure.response_mode == ResponseMode.WITH


def test_returning_to_the_formal_process_is_done_to_people() -> None:
    decision = close(
        reached(), RepairOutcome.RETURNED_TO_FORMAL_PROCESS, CloseReason.OUTSIDE_RESTORATIVE_SCOPE
    )

    (event,) = decision.events
    assert isinstance(event, RepairClosedV1)
    assert event.response_mode == ResponseMode.TO
    assert event.reason_code == "outside_restorative_scope"


def test_only_a_facilitator_closes_a_repair() -> None:
    with refusal(ErrorKind.FORBIDDEN) as refused:
        close_repair(
            with_people(),
            actor=RESPONSIBLE,
            outcome=RepairOutcome.UNREPAIRED,
            reason_code=CloseReason.PARTICIPANT_WITHDREW,
            reason=None,
            now=LATER,
        )
    assert refused.value.code == "facilitator_only"


def test_a_closed_repair_stays_closed() -> None:
    closed = close(with_people(), RepairOutcome.UNREPAIRED, CloseReason.PARTICIPANT_WITHDREW)

    with refusal(ErrorKind.CONFLICT) as refused:
        close(closed.repair, RepairOutcome.UNREPAIRED, CloseReason.OTHER, "again")
    assert refused.value.code == "repair_closed"


def test_a_further_incident_joins_the_repair_and_its_untouched_repair_merges() -> None:
    repair = with_people()
    second = opened()
    (incident_id,) = second.incident_ids

    linking = link_incident(
        repair, actor=FACILITATOR, incident_id=incident_id, incident_repair=second, now=NOW
    )
    linked, merged = linking.linked, linking.merged

    (event,) = linked.events
    assert isinstance(event, IncidentLinkedV1)
    assert linked.repair.incident_ids == (*repair.incident_ids, incident_id)
    assert merged is not None
    (closed,) = merged.events
    assert isinstance(closed, RepairClosedV1)
    assert closed.repair_id == second.repair_id
    assert closed.reason_code == MERGED
    assert merged.repair.closure is not None
    assert merged.repair.closure.merged_into == repair.repair_id


def test_an_incident_whose_repair_is_under_way_is_not_taken_from_it() -> None:
    busy = with_people()

    with refusal(ErrorKind.CONFLICT) as refused:
        link_incident(
            with_people(),
            actor=FACILITATOR,
            incident_id=busy.incident_ids[0],
            incident_repair=busy,
            now=NOW,
        )
    assert refused.value.code == "incident_in_another_repair"


def test_linking_an_incident_already_in_the_repair_changes_nothing() -> None:
    repair = with_people()

    linking = link_incident(
        repair,
        actor=FACILITATOR,
        incident_id=repair.incident_ids[0],
        incident_repair=repair,
        now=NOW,
    )
    linked, merged = linking.linked, linking.merged

    assert linked.events == ()
    assert merged is None
