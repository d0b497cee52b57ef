"""Every commitment transition: open -> kept (on time or late) / lapsed / renegotiated / released."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from bridgework.agreements.domain.agreement import AgreementStatus, CommitmentStatus
from bridgework.agreements.domain.commitments import keep_commitment
from bridgework.agreements.domain.followup_news import record_lapse
from bridgework.agreements.domain.proposals import propose_release, propose_renegotiation
from bridgework.agreements.domain.repair import Repair
from bridgework.common.contracts import (
    AgreementProposedV1,
    CommitmentKeptV1,
    CommitmentReleasedV1,
    CommitmentRenegotiatedV1,
    ConsentGivenV1,
    PersonRef,
)
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.errors import ErrorKind
from tests.agreements_factories import (
    AFFECTED,
    FACILITATOR,
    NOW,
    RESPONSIBLE,
    consented,
    draft,
    lapse,
    only_commitment,
    proposed,
    reached,
    refusal,
)
from tests.factories import plain, sealed

DUE = NOW + timedelta(days=30)


def kept(repair: Repair, commitment_id: UUID, *, at: timedelta) -> Repair:
    return keep_commitment(
        repair, actor=RESPONSIBLE, commitment_id=commitment_id, kept_at=NOW + at, now=NOW + at
    ).repair


def renegotiate(
    repair: Repair,
    commitment_id: UUID,
    *,
    action: Sealed | None = None,
    due_at: datetime | None = None,
) -> Repair:
    return propose_renegotiation(
        repair,
        actor=FACILITATOR,
        commitment_id=commitment_id,
        action=action,
        due_at=due_at,
        reason=sealed("Audit season."),
        now=NOW,
    ).repair


def test_a_commitment_kept_by_its_due_date_is_kept_on_time() -> None:
    repair = reached()
    commitment = only_commitment(repair)

    decision = keep_commitment(
        repair, actor=RESPONSIBLE, commitment_id=commitment.commitment_id, kept_at=DUE, now=DUE
    )

    (event,) = decision.events
    assert isinstance(event, CommitmentKeptV1)
    assert event.on_time is True
    assert event.kept_at == DUE
    assert event.terms_version == 1
    assert only_commitment(decision.repair).status == CommitmentStatus.KEPT


def test_a_commitment_kept_after_its_due_date_is_kept_late() -> None:
    repair = reached()

    after = kept(repair, only_commitment(repair).commitment_id, at=timedelta(days=31))

    assert only_commitment(after).on_time is False


def test_keeping_a_commitment_of_an_agreement_not_reached_is_a_conflict() -> None:
    repair = proposed()
    assert repair.agreement is not None
    assert repair.agreement.pending is not None
    commitment_id = repair.agreement.pending.commitments[0].commitment_id

    with refusal(ErrorKind.CONFLICT) as refused:
        kept(repair, commitment_id, at=timedelta(days=1))
    assert refused.value.code == "agreement_not_in_force"


def test_keeping_an_unknown_commitment_is_unknown() -> None:
    with refusal(ErrorKind.NOT_FOUND):
        kept(reached(), UUID(int=404), at=timedelta(days=1))


def test_a_commitment_is_kept_once() -> None:
    repair = reached()
    commitment_id = only_commitment(repair).commitment_id
    repair = kept(repair, commitment_id, at=timedelta(days=1))

    with refusal(ErrorKind.CONFLICT) as refused:
        kept(repair, commitment_id, at=timedelta(days=2))
    assert refused.value.code == "commitment_kept"


def test_a_commitment_is_not_kept_in_the_future() -> None:
    repair = reached()

    with refusal(ErrorKind.INVALID) as refused:
        keep_commitment(
            repair,
            actor=RESPONSIBLE,
            commitment_id=only_commitment(repair).commitment_id,
            kept_at=NOW + timedelta(days=1),
            now=NOW,
        )
    assert refused.value.field == "kept_at"


def test_only_participants_report_a_commitment_kept() -> None:
    repair = reached()

    with refusal(ErrorKind.FORBIDDEN):
        keep_commitment(
            repair,
            actor=PersonRef(person_id="p-x-1", department="estates"),
            commitment_id=only_commitment(repair).commitment_id,
            kept_at=NOW,
            now=NOW,
        )


def test_follow_up_reports_a_commitment_lapsed() -> None:
    repair = reached()
    commitment = only_commitment(repair)

    after = record_lapse(repair, lapse(repair, commitment))

    lapsed = only_commitment(after)
    assert lapsed.status == CommitmentStatus.LAPSED
    assert lapsed.lapse_count == 1
    assert lapsed.lapsed_at == DUE + timedelta(hours=1)


def test_a_lapse_of_terms_since_renegotiated_changes_nothing() -> None:
    repair = reached()
    commitment = only_commitment(repair)

    after = record_lapse(repair, lapse(repair, commitment, terms_version=7))

    assert after == repair


def test_a_lapse_of_a_commitment_already_kept_changes_nothing() -> None:
    repair = reached()
    commitment = only_commitment(repair)
    repair = kept(repair, commitment.commitment_id, at=timedelta(days=1))

    assert record_lapse(repair, lapse(repair, commitment)) == repair


def test_a_lapsed_commitment_may_still_be_kept_late() -> None:
    repair = reached()
    commitment = only_commitment(repair)
    repair = record_lapse(repair, lapse(repair, commitment))

    after = kept(repair, commitment.commitment_id, at=timedelta(days=32))

    assert only_commitment(after).status == CommitmentStatus.KEPT
    assert only_commitment(after).on_time is False


def test_renegotiating_proposes_a_new_agreement_version_with_new_terms() -> None:
    repair = reached()
    commitment = only_commitment(repair)

    decision = propose_renegotiation(
        repair,
        actor=FACILITATOR,
        commitment_id=commitment.commitment_id,
        action=None,
        due_at=DUE + timedelta(days=14),
        reason=sealed("Audit season."),
        now=NOW,
    )

    (event,) = decision.events
    assert isinstance(event, AgreementProposedV1)
    assert event.version == 2
    (terms,) = event.commitments
    assert terms.terms_version == 2
    assert terms.due_at == DUE + timedelta(days=14)
    assert terms.action == commitment.terms.action
    # Until everyone consents, the terms in force stand.
    assert only_commitment(decision.repair).terms == commitment.terms


def test_a_renegotiation_everyone_consents_to_is_announced_and_in_force() -> None:
    repair = reached()
    commitment = only_commitment(repair)
    repair = record_lapse(repair, lapse(repair, commitment))
    repair = renegotiate(repair, commitment.commitment_id, due_at=DUE + timedelta(days=14))

    decision = consented(repair)

    renegotiated = decision.events[-1]
    assert isinstance(renegotiated, CommitmentRenegotiatedV1)
    assert renegotiated.agreement_version == 2
    assert renegotiated.previous_terms_version == 1
    assert renegotiated.terms.terms_version == 2
    assert plain(renegotiated.reason) == "Audit season."
    now_in_force = only_commitment(decision.repair)
    assert now_in_force.status == CommitmentStatus.OPEN
    assert now_in_force.terms.due_at == DUE + timedelta(days=14)
    assert now_in_force.earlier_terms == (commitment.terms,)
    assert decision.repair.agreement is not None
    assert decision.repair.agreement.in_force_version == 2
    assert decision.repair.agreement.status == AgreementStatus.REACHED


def test_a_renegotiation_must_change_something() -> None:
    repair = reached()
    commitment = only_commitment(repair)

    with refusal(ErrorKind.INVALID):
        renegotiate(repair, commitment.commitment_id)
    with refusal(ErrorKind.INVALID):
        renegotiate(repair, commitment.commitment_id, due_at=commitment.terms.due_at)


def test_a_new_date_must_lie_in_the_future() -> None:
    repair = reached()

    with refusal(ErrorKind.INVALID) as refused:
        renegotiate(repair, only_commitment(repair).commitment_id, due_at=NOW - timedelta(days=1))
    assert refused.value.field == "due_at"


def test_a_kept_commitment_is_not_renegotiated() -> None:
    repair = reached()
    commitment_id = only_commitment(repair).commitment_id
    repair = kept(repair, commitment_id, at=timedelta(days=1))

    with refusal(ErrorKind.CONFLICT):
        renegotiate(repair, commitment_id, due_at=DUE + timedelta(days=1))


def test_keeping_a_commitment_drops_its_pending_renegotiation() -> None:
    repair = reached()
    commitment_id = only_commitment(repair).commitment_id
    repair = renegotiate(repair, commitment_id, due_at=DUE + timedelta(days=14))

    after = kept(repair, commitment_id, at=timedelta(days=1))

    assert after.agreement is not None
    assert after.agreement.pending is None


def test_releasing_by_everyones_consent_shows_the_reason() -> None:
    repair = reached(draft(), draft(action=sealed("Review the USB policy with Finance.")))
    assert repair.agreement is not None
    first = repair.agreement.commitments[0]
    repair = propose_release(
        repair,
        actor=FACILITATOR,
        commitment_id=first.commitment_id,
        reason=sealed("The new policy makes notice unnecessary."),
        now=NOW,
    ).repair
    assert repair.agreement is not None
    assert repair.agreement.pending is not None
    assert [c.commitment_id for c in repair.agreement.pending.commitments] == [
        repair.agreement.commitments[1].commitment_id
    ]

    decision = consented(repair)

    released = decision.events[-1]
    assert isinstance(released, CommitmentReleasedV1)
    assert released.commitment_id == first.commitment_id
    assert plain(released.reason) == "The new policy makes notice unnecessary."
    assert decision.repair.agreement is not None
    now_released = decision.repair.agreement.commitments[0]
    assert now_released.status == CommitmentStatus.RELEASED
    assert plain(now_released.released_reason) == "The new policy makes notice unnecessary."


def test_a_release_needs_the_affected_too() -> None:
    repair = reached(draft(), draft(action=sealed("Review the USB policy with Finance.")))
    assert repair.agreement is not None
    first = repair.agreement.commitments[0]
    repair = propose_release(
        repair,
        actor=RESPONSIBLE,
        commitment_id=first.commitment_id,
        reason=sealed("Busy."),
        now=NOW,
    ).repair

    decision = consented(repair, RESPONSIBLE)

    assert [type(e) for e in decision.events] == [ConsentGivenV1]
    assert decision.repair.agreement is not None
    assert decision.repair.agreement.commitments[0].status == CommitmentStatus.OPEN


def test_the_last_commitment_standing_is_not_released() -> None:
    repair = reached()

    with refusal(ErrorKind.CONFLICT) as refused:
        propose_release(
            repair,
            actor=FACILITATOR,
            commitment_id=only_commitment(repair).commitment_id,
            reason=sealed("No longer needed."),
            now=NOW,
        )
    assert refused.value.code == "last_commitment_standing"


def test_a_later_proposal_supersedes_a_pending_one() -> None:
    repair = reached()
    commitment_id = only_commitment(repair).commitment_id
    repair = renegotiate(repair, commitment_id, due_at=DUE + timedelta(days=14))
    repair = renegotiate(repair, commitment_id, due_at=DUE + timedelta(days=7))

    decision = consented(repair, RESPONSIBLE, AFFECTED)

    renegotiated = decision.events[-1]
    assert isinstance(renegotiated, CommitmentRenegotiatedV1)
    assert renegotiated.agreement_version == 3
    assert renegotiated.terms.due_at == DUE + timedelta(days=7)
