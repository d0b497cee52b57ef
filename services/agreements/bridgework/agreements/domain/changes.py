"""A planned change as agreements keeps it: intake's facts, when each affected department was
first told, and the engagement since (people, answers, proposals, each department's word).

A change is one aggregate, like a repair: every command is a function of the change as it
stands and `now` that returns a `ChangeDecision`. Intake's facts fold in through `record_facts`
(newer revisions only); the rules of the engagement are in `engagement.py`, the response mode
at go-live in `changes_mode.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from bridgework.common.contracts import (
    Adjustment,
    ChangeFacts,
    ChangeKind,
    ChangeUpdatedV1,
    EngagementAnswer,
    EngagementEvent,
    EngagementRole,
    PersonRef,
    ResponseMode,
)
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.errors import DomainError, ErrorKind


@dataclass(frozen=True)
class EngagedPerson:
    """Someone taking part in a change's engagement, for one department."""

    person: PersonRef
    role: EngagementRole
    joined_at: datetime


@dataclass(frozen=True)
class AnswersRecord:
    """One representative's answers to the proactive questions, sealed with their key."""

    representative: PersonRef
    answers: tuple[EngagementAnswer, ...]
    answered_at: datetime


@dataclass(frozen=True)
class DepartmentWord:
    """A department's latest word on one version: consent, or an objection and its reason."""

    department: str
    version: int
    representative: PersonRef
    consented: bool
    at: datetime
    reason: Sealed | None = None  # the representative's key


@dataclass(frozen=True)
class ChangeProposal:
    """One version of the adjustments, put to every affected department."""

    version: int
    adjustments: tuple[Adjustment, ...]
    proposed_by: PersonRef
    proposed_at: datetime


@dataclass(frozen=True)
class KeptAdjustment:
    commitment_id: UUID
    kept_at: datetime
    on_time: bool


@dataclass(frozen=True)
class GoLive:
    """The change went live, and the mode agreements decided then."""

    went_live_at: datetime
    response_mode: ResponseMode
    consented_version: int | None


@dataclass(frozen=True)
class Change:
    """A planned change and its engagement."""

    change_id: UUID
    revision: int
    title: str
    kind: ChangeKind
    owner: PersonRef
    affected_departments: tuple[str, ...]
    planned_go_live: datetime
    recorded_at: datetime
    # When agreements first knew each department (ever named) was affected: what "told" means.
    told_at: dict[str, datetime]
    people: tuple[EngagedPerson, ...] = ()
    answers: tuple[AnswersRecord, ...] = ()
    proposals: tuple[ChangeProposal, ...] = ()
    words: tuple[DepartmentWord, ...] = ()
    kept: tuple[KeptAdjustment, ...] = ()
    go_live: GoLive | None = None

    @property
    def live(self) -> bool:
        return self.go_live is not None

    @property
    def current(self) -> ChangeProposal | None:
        return self.proposals[-1] if self.proposals else None

    def person(self, person_id: str) -> EngagedPerson | None:
        return next((p for p in self.people if p.person.person_id == person_id), None)

    def representatives_of(self, department: str) -> tuple[EngagedPerson, ...]:
        return tuple(
            p
            for p in self.people
            if p.role == EngagementRole.REPRESENTATIVE and p.person.department == department
        )

    def word_of(self, department: str, version: int) -> DepartmentWord | None:
        return next(
            (w for w in self.words if w.department == department and w.version == version), None
        )

    def agreed_version(self) -> ChangeProposal | None:
        """The current version, once every affected department consented to it."""
        current = self.current
        if current is None:
            return None
        for department in self.affected_departments:
            word = self.word_of(department, current.version)
            if word is None or not word.consented:
                return None
        return current


@dataclass(frozen=True)
class ChangeDecision:
    """The change after a command, and the events that announce it (none: nothing changed)."""

    change: Change
    events: tuple[EngagementEvent, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.events)


def new_change(facts: ChangeFacts) -> Change:
    """The change as first heard of (recorded, or first heard of through an update)."""
    told = _told_at(facts)
    return Change(
        change_id=facts.change_id,
        revision=_revision(facts),
        title=facts.title,
        kind=facts.kind,
        owner=facts.owner,
        affected_departments=tuple(facts.affected_departments),
        planned_go_live=facts.planned_go_live,
        recorded_at=facts.recorded_at,
        told_at={department: told for department in facts.affected_departments},
    )


def record_facts(change: Change, facts: ChangeFacts) -> Change:
    """Fold a newer revision of intake's facts in; an older or repeated one changes nothing.
    A department named for the first time is told when agreements hears of it."""
    revision = _revision(facts)
    if revision <= change.revision:
        return change
    told = dict(change.told_at)
    for department in facts.affected_departments:
        told.setdefault(department, _told_at(facts))
    return replace(
        change,
        revision=revision,
        title=facts.title,
        kind=facts.kind,
        owner=facts.owner,
        affected_departments=tuple(facts.affected_departments),
        planned_go_live=facts.planned_go_live,
        told_at=told,
    )


def fold_facts(known: Change | None, facts: Sequence[ChangeFacts]) -> Change | None:
    """A change's stored state with a batch of its facts folded in, oldest revision first."""
    change = known
    for fact in sorted(facts, key=_revision):
        change = new_change(fact) if change is None else record_facts(change, fact)
    return change


def require_not_live(change: Change) -> None:
    """The engagement happens before go-live; afterwards it is history."""
    if change.go_live is not None:
        raise DomainError(
            "change_live",
            f"change {change.change_id} went live at {change.go_live.went_live_at.isoformat()}:"
            " its engagement is closed",
            kind=ErrorKind.CONFLICT,
        )


def require_affected(change: Change, department: str, *, field: str) -> None:
    """The department is one the change affects (as intake's latest facts say)."""
    if department not in change.affected_departments:
        raise DomainError.invalid(
            field,
            f"{department} is not affected by this change"
            f" (affected: {', '.join(change.affected_departments)})",
        )


def unknown_change(change_id: UUID) -> DomainError:
    return DomainError("unknown_change", f"no change {change_id}", kind=ErrorKind.NOT_FOUND)


def _revision(facts: ChangeFacts) -> int:
    return facts.revision if isinstance(facts, ChangeUpdatedV1) else 1


def _told_at(facts: ChangeFacts) -> datetime:
    return facts.updated_at if isinstance(facts, ChangeUpdatedV1) else facts.recorded_at
