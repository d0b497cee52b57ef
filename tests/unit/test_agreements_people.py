"""Participants in their roles, and the restorative conversation each role answers."""

from __future__ import annotations

import pytest

from bridgework.agreements import domain
from bridgework.agreements.domain import ConflictError, ForbiddenError, InvalidError
from bridgework.common.contracts import (
    Answer,
    ConversationRecordedV1,
    ParticipantJoinedV1,
    ParticipantRole,
    PersonRef,
    Question,
)
from tests.agreements_factories import (
    AFFECTED,
    FACILITATOR,
    NOW,
    RESPONSIBLE,
    SUPPORTER,
    opened,
    with_people,
)


def answer(question: Question, text: str = "An honest answer.") -> Answer:
    return Answer(question=question, text=text)


def test_a_person_joins_a_repair_in_a_role() -> None:
    decision = domain.join(opened(), AFFECTED, ParticipantRole.AFFECTED, now=NOW)

    (event,) = decision.events
    assert isinstance(event, ParticipantJoinedV1)
    assert event.participant == AFFECTED
    assert event.role == ParticipantRole.AFFECTED
    assert decision.repair.participant(AFFECTED.person_id) is not None


def test_joining_again_in_the_same_role_changes_nothing() -> None:
    repair = with_people()

    again = domain.join(repair, AFFECTED, ParticipantRole.AFFECTED, now=NOW)

    assert again.events == ()
    assert again.repair == repair


def test_a_person_takes_part_in_one_role_only() -> None:
    with pytest.raises(ConflictError) as refused:
        domain.join(with_people(), AFFECTED, ParticipantRole.SUPPORTER, now=NOW)
    assert refused.value.code == "already_participant"


def test_the_responsible_answer_the_questions_of_the_responsible() -> None:
    answers = [answer(Question.WHAT_HAPPENED), answer(Question.THOUGHT_SINCE)]

    decision = domain.record_conversation(
        with_people(), actor=RESPONSIBLE, participant=RESPONSIBLE, answers=answers, now=NOW
    )

    (event,) = decision.events
    assert isinstance(event, ConversationRecordedV1)
    assert event.role == ParticipantRole.RESPONSIBLE
    assert event.answers == answers


def test_the_affected_tell_their_own_account_of_the_impact() -> None:
    answers = [answer(Question.IMPACT_ON_YOU_AND_OTHERS), answer(Question.HARDEST_THING)]

    decision = domain.record_conversation(
        with_people(), actor=AFFECTED, participant=AFFECTED, answers=answers, now=NOW
    )

    (event,) = decision.events
    assert isinstance(event, ConversationRecordedV1)
    assert event.role == ParticipantRole.AFFECTED


def test_a_question_of_another_role_is_refused_naming_the_answer() -> None:
    with pytest.raises(InvalidError) as refused:
        domain.record_conversation(
            with_people(),
            actor=AFFECTED,
            participant=AFFECTED,
            answers=[answer(Question.HARDEST_THING), answer(Question.THINKING_AT_THE_TIME)],
            now=NOW,
        )
    assert refused.value.field == "answers.1.question"


def test_a_question_answered_twice_in_one_record_is_refused() -> None:
    with pytest.raises(InvalidError):
        domain.record_conversation(
            with_people(),
            actor=AFFECTED,
            participant=AFFECTED,
            answers=[answer(Question.HARDEST_THING), answer(Question.HARDEST_THING)],
            now=NOW,
        )


def test_supporters_answer_the_questions_of_the_affected() -> None:
    repair = with_people(None, RESPONSIBLE, AFFECTED, FACILITATOR, SUPPORTER)

    decision = domain.record_conversation(
        repair,
        actor=SUPPORTER,
        participant=SUPPORTER,
        answers=[answer(Question.IMPACT_ON_YOU_AND_OTHERS)],
        now=NOW,
    )

    assert len(decision.events) == 1


def test_a_facilitator_may_write_down_a_participants_answers() -> None:
    decision = domain.record_conversation(
        with_people(),
        actor=FACILITATOR,
        participant=AFFECTED,
        answers=[answer(Question.NEEDS_TO_HAPPEN)],
        now=NOW,
    )

    assert len(decision.events) == 1


def test_one_participant_does_not_record_anothers_answers() -> None:
    with pytest.raises(ForbiddenError):
        domain.record_conversation(
            with_people(),
            actor=RESPONSIBLE,
            participant=AFFECTED,
            answers=[answer(Question.NEEDS_TO_HAPPEN)],
            now=NOW,
        )


def test_answers_of_someone_outside_the_repair_are_refused() -> None:
    with pytest.raises(InvalidError) as refused:
        domain.record_conversation(
            with_people(),
            actor=FACILITATOR,
            participant=PersonRef(person_id="p-x-1", department="estates"),
            answers=[answer(Question.NEEDS_TO_HAPPEN)],
            now=NOW,
        )
    assert refused.value.field == "participant"


def test_facilitators_answer_no_restorative_questions() -> None:
    with pytest.raises(InvalidError):
        domain.record_conversation(
            with_people(),
            actor=FACILITATOR,
            participant=FACILITATOR,
            answers=[answer(Question.WHAT_HAPPENED)],
            now=NOW,
        )
