"""The engagement of a change before it goes live: people join for a department, representatives
answer the proactive questions, and each affected department consents or objects (docs/agreements.md,
"Changes"). Proposals and kept adjustments are in `engagement_proposals.py`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from bridgework.agreements.domain.changes import (
    AnswersRecord,
    Change,
    ChangeDecision,
    DepartmentWord,
    EngagedPerson,
    require_affected,
    require_not_live,
)
from bridgework.common.contracts import (
    AdjustmentsAgreedV1,
    DepartmentConsentedV1,
    DepartmentObjectedV1,
    EngagementAnswer,
    EngagementAnsweredV1,
    EngagementEvent,
    EngagementRole,
    PersonRef,
    RepresentativeJoinedV1,
)
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.errors import DomainError, ErrorKind


def join(
    change: Change, person: PersonRef, role: EngagementRole, *, now: datetime
) -> ChangeDecision:
    """The person takes part for their department: a representative of an affected department,
    or the owner's side (a person of the owner's department). Joining again in the same role
    changes nothing; in another role it is a conflict."""
    require_not_live(change)
    if role == EngagementRole.REPRESENTATIVE:
        require_affected(change, person.department, field="participant.department")
    elif person.department != change.owner.department:
        raise DomainError.invalid(
            "participant.department",
            f"the owner's side is {change.owner.department}, the department that plans the change",
        )
    present = change.person(person.person_id)
    if present is not None:
        if present.person == person and present.role == role:
            return ChangeDecision(change)
        raise DomainError(
            "already_engaged",
            f"{person.person_id} already takes part as {present.role.value}"
            f" for {present.person.department}",
            kind=ErrorKind.CONFLICT,
        )
    event = RepresentativeJoinedV1(
        change_id=change.change_id,
        participant=person,
        role=role,
        department=person.department,
        joined_at=now,
    )
    joined = EngagedPerson(person=person, role=role, joined_at=now)
    return ChangeDecision(replace(change, people=(*change.people, joined)), (event,))


def answer(
    change: Change, *, actor: PersonRef, answers: Sequence[EngagementAnswer], now: datetime
) -> ChangeDecision:
    """A representative answers the proactive questions for their department (their own
    answers only); later answers add to earlier ones."""
    require_not_live(change)
    representative = require_representative(change, actor, actor.department, field="actor")
    if not answers:
        raise DomainError.invalid("answers", "at least one answer is needed")
    seen: set[str] = set()
    for index, given in enumerate(answers):
        if given.question in seen:
            raise DomainError.invalid(f"answers.{index}.question", "answered twice in one record")
        seen.add(given.question)
    record = AnswersRecord(representative=representative, answers=tuple(answers), answered_at=now)
    event = EngagementAnsweredV1(
        change_id=change.change_id,
        representative=representative,
        department=representative.department,
        answers=list(answers),
        answered_at=now,
    )
    return ChangeDecision(replace(change, answers=(*change.answers, record)), (event,))


def consent(
    change: Change, *, actor: PersonRef, department: str, version: int, now: datetime
) -> ChangeDecision:
    """One of the department's representatives consents, for it, to the current version."""
    representative = _answerable(change, actor, department, version)
    earlier = change.word_of(department, version)
    if earlier is not None and earlier.consented:
        return ChangeDecision(change)
    word = DepartmentWord(department, version, representative, consented=True, at=now)
    event: EngagementEvent = DepartmentConsentedV1(
        change_id=change.change_id,
        department=department,
        version=version,
        representative=representative,
        consented_at=now,
    )
    after = _with_word(change, word)
    agreed = after.agreed_version()
    if agreed is None:
        return ChangeDecision(after, (event,))
    # The last consent needed brings the version into force, as a repair's agreement is reached.
    reached = AdjustmentsAgreedV1(
        change_id=change.change_id,
        version=agreed.version,
        adjustments=list(agreed.adjustments),
        consented_by=list(after.affected_departments),
        agreed_at=now,
    )
    return ChangeDecision(after, (event, reached))


def object_to(
    change: Change,
    *,
    actor: PersonRef,
    department: str,
    version: int,
    reason: Sealed,
    now: datetime,
) -> ChangeDecision:
    """One of the department's representatives objects, for it, to the current version."""
    representative = _answerable(change, actor, department, version)
    earlier = change.word_of(department, version)
    if earlier is not None and not earlier.consented and earlier.reason == reason:
        return ChangeDecision(change)
    word = DepartmentWord(department, version, representative, False, now, reason)
    event: EngagementEvent = DepartmentObjectedV1(
        change_id=change.change_id,
        department=department,
        version=version,
        representative=representative,
        reason=reason,
        objected_at=now,
    )
    return ChangeDecision(_with_word(change, word), (event,))


def require_representative(
    change: Change, actor: PersonRef, department: str, *, field: str
) -> PersonRef:
    """The actor represents the department in this change's engagement."""
    present = change.person(actor.person_id)
    if (
        present is None
        or present.role != EngagementRole.REPRESENTATIVE
        or present.person.department != department
    ):
        raise DomainError(
            "not_a_representative",
            f"{field}: {actor.person_id} does not represent {department} in this change;"
            " a representative joins first (POST /v1/changes/{change_id}/participants)",
            kind=ErrorKind.FORBIDDEN,
            field=field,
        )
    return present.person


def require_engaged(change: Change, actor: PersonRef) -> PersonRef:
    """The actor takes part in the change's engagement (owner's side or a representative)."""
    present = change.person(actor.person_id)
    if present is None or present.person != actor:
        raise DomainError(
            "not_engaged",
            f"{actor.person_id} does not take part in this change's engagement",
            kind=ErrorKind.FORBIDDEN,
        )
    return present.person


def require_answers_reader(change: Change, reader_id: str) -> None:
    """The answers are confidential to the people taking part (owner's side included)."""
    if change.person(reader_id) is None:
        raise DomainError(
            "not_engaged",
            "the answers are confidential to the people taking part in this change",
            kind=ErrorKind.FORBIDDEN,
        )


def _answerable(change: Change, actor: PersonRef, department: str, version: int) -> PersonRef:
    require_not_live(change)
    require_affected(change, department, field="department")
    representative = require_representative(change, actor, department, field="department")
    current = change.current
    if current is None:
        raise DomainError(
            "no_proposal_pending",
            "no adjustments have been proposed: a department consents to a proposal",
            kind=ErrorKind.CONFLICT,
        )
    if version != current.version:
        raise DomainError(
            "stale_version",
            f"version {version} is not the current one; version {current.version} is",
            kind=ErrorKind.CONFLICT,
        )
    return representative


def _with_word(change: Change, word: DepartmentWord) -> Change:
    others = tuple(
        w
        for w in change.words
        if not (w.department == word.department and w.version == word.version)
    )
    return replace(change, words=(*others, word))
