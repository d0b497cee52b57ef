"""Consent and versioning: an agreement is reached only by everyone's consent to its current version."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from bridgework.agreements.domain.agreement import AgreementStatus
from bridgework.agreements.domain.closing import close_repair
from bridgework.agreements.domain.consent import decline_consent, give_consent
from bridgework.agreements.domain.participants import join
from bridgework.agreements.domain.proposals import propose_agreement
from bridgework.agreements.domain.repair import CloseReason
from bridgework.agreements.domain.response_mode import response_mode
from bridgework.common.contracts import (
    AgreementProposedV1,
    AgreementReachedV1,
    ConsentDeclinedV1,
    ConsentGivenV1,
    ParticipantRole,
    PersonRef,
    RepairOutcome,
    ResponseMode,
)
from bridgework.common.errors import ErrorKind
from tests.agreements_factories import (
    AFFECTED,
    FACILITATOR,
    NOW,
    RESPONSIBLE,
    SUPPORTER,
    consented,
    current_version,
    draft,
    new_ids,
    opened,
    proposed,
    refusal,
    with_people,
)
from tests.factories import plain, sealed


def test_proposing_terms_asks_every_responsible_and_affected_participant() -> None:
    repair = with_people(None, RESPONSIBLE, AFFECTED, FACILITATOR, SUPPORTER)

    decision = propose_agreement(
        repair, actor=FACILITATOR, drafts=[draft()], now=NOW, new_id=new_ids()
    )

    (event,) = decision.events
    assert isinstance(event, AgreementProposedV1)
    assert event.version == 1
    assert event.consent_required_from == [RESPONSIBLE, AFFECTED]
    assert event.proposed_by == FACILITATOR
    assert [c.terms_version for c in event.commitments] == [1]
    assert decision.repair.agreement is not None
    assert decision.repair.agreement.status == AgreementStatus.PROPOSED


def test_the_agreement_is_reached_when_the_last_consent_arrives() -> None:
    repair = proposed()

    first = give_consent(repair, participant=RESPONSIBLE, version=1, now=NOW)
    assert [type(e) for e in first.events] == [ConsentGivenV1]
    last = give_consent(first.repair, participant=AFFECTED, version=1, now=NOW)

    given, reached = last.events
    assert isinstance(given, ConsentGivenV1)
    assert given.role == ParticipantRole.AFFECTED
    assert isinstance(reached, AgreementReachedV1)
    assert reached.version == 1
    assert reached.response_mode == ResponseMode.WITH
    assert set(reached.consented_by) == {RESPONSIBLE, AFFECTED}
    assert last.repair.agreement is not None
    assert last.repair.agreement.status == AgreementStatus.REACHED
    assert last.repair.agreement.in_force_version == 1


def test_agreement_needs_consent_of_the_affected() -> None:
    repair = consented(proposed(), RESPONSIBLE).repair

    assert repair.agreement is not None
    assert repair.agreement.status == AgreementStatus.PROPOSED
    assert response_mode(repair, now=NOW) is None


def test_agreement_needs_consent_of_every_affected_participant() -> None:
    other_affected = PersonRef(person_id="p-fin-3", department="finance")
    repair = join(
        with_people(), other_affected, ParticipantRole.AFFECTED, actor=FACILITATOR, now=NOW
    ).repair

    after = consented(proposed(repair), RESPONSIBLE, AFFECTED)

    assert not any(isinstance(e, AgreementReachedV1) for e in after.events)
    final = consented(after.repair, other_affected)
    assert any(isinstance(e, AgreementReachedV1) for e in final.events)


def test_someone_affected_who_joins_after_the_proposal_must_consent_too() -> None:
    repair = proposed()
    late = PersonRef(person_id="p-fin-5", department="finance")
    repair = join(repair, late, ParticipantRole.AFFECTED, actor=FACILITATOR, now=NOW).repair

    after = consented(repair, RESPONSIBLE, AFFECTED)

    assert after.repair.agreement is not None
    assert after.repair.agreement.status == AgreementStatus.PROPOSED
    final = consented(after.repair, late).repair.agreement
    assert final is not None
    assert final.status == AgreementStatus.REACHED


def test_changing_the_terms_makes_a_new_version_and_asks_again() -> None:
    repair = consented(proposed(), RESPONSIBLE).repair

    revised = propose_agreement(
        repair,
        actor=FACILITATOR,
        drafts=[draft(action=sealed("Tell Finance two weeks ahead."))],
        now=NOW,
        new_id=new_ids(),
    ).repair

    assert current_version(revised) == 2
    assert revised.agreement is not None
    assert revised.agreement.pending is not None
    assert revised.agreement.pending.consents == ()
    with refusal(ErrorKind.CONFLICT) as stale:
        give_consent(revised, participant=AFFECTED, version=1, now=NOW)
    assert stale.value.code == "stale_version"


def test_a_revised_commitment_keeps_its_id_and_raises_its_terms_version_only_if_changed() -> None:
    repair = proposed(None, draft(), draft(action=sealed("Review the USB policy with Finance.")))
    assert repair.agreement is not None
    assert repair.agreement.pending is not None
    first, second = repair.agreement.pending.commitments

    revised = propose_agreement(
        repair,
        actor=FACILITATOR,
        drafts=[
            # Unchanged: the use case hands the rules the sealed text it had (use_cases/agreement.py).
            draft(commitment_id=first.commitment_id, action=first.action),
            draft(
                commitment_id=second.commitment_id,
                action=sealed("Review the USB policy with Finance."),
                due_at=NOW + timedelta(days=45),
            ),
        ],
        now=NOW,
        new_id=new_ids(),
    )

    (event,) = revised.events
    assert isinstance(event, AgreementProposedV1)
    assert event.version == 2
    assert [(c.commitment_id, c.terms_version) for c in event.commitments] == [
        (first.commitment_id, 1),
        (second.commitment_id, 2),
    ]


def test_revising_a_commitment_that_was_not_proposed_is_refused() -> None:
    with refusal(ErrorKind.INVALID) as refused:
        propose_agreement(
            proposed(),
            actor=FACILITATOR,
            drafts=[draft(commitment_id=UUID(int=999))],
            now=NOW,
            new_id=new_ids(),
        )
    assert refused.value.field == "commitments.0.commitment_id"


def test_declining_is_recorded_with_its_reason_and_blocks_the_agreement() -> None:
    repair = consented(proposed(), RESPONSIBLE).repair

    declined = decline_consent(
        repair,
        participant=AFFECTED,
        version=1,
        reason=sealed("A week is not enough notice."),
        now=NOW,
    )

    (event,) = declined.events
    assert isinstance(event, ConsentDeclinedV1)
    assert plain(event.reason) == "A week is not enough notice."
    assert declined.repair.agreement is not None
    assert declined.repair.agreement.status == AgreementStatus.PROPOSED


def test_a_participant_who_declined_may_change_their_mind() -> None:
    repair = consented(proposed(), RESPONSIBLE).repair
    repair = decline_consent(
        repair, participant=AFFECTED, version=1, reason=sealed("Not yet."), now=NOW
    ).repair

    after = give_consent(repair, participant=AFFECTED, version=1, now=NOW)

    assert any(isinstance(e, AgreementReachedV1) for e in after.events)


def test_consenting_twice_changes_nothing() -> None:
    repair = consented(proposed(), RESPONSIBLE).repair

    again = give_consent(repair, participant=RESPONSIBLE, version=1, now=NOW)

    assert again.events == ()
    assert again.repair == repair


@pytest.mark.parametrize("person", [FACILITATOR, SUPPORTER])
def test_supporters_and_facilitators_are_not_asked_for_consent(person: PersonRef) -> None:
    repair = proposed(with_people(None, RESPONSIBLE, AFFECTED, FACILITATOR, SUPPORTER))

    with refusal(ErrorKind.FORBIDDEN) as refused:
        give_consent(repair, participant=person, version=1, now=NOW)
    assert refused.value.code == "consent_not_asked"


def test_someone_outside_the_repair_cannot_consent() -> None:
    stranger = PersonRef(person_id="p-x-1", department="estates")

    with refusal(ErrorKind.FORBIDDEN):
        give_consent(proposed(), participant=stranger, version=1, now=NOW)


def test_consent_without_a_proposal_is_a_conflict() -> None:
    with refusal(ErrorKind.CONFLICT) as refused:
        give_consent(with_people(), participant=AFFECTED, version=1, now=NOW)
    assert refused.value.code == "no_proposal_pending"


def test_terms_need_a_responsible_and_an_affected_participant() -> None:
    repair = with_people(None, RESPONSIBLE, FACILITATOR)

    with refusal(ErrorKind.CONFLICT) as refused:
        propose_agreement(repair, actor=FACILITATOR, drafts=[draft()], now=NOW, new_id=new_ids())
    assert refused.value.code == "consent_parties_missing"


def test_only_participants_propose_terms() -> None:
    with refusal(ErrorKind.FORBIDDEN):
        propose_agreement(
            with_people(),
            actor=PersonRef(person_id="p-x-1", department="estates"),
            drafts=[draft()],
            now=NOW,
            new_id=new_ids(),
        )


def test_a_commitment_is_owned_by_a_participant_and_due_in_the_future() -> None:
    repair = with_people()
    outsider = PersonRef(person_id="p-x-1", department="estates")

    with refusal(ErrorKind.INVALID) as not_a_participant:
        propose_agreement(
            repair, actor=FACILITATOR, drafts=[draft(owner=outsider)], now=NOW, new_id=new_ids()
        )
    with refusal(ErrorKind.INVALID) as in_the_past:
        propose_agreement(
            repair,
            actor=FACILITATOR,
            drafts=[draft(), draft(due_at=NOW - timedelta(days=1))],
            now=NOW,
            new_id=new_ids(),
        )

    assert not_a_participant.value.field == "commitments.0.owner"
    assert in_the_past.value.field == "commitments.1.due_at"


def test_terms_are_not_proposed_again_once_the_agreement_is_in_force() -> None:
    repair = consented(proposed()).repair

    with refusal(ErrorKind.CONFLICT) as refused:
        propose_agreement(repair, actor=FACILITATOR, drafts=[draft()], now=NOW, new_id=new_ids())
    assert refused.value.code == "agreement_in_force"


def test_nothing_is_proposed_in_a_closed_repair() -> None:
    repair = close_repair(
        with_people(),
        actor=FACILITATOR,
        outcome=RepairOutcome.UNREPAIRED,
        reason_code=CloseReason.PARTICIPANT_WITHDREW,
        reason=None,
        now=NOW,
    ).repair

    with refusal(ErrorKind.CONFLICT) as refused:
        propose_agreement(repair, actor=FACILITATOR, drafts=[draft()], now=NOW, new_id=new_ids())
    assert refused.value.code == "repair_closed"


def test_a_fresh_repair_has_no_agreement() -> None:
    assert opened().agreement is None
