"""Who facilitates a repair (assigned, or offering and approved; never self-appointed), and who
imposes an outcome: the domain's rules, without a database."""

from __future__ import annotations

import pytest

from bridgework.agreements.domain.closing import close_repair
from bridgework.agreements.domain.facilitation import (
    answer_offer,
    assign_facilitator,
    offer_to_facilitate,
)
from bridgework.agreements.domain.imposition import impose_outcome
from bridgework.agreements.domain.readers import Reader, require_may_read
from bridgework.agreements.domain.repair import CloseReason, Repair
from bridgework.common.contracts import (
    FacilitationDecision,
    FacilitationOfferAnsweredV1,
    FacilitationOfferedV1,
    ParticipantJoinedV1,
    ParticipantRole,
    PersonRef,
    RepairOutcome,
)
from bridgework.common.errors import ErrorKind
from tests.agreements_factories import (
    AFFECTED,
    CHANGE_TEAM_READER,
    FACILITATOR,
    NOW,
    RESPONSIBLE,
    new_ids,
    opened,
    refusal,
    with_people,
)
from tests.factories import plain, sealed

CO_FACILITATOR = PersonRef(person_id="p-hr-2", department="hr")
# The default repair: IT (responsible) and Finance (affected).
FINANCE_LEAD = Reader("p-fin-lead", "finance", frozenset({"department_lead"}))
ESTATES_LEAD = Reader("p-est-lead", "estates", frozenset({"department_lead"}))
OFFERING = Reader(FACILITATOR.person_id, FACILITATOR.department, frozenset({"facilitator"}))


def as_reader(person: PersonRef, *roles: str) -> Reader:
    return Reader(person.person_id, person.department, frozenset(roles))


def offered(repair: Repair | None = None) -> Repair:
    return offer_to_facilitate(repair or opened(), offerer=OFFERING, now=NOW).repair


def facilitators(repair: Repair) -> list[PersonRef]:
    return [p.person for p in repair.with_role(ParticipantRole.FACILITATOR)]


# --- assigning ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "assigner", [CHANGE_TEAM_READER, FINANCE_LEAD], ids=["change-team", "involved-lead"]
)
def test_the_change_team_or_an_involved_lead_assigns_a_facilitator(assigner: Reader) -> None:
    decision = assign_facilitator(opened(), FACILITATOR, assigner=assigner, now=NOW)

    (event,) = decision.events
    assert isinstance(event, ParticipantJoinedV1)
    assert (event.participant, event.role) == (FACILITATOR, ParticipantRole.FACILITATOR)
    assert facilitators(decision.repair) == [FACILITATOR]


@pytest.mark.parametrize(
    "assigner",
    [
        ESTATES_LEAD,
        as_reader(FACILITATOR, "facilitator"),
        as_reader(AFFECTED, "participant"),
        Reader("p-x", None, frozenset()),
    ],
    ids=["uninvolved-lead", "a-facilitator", "a-participant", "no-role"],
)
def test_nobody_else_assigns_a_facilitator(assigner: Reader) -> None:
    with refusal(ErrorKind.FORBIDDEN) as refused:
        assign_facilitator(opened(), FACILITATOR, assigner=assigner, now=NOW)

    assert refused.value.code == "change_team_or_lead_only"


def test_a_repair_may_have_several_facilitators_and_assigning_again_changes_nothing() -> None:
    first = assign_facilitator(opened(), FACILITATOR, assigner=CHANGE_TEAM_READER, now=NOW)
    second = assign_facilitator(first.repair, CO_FACILITATOR, assigner=FINANCE_LEAD, now=NOW)
    again = assign_facilitator(second.repair, FACILITATOR, assigner=CHANGE_TEAM_READER, now=NOW)

    assert facilitators(second.repair) == [FACILITATOR, CO_FACILITATOR]
    assert again.events == ()
    assert again.repair == second.repair


def test_a_participant_in_another_role_is_not_made_a_facilitator() -> None:
    with refusal(ErrorKind.CONFLICT) as refused:
        assign_facilitator(with_people(), RESPONSIBLE, assigner=CHANGE_TEAM_READER, now=NOW)
    assert refused.value.code == "already_participant"


def test_nobody_is_assigned_to_a_closed_repair() -> None:
    closed = close_repair(
        with_people(None, FACILITATOR),
        actor=FACILITATOR,
        outcome=RepairOutcome.UNREPAIRED,
        reason_code=CloseReason.NO_AGREEMENT,
        reason=None,
        now=NOW,
    ).repair

    with refusal(ErrorKind.CONFLICT) as refused:
        assign_facilitator(closed, CO_FACILITATOR, assigner=CHANGE_TEAM_READER, now=NOW)
    assert refused.value.code == "repair_closed"


def test_assigning_a_facilitator_who_offered_approves_the_offer() -> None:
    decision = assign_facilitator(offered(), FACILITATOR, assigner=CHANGE_TEAM_READER, now=NOW)

    joined, answered = decision.events
    assert isinstance(joined, ParticipantJoinedV1)
    assert isinstance(answered, FacilitationOfferAnsweredV1)
    assert answered.decision == FacilitationDecision.APPROVED
    assert not any(o.pending for o in decision.repair.facilitation_offers)


# --- offering and answering ---------------------------------------------------------------


def test_a_facilitator_offers_and_the_offer_waits_without_joining() -> None:
    decision = offer_to_facilitate(opened(), offerer=OFFERING, now=NOW)

    (event,) = decision.events
    assert isinstance(event, FacilitationOfferedV1)
    assert (event.facilitator, event.offered_at) == (FACILITATOR, NOW)
    assert facilitators(decision.repair) == []
    (offer,) = decision.repair.facilitation_offers
    assert offer.pending


