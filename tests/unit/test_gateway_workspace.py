"""The workspace's pure rules: which proposal waits for consent, what a repair waits for next,
and which actions a repair's page offers a viewer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from bridgework.graphql_gateway.read.domain.records import (
    AgreementRecord,
    CheckInRecord,
    CommitmentRecord,
    ConsentRecord,
    ParticipantRecord,
    PersonRecord,
    RepairRecord,
)
from bridgework.graphql_gateway.read.domain.viewer import Role, Viewer
from bridgework.graphql_gateway.read.domain.workspace import (
    Action,
    ProposalRecord,
    ProposedTerms,
    RepairFacts,
    Waiting,
    available_actions,
    awaiting_consent,
    next_action,
    pending_proposal,
)

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
DAY = timedelta(days=1)
REPAIR = uuid4()
AGREEMENT = uuid4()
COMMITMENT = uuid4()
FACILITATOR = PersonRecord("p-hr-9", "hr")
RESPONSIBLE = PersonRecord("p-it-7", "it")
AFFECTED = PersonRecord("p-fin-2", "finance")


def repair(**changes: object) -> RepairRecord:
    base = RepairRecord(
        repair_id=REPAIR,
        status="open",
        opened_at=T0,
        departments=("finance", "it"),
        category="access_restriction",
        agreement_due_by=T0 + 14 * DAY,
        recurrence_of=(),
        response_mode=None,
        outcome=None,
        closed_at=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def joined(person: PersonRecord, role: str) -> ParticipantRecord:
    return ParticipantRecord(REPAIR, person, role, T0 + DAY)


EVERYONE = (
    joined(FACILITATOR, "facilitator"),
    joined(RESPONSIBLE, "responsible"),
    joined(AFFECTED, "affected"),
)


def proposal(version: int, terms_version: int = 1, at: datetime = T0 + 2 * DAY) -> ProposalRecord:
    terms = ProposedTerms(COMMITMENT, terms_version, RESPONSIBLE, ("finance",), None, T0 + 9 * DAY)
    return ProposalRecord(
        AGREEMENT, REPAIR, version, FACILITATOR, at, (RESPONSIBLE, AFFECTED), (terms,)
    )


def consent(person: PersonRecord, version: int, decision: str = "given") -> ConsentRecord:
    role = "responsible" if person == RESPONSIBLE else "affected"
    return ConsentRecord(REPAIR, version, person, role, decision, None, T0 + 3 * DAY)


def reached(version: int) -> AgreementRecord:
    return AgreementRecord(
        AGREEMENT, REPAIR, version, T0 + 3 * DAY, "with", (RESPONSIBLE, AFFECTED)
    )


def commitment(status: str = "open", terms_version: int = 1, **changes: object) -> CommitmentRecord:
    base = CommitmentRecord(
        commitment_id=COMMITMENT,
        repair_id=REPAIR,
        agreement_id=AGREEMENT,
        terms_version=terms_version,
        owner=RESPONSIBLE,
        owed_to=(AFFECTED,),
        owed_to_departments=("finance",),
        action=None,
        due_at=T0 + 9 * DAY,
        status=status,
        kept_at=None,
        kept_on_time=None,
        lapse_count=0,
        released_at=None,
        release_reason=None,
        renegotiation_reason=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def facts(**changes: object) -> RepairFacts:
    base = RepairFacts(
        repair=repair(),
        participants=EVERYONE,
        proposals=(),
        consents=(),
        agreements=(),
        commitments=(),
        check_ins=(),
        pending_offers=(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def viewer(person: PersonRecord, *roles: Role) -> Viewer:
    return Viewer(
        subject=person.person_id, department=person.department, roles=frozenset(roles), token="t"
    )


def test_a_repair_without_a_facilitator_waits_for_one_until_its_agreement_is_due() -> None:
    step = next_action(facts(participants=()))
    assert (step.waiting, step.on, step.due_at) == (Waiting.FACILITATOR, (), T0 + 14 * DAY)


def test_terms_wait_for_the_consent_of_whoever_has_not_given_it() -> None:
    waiting = facts(proposals=(proposal(1),), consents=(consent(RESPONSIBLE, 1),))
    step = next_action(waiting)
    assert (step.waiting, step.on) == (Waiting.CONSENT, (AFFECTED,))
    assert pending_proposal(waiting) == proposal(1)


def test_a_decline_sends_the_repair_back_to_the_facilitator_for_new_terms() -> None:
    declined = facts(proposals=(proposal(1),), consents=(consent(AFFECTED, 1, "declined"),))
    assert next_action(declined).waiting is Waiting.PROPOSAL
    assert awaiting_consent(proposal(1), declined) == [AFFECTED, RESPONSIBLE]


def test_terms_reached_are_no_longer_pending_and_the_commitment_is_next() -> None:
    agreed = facts(proposals=(proposal(1),), agreements=(reached(1),), commitments=(commitment(),))
    assert pending_proposal(agreed) is None
    step = next_action(agreed)
    assert (step.waiting, step.on, step.due_at) == (
        Waiting.COMMITMENT,
        (RESPONSIBLE,),
        T0 + 9 * DAY,
    )


def test_a_lapsed_commitment_waits_for_renegotiation_until_the_new_terms_are_in_force() -> None:
    renegotiating = proposal(2, terms_version=2, at=T0 + 10 * DAY)
    lapsed = facts(
        proposals=(proposal(1), renegotiating),
        agreements=(reached(1),),
        commitments=(commitment("lapsed", lapse_count=1),),
    )
    assert pending_proposal(lapsed) == renegotiating
    assert next_action(replace(lapsed, proposals=(proposal(1),))).waiting is Waiting.RENEGOTIATION
    in_force = replace(lapsed, commitments=(commitment("open", terms_version=2),))
    assert pending_proposal(in_force) is None


def test_a_release_is_pending_until_the_commitment_left_out_is_released() -> None:
    other = uuid4()
    release = replace(
        proposal(2, at=T0 + 10 * DAY),
        commitments=(ProposedTerms(other, 1, AFFECTED, (), None, T0 + 9 * DAY),),
    )
    standing = (commitment(), commitment(commitment_id=other, owner=AFFECTED))
    asked = facts(proposals=(release,), agreements=(reached(1),), commitments=standing)
    assert pending_proposal(asked) == release
    released = (commitment("released", released_at=T0 + 11 * DAY), standing[1])
    assert pending_proposal(replace(asked, commitments=released)) is None


def test_settled_commitments_wait_for_the_check_in_then_for_the_facilitator_to_close() -> None:
    kept = facts(agreements=(reached(1),), commitments=(commitment("kept", kept_at=T0 + 8 * DAY),))
    assert next_action(kept).waiting is Waiting.CHECK_IN
    confirmed = replace(
        kept, check_ins=(CheckInRecord(uuid4(), REPAIR, AFFECTED, "yes", None, T0 + 12 * DAY),)
    )
    step = next_action(confirmed)
    assert (step.waiting, step.on) == (Waiting.CLOSING, (FACILITATOR,))
    assert (
        next_action(replace(confirmed, repair=repair(closed_at=T0 + 13 * DAY))).waiting
        is Waiting.NOTHING
    )


def test_the_page_offers_each_person_the_actions_of_their_part() -> None:
    waiting = facts(proposals=(proposal(1),), consents=(consent(RESPONSIBLE, 1),))
    assert Action.ANSWER_PROPOSAL in available_actions(waiting, viewer(AFFECTED, Role.PARTICIPANT))
    assert Action.ANSWER_PROPOSAL not in available_actions(
        waiting, viewer(RESPONSIBLE, Role.PARTICIPANT)
    )
    facilitating = available_actions(waiting, viewer(FACILITATOR, Role.FACILITATOR))
    assert {Action.INVITE_PARTICIPANT, Action.PROPOSE_AGREEMENT, Action.CLOSE_REPAIR} <= set(
        facilitating
    )
    lead = available_actions(
        waiting, viewer(PersonRecord("p-fin-lead", "finance"), Role.DEPARTMENT_LEAD)
    )
    assert lead == [Action.ASSIGN_FACILITATOR]
    outsider = viewer(PersonRecord("p-hr-77", "hr"), Role.FACILITATOR)
    assert available_actions(facts(participants=()), outsider) == [Action.OFFER_TO_FACILITATE]
    assert available_actions(waiting, outsider) == []
    assert (
        available_actions(
            facts(repair=repair(closed_at=T0 + DAY)), viewer(FACILITATOR, Role.FACILITATOR)
        )
        == []
    )


def test_an_owner_may_keep_renegotiate_or_release_their_open_commitment() -> None:
    agreed = facts(agreements=(reached(1),), commitments=(commitment(),))
    owner = available_actions(agreed, viewer(RESPONSIBLE, Role.PARTICIPANT))
    assert {
        Action.KEEP_COMMITMENT,
        Action.RENEGOTIATE_COMMITMENT,
        Action.RELEASE_COMMITMENT,
    } <= set(owner)
    assert Action.KEEP_COMMITMENT not in available_actions(
        agreed, viewer(AFFECTED, Role.PARTICIPANT)
    )
