"""The restorative conversation: which questions each role answers, and who records and reads
the answers (confidential to the repair's participants)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bridgework.agreements.domain.repair import (
    Decision,
    Repair,
    require_open,
    require_participant,
)
from bridgework.common.contracts import (
    Answer,
    ConversationRecordedV1,
    ParticipantRole,
    PersonRef,
    Question,
)
from bridgework.common.errors import DomainError, ErrorKind

# Which restorative questions each role answers. Supporters speak, like the
# affected, to what they saw and what it did to them and those around them.
QUESTIONS_OF_THE_RESPONSIBLE = frozenset(
    {
        Question.WHAT_HAPPENED,
        Question.THINKING_AT_THE_TIME,
        Question.THOUGHT_SINCE,
        Question.WHO_AFFECTED_AND_HOW,
        Question.MAKE_THINGS_RIGHT,
    }
)
QUESTIONS_OF_THE_AFFECTED = frozenset(
    {
        Question.THOUGHT_WHEN_REALISED,
        Question.IMPACT_ON_YOU_AND_OTHERS,
        Question.HARDEST_THING,
        Question.NEEDS_TO_HAPPEN,
    }
)
QUESTIONS_BY_ROLE: dict[ParticipantRole, frozenset[Question]] = {
    ParticipantRole.RESPONSIBLE: QUESTIONS_OF_THE_RESPONSIBLE,
    ParticipantRole.AFFECTED: QUESTIONS_OF_THE_AFFECTED,
    ParticipantRole.SUPPORTER: QUESTIONS_OF_THE_AFFECTED,
    ParticipantRole.FACILITATOR: frozenset(),
}


@dataclass(frozen=True)
class PlainAnswer:
    """An answer as the participant gives it, before it is sealed with their key."""

    question: Question
    text: str


@dataclass(frozen=True)
class ConversationRecord:
    """One participant's answers as recorded, and who wrote them down."""

    participant: PersonRef
    role: ParticipantRole
    answers: tuple[Answer, ...]
    recorded_by: str
    recorded_at: datetime


def record_conversation(
    repair: Repair,
    *,
    actor: PersonRef,
    participant: PersonRef,
    answers: Sequence[Answer],
    now: datetime,
) -> Decision:
    """Record a participant's answers (by themselves or a facilitator); later answers add to earlier."""
    require_open(repair)
    acting = require_participant(repair, actor)
    speaker = repair.participant(participant.person_id)
    if speaker is None or speaker.person != participant:
        raise DomainError.invalid("participant", "is not a participant of this repair")
    if acting.person != participant and acting.role != ParticipantRole.FACILITATOR:
        raise DomainError(
            "not_your_answers",
            "only the participant or a facilitator records these answers",
            kind=ErrorKind.FORBIDDEN,
        )
    if not answers:
        raise DomainError.invalid("answers", "at least one answer is needed")
    asked = QUESTIONS_BY_ROLE[speaker.role]
    seen: set[Question] = set()
    for index, answer in enumerate(answers):
        if answer.question not in asked:
            raise DomainError.invalid(
                f"answers.{index}.question",
                f"{answer.question.value} is not asked of a {speaker.role.value} participant",
            )
        if answer.question in seen:
            raise DomainError.invalid(f"answers.{index}.question", "answered twice in one record")
        seen.add(answer.question)
    event = ConversationRecordedV1(
        repair_id=repair.repair_id,
        participant=speaker.person,
        role=speaker.role,
        answers=list(answers),
        recorded_at=now,
    )
    return Decision(repair, (event,))


def require_reader(repair: Repair, reader_id: str) -> None:
    """Only the repair's participants (facilitators included) read its conversation."""
    if repair.participant(reader_id) is None:
        raise DomainError(
            "not_a_participant",
            "the conversation is confidential to the repair's participants",
            kind=ErrorKind.FORBIDDEN,
        )