def test_offering_twice_changes_nothing() -> None:
    repair = offered()

    again = offer_to_facilitate(repair, offerer=OFFERING, now=NOW)

    assert again.events == ()
    assert again.repair == repair


def test_only_a_holder_of_the_facilitator_role_offers() -> None:
    with refusal(ErrorKind.FORBIDDEN) as refused:
        offer_to_facilitate(opened(), offerer=as_reader(AFFECTED, "participant"), now=NOW)
    assert refused.value.code == "role_required"


def test_offering_needs_a_department_to_act_from() -> None:
    with refusal(ErrorKind.FORBIDDEN) as refused:
        offer_to_facilitate(
            opened(), offerer=Reader("p-f", None, frozenset({"facilitator"})), now=NOW
        )
    assert refused.value.code == "department_required"


def test_an_approved_offer_makes_the_facilitator_take_part() -> None:
    decision = answer_offer(
        offered(),
        FACILITATOR.person_id,
        decision=FacilitationDecision.APPROVED,
        reason=None,
        answerer=FINANCE_LEAD,
        now=NOW,
    )

    joined, answered = decision.events
    assert isinstance(joined, ParticipantJoinedV1)
    assert joined.participant == FACILITATOR
    assert isinstance(answered, FacilitationOfferAnsweredV1)
    assert (answered.decision, answered.answered_by) == (
        FacilitationDecision.APPROVED,
        FINANCE_LEAD.person_id,
    )
    assert answered.offered_at == NOW
    assert facilitators(decision.repair) == [FACILITATOR]


def test_a_declined_offer_closes_and_nobody_joins() -> None:
    decision = answer_offer(
        offered(),
        FACILITATOR.person_id,
        decision=FacilitationDecision.DECLINED,
        reason=sealed("Too close to the people involved."),
        answerer=CHANGE_TEAM_READER,
        now=NOW,
    )

    (answered,) = decision.events
    assert isinstance(answered, FacilitationOfferAnsweredV1)
    assert plain(answered.reason) == "Too close to the people involved."
    assert facilitators(decision.repair) == []
    assert not any(o.pending for o in decision.repair.facilitation_offers)
    # ... and the facilitator may offer again later.
    again = offer_to_facilitate(decision.repair, offerer=OFFERING, now=NOW)
    assert len(again.events) == 1


def test_answering_an_offer_nobody_made_is_not_found() -> None:
    with refusal(ErrorKind.NOT_FOUND) as refused:
        answer_offer(
            opened(),
            FACILITATOR.person_id,
            decision=FacilitationDecision.APPROVED,
            reason=None,
            answerer=CHANGE_TEAM_READER,
            now=NOW,
        )
    assert refused.value.code == "unknown_offer"


def test_answering_again_the_same_way_changes_nothing_the_other_way_conflicts() -> None:
    def answer(repair: Repair, decision: FacilitationDecision) -> Repair:
        return answer_offer(
            repair,
            FACILITATOR.person_id,
            decision=decision,
            reason=None,
            answerer=CHANGE_TEAM_READER,
            now=NOW,
        ).repair

    approved = answer(offered(), FacilitationDecision.APPROVED)

    assert answer(approved, FacilitationDecision.APPROVED) == approved
    with refusal(ErrorKind.CONFLICT) as refused:
        answer(approved, FacilitationDecision.DECLINED)
    assert refused.value.code == "offer_already_answered"


def test_only_the_change_team_or_an_involved_lead_answers_an_offer() -> None:
    with refusal(ErrorKind.FORBIDDEN) as refused:
        answer_offer(
            offered(),
            FACILITATOR.person_id,
            decision=FacilitationDecision.APPROVED,
            reason=None,
            answerer=ESTATES_LEAD,
            now=NOW,
        )
    assert refused.value.code == "change_team_or_lead_only"


# --- who sees a repair, who imposes ------------------------------------------------------


def test_a_facilitator_sees_a_repair_only_while_nobody_facilitates_it() -> None:
    outsider = as_reader(CO_FACILITATOR, "facilitator")
    require_may_read(opened(), outsider)

    with refusal(ErrorKind.NOT_FOUND):
        require_may_read(with_people(), outsider)


@pytest.mark.parametrize(
    ("decided_by", "roles"),
    [(FACILITATOR, frozenset()), (PersonRef(person_id="p-chg", department="it"), {"change_team"})],
    ids=["its-facilitator", "change-team"],
)
def test_a_facilitator_of_the_repair_or_the_change_team_imposes(
    decided_by: PersonRef, roles: set[str]
) -> None:
    decision = impose_outcome(
        with_people(),
        decided_by=decided_by,
        roles=frozenset(roles),
        reason=sealed("Decided."),
        drafts=(),
        now=NOW,
        new_id=new_ids(),
    )
    assert len(decision.events) == 1


@pytest.mark.parametrize(
    "decided_by",
    [CO_FACILITATOR, RESPONSIBLE, FACILITATOR.model_copy(update={"department": "estates"})],
    ids=["facilitator-of-another-repair", "a-participant", "facilitators-id-elsewhere"],
)
def test_nobody_else_imposes(decided_by: PersonRef) -> None:
    with refusal(ErrorKind.FORBIDDEN) as refused:
        impose_outcome(
            with_people(),
            decided_by=decided_by,
            roles=frozenset({"facilitator"}),
            reason=sealed("Decided."),
            drafts=(),
            now=NOW,
            new_id=new_ids(),
        )
    assert refused.value.code == "facilitator_or_change_team_only"
