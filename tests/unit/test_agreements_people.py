"""Participants in their roles, and the restorative conversation each role answers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bridgework.agreements.domain.closing import close_repair
from bridgework.agreements.domain.conversation import record_conversation
from bridgework.agreements.domain.facilitation import assign_facilitator
from bridgework.agreements.domain.participants import join
from bridgework.agreements.domain.repair import CloseReason, Participant
from bridgework.common.contracts import (
    Answer,
    ConversationRecordedV1,
    ParticipantJoinedV1,
    ParticipantRole,
    PersonRef,
    Question,
    RepairOutcome,
)
from bridgework.common.errors import ErrorKind
from tests.agreements_factories import (
    AFFECTED,
    CHANGE_TEAM_READER,
    FACILITATOR,
    NOW,
    RESPONSIBLE,
    SUPPORTER,
    opened,
    refusal,
    with_people,
)
from tests.factories import sealed

CO_FACILITATOR = PersonRef(person_id="p-hr-2", department="hr")
OUTSIDER = PersonRef(person_id="p-x-1", department="estates")


def answer(question: Question, text: str = "An honest answer.") -> Answer:
    return Answer(question=question, text=sealed(text))


def test_a_facilitator_cannot_join_a_repair_without_a_facilitator_themselves() -> None:
    with refusal(ErrorKind.FORBIDDEN) as refused:
        join(opened(), FACILITATOR, ParticipantRole.FACILITATOR, actor=FACILITATOR, now=NOW)

    assert refused.value.code == "facilitator_needs_assignment"
    assert "offer" in refused.value.detail
    assert "assigned" in refused.value.detail


def test_a_facilitator_of_the_repair_adds_a_person_in_a_role() -> None:
    decision = join(
        with_people(None, FACILITATOR),
        AFFECTED,
        ParticipantRole.AFFECTED,
        actor=FACILITATOR,
        now=NOW,
    )

    (event,) = decision.events
    assert isinstance(event, ParticipantJoinedV1)
    assert event.participant == AFFECTED
    assert event.role == ParticipantRole.AFFECTED
    assert decision.repair.participant(AFFECTED.person_id) is not None


def test_a_facilitator_of_the_repair_may_add_another_facilitator() -> None:
    decision = join(
        with_people(), CO_FACILITATOR, ParticipantRole.FACILITATOR, actor=FACILITATOR, now=NOW
    )

    assert len(decision.events) == 1
    # ... who may then add people too.
    added = join(
        decision.repair, SUPPORTER, ParticipantRole.SUPPORTER, actor=CO_FACILITATOR, now=NOW
    )
    assert len(added.events) == 1


@pytest.mark.parametrize(
    ("actor", "person", "role"),
    [
        pytest.param(
            FACILITATOR, FACILITATOR, ParticipantRole.FACILITATOR, id="facilitator-themselves"
        ),
        pytest.param(FACILITATOR, AFFECTED, ParticipantRole.AFFECTED, id="facilitator-adds-other"),
        pytest.param(
            FACILITATOR, CO_FACILITATOR, ParticipantRole.FACILITATOR, id="other-facilitator"
        ),
        pytest.param(AFFECTED, AFFECTED, ParticipantRole.AFFECTED, id="self-in-another-role"),
        pytest.param(
            OUTSIDER, FACILITATOR, ParticipantRole.FACILITATOR, id="someone-names-facilitator"
        ),
        pytest.param(
            PersonRef(person_id=FACILITATOR.person_id, department="estates"),
            FACILITATOR,
            ParticipantRole.FACILITATOR,
            id="same-id-other-department",
        ),
    ],
)
def test_before_any_facilitator_nobody_joins_anyone(
    actor: PersonRef, person: PersonRef, role: ParticipantRole
) -> None:
    with refusal(ErrorKind.FORBIDDEN) as refused:
        join(opened(), person, role, actor=actor, now=NOW)

    assert refused.value.code == "facilitator_needs_assignment"
    assert "no facilitator yet" in refused.value.detail


@pytest.mark.parametrize(
    ("actor", "why"),
    [
        pytest.param(OUTSIDER, "does not take part", id="outsider"),
        pytest.param(RESPONSIBLE, "takes part as responsible", id="participant"),
        pytest.param(SUPPORTER, "takes part as supporter", id="supporter"),
        pytest.param(
            PersonRef(person_id=FACILITATOR.person_id, department="estates"),
            "does not take part",
            id="facilitators-id-other-department",
        ),
        pytest.param(CO_FACILITATOR, "does not take part", id="facilitator-of-another-repair"),
    ],
)
def test_once_there_is_a_facilitator_only_a_facilitator_adds_people(
    actor: PersonRef, why: str
) -> None:
    repair = with_people(None, RESPONSIBLE, AFFECTED, FACILITATOR, SUPPORTER)
    newcomer = PersonRef(person_id="p-fin-4", department="finance")

    with refusal(ErrorKind.FORBIDDEN) as refused:
        join(repair, newcomer, ParticipantRole.AFFECTED, actor=actor, now=NOW)

    assert refused.value.code == "not_the_facilitator"
    assert why in refused.value.detail
    assert "only one of" in refused.value.detail


def test_nobody_may_join_themselves_once_there_is_a_facilitator() -> None:
    repair = with_people(None, FACILITATOR)

    with refusal(ErrorKind.FORBIDDEN) as refused:
        join(repair, AFFECTED, ParticipantRole.AFFECTED, actor=AFFECTED, now=NOW)
    assert refused.value.code == "not_the_facilitator"


def test_joining_again_in_the_same_role_changes_nothing() -> None:
    repair = with_people()

    again = join(repair, AFFECTED, ParticipantRole.AFFECTED, actor=FACILITATOR, now=NOW)
    facilitator_again = join(
        repair, FACILITATOR, ParticipantRole.FACILITATOR, actor=FACILITATOR, now=NOW
    )

    assert again.events == ()
    assert again.repair == repair
    assert facilitator_again.events == ()
    assert facilitator_again.repair == repair


def test_joining_again_is_refused_to_an_actor_who_may_not_add_that_person() -> None:
    repair = with_people()

    with refusal(ErrorKind.FORBIDDEN) as themselves:
        join(repair, AFFECTED, ParticipantRole.AFFECTED, actor=AFFECTED, now=NOW)
    with refusal(ErrorKind.FORBIDDEN) as outsider:
        join(repair, AFFECTED, ParticipantRole.AFFECTED, actor=OUTSIDER, now=NOW)

    assert themselves.value.code == outsider.value.code == "not_the_facilitator"


def test_a_repair_with_people_but_no_facilitator_takes_an_assigned_facilitator_next() -> None:
    # As stored before the rule: people joined, nobody facilitating yet.
    repair = replace(opened(), participants=(Participant(AFFECTED, ParticipantRole.AFFECTED, NOW),))

    with refusal(ErrorKind.FORBIDDEN) as refused:
        join(repair, AFFECTED, ParticipantRole.AFFECTED, actor=AFFECTED, now=NOW)
    taken = assign_facilitator(repair, FACILITATOR, assigner=CHANGE_TEAM_READER, now=NOW)

    assert refused.value.code == "facilitator_needs_assignment"
    assert len(taken.events) == 1


def test_a_person_takes_part_in_one_role_only() -> None:
    with refusal(ErrorKind.CONFLICT) as refused:
        join(with_people(), AFFECTED, ParticipantRole.SUPPORTER, actor=FACILITATOR, now=NOW)
    assert refused.value.code == "already_participant"


def test_nobody_joins_a_closed_repair() -> None:
    closed = close_repair(
        with_people(None, FACILITATOR),
        actor=FACILITATOR,
        outcome=RepairOutcome.UNREPAIRED,
        reason_code=CloseReason.NO_AGREEMENT,
        reason=None,
        now=NOW,
    ).repair

    with refusal(ErrorKind.CONFLICT) as refused:
        join(closed, AFFECTED, ParticipantRole.AFFECTED, actor=FACILITATOR, now=NOW)
    assert refused.value.code == "repair_closed"


def test_the_responsible_answer_the_questions_of_the_responsible() -> None:
    answers = [answer(Question.WHAT_HAPPENED), answer(Question.THOUGHT_SINCE)]

    decision = record_conversation(
        with_people(), actor=RESPONSIBLE, participant=RESPONSIBLE, answers=answers, now=NOW
    )

    (event,) = decision.events
    assert isinstance(event, ConversationRecordedV1)
    assert event.role == ParticipantRole.RESPONSIBLE
    assert event.answers == answers


def test_the_affected_tell_their_own_account_of_the_impact() -> None:
    answers = [answer(Question.IMPACT_ON_YOU_AND_OTHERS), answer(Question.HARDEST_THING)]

    decision = record_conversation(
        with_people(), actor=AFFECTED, participant=AFFECTED, answers=answers, now=NOW
    )

    (event,) = decision.events
    assert isinstance(event, ConversationRecordedV1)
    assert event.role == ParticipantRole.AFFECTED


def test_a_question_of_another_role_is_refused_naming_the_answer() -> None:
    with refusal(ErrorKind.INVALID) as refused:
        record_conversation(
            with_people(),
            actor=AFFECTED,
            participant=AFFECTED,
            answers=[answer(Question.HARDEST_THING), answer(Question.THINKING_AT_THE_TIME)],
            now=NOW,
        )
    assert refused.value.field == "answers.1.question"


def test_a_question_answered_twice_in_one_record_is_refused() -> None:
    with refusal(ErrorKind.INVALID):
        record_conversation(
            with_people(),
            actor=AFFECTED,
            participant=AFFECTED,
            answers=[answer(Question.HARDEST_THING), answer(Question.HARDEST_THING)],
            now=NOW,
        )


def test_supporters_answer_the_questions_of_the_affected() -> None:
    repair = with_people(None, RESPONSIBLE, AFFECTED, FACILITATOR, SUPPORTER)

    decision = record_conversation(
        repair,
        actor=SUPPORTER,
        participant=SUPPORTER,
        answers=[answer(Question.IMPACT_ON_YOU_AND_OTHERS)],
        now=NOW,
    )

    assert len(decision.events) == 1


def test_a_facilitator_may_write_down_a_participants_answers() -> None:
    decision = record_conversation(
        with_people(),
        actor=FACILITATOR,
        participant=AFFECTED,
        answers=[answer(Question.NEEDS_TO_HAPPEN)],
        now=NOW,
    )

    assert len(decision.events) == 1


def test_one_participant_does_not_record_anothers_answers() -> None:
    with refusal(ErrorKind.FORBIDDEN):
        record_conversation(
            with_people(),
            actor=RESPONSIBLE,
            participant=AFFECTED,
            answers=[answer(Question.NEEDS_TO_HAPPEN)],
            now=NOW,
        )


def test_answers_of_someone_outside_the_repair_are_refused() -> None:
    with refusal(ErrorKind.INVALID) as refused:
        record_conversation(
            with_people(),
            actor=FACILITATOR,
            participant=PersonRef(person_id="p-x-1", department="estates"),
            answers=[answer(Question.NEEDS_TO_HAPPEN)],
            now=NOW,
        )
    assert refused.value.field == "participant"


def test_facilitators_answer_no_restorative_questions() -> None:
    with refusal(ErrorKind.INVALID):
        record_conversation(
            with_people(),
            actor=FACILITATOR,
            participant=FACILITATOR,
            answers=[answer(Question.WHAT_HAPPENED)],
            now=NOW,
        )
