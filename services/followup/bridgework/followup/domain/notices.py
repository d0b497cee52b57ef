"""Notifications beside the nudges: a proposal waits for someone's consent, or a repair waits
for a facilitator. Each tells a person once, with a link to the page where they act.

- Consent needed: each person an AgreementProposed names in `consent_required_from` is told,
  unless they answered (ConsentGiven or ConsentDeclined) or a later version superseded it
  before the message goes; an imposed outcome or a closed repair ends the wait.
- A facilitator needed: a repair that opens without one is announced to the leads of its
  departments and to the change team (people whose contact carries that role), with a gentle
  reminder `facilitator_reminder_after` later; a facilitator joining or offering ends it.

Neither is a nudge about a commitment, so neither publishes NudgeSent (its `kind` is a closed
enum that consumers validate); both are stored and delivered like nudges.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from bridgework.common.contracts import (
    AgreementProposedV1,
    ConsentDeclinedV1,
    ConsentGivenV1,
    FacilitationOfferedV1,
    OutcomeImposedV1,
    ParticipantJoinedV1,
    ParticipantRole,
    PersonRef,
    RepairClosedV1,
    RepairEvent,
    RepairOpenedV1,
)
from bridgework.followup.domain.contacts import Contact
from bridgework.followup.domain.firing import Firing
from bridgework.followup.domain.nudge_policy import NudgePolicy, allows, next_allowed
from bridgework.followup.domain.schedule import Timer, TimerKind

# The repair facts that start, answer or end a notification.
NOTICE_EVENTS = (
    RepairOpenedV1,
    ParticipantJoinedV1,
    FacilitationOfferedV1,
    AgreementProposedV1,
    ConsentGivenV1,
    ConsentDeclinedV1,
    OutcomeImposedV1,
    RepairClosedV1,
)
NOTICE_TIMER_KINDS = (TimerKind.CONSENT_NEEDED, TimerKind.FACILITATOR_NEEDED)


class NoticeKind(StrEnum):
    """The messages of notifications, as nudges and deliveries record them."""

    CONSENT_NEEDED = "consent_needed"
    FACILITATOR_NEEDED = "facilitator_needed"
    FACILITATOR_STILL_NEEDED = "facilitator_still_needed"  # the reminder


class ChannelKind(StrEnum):
    """What a department's webhook may take: the nudges, and the call for a facilitator."""

    REMINDER = "reminder"
    LAPSE_OFFER = "lapse_offer"
    FACILITATOR_SUPPORT = "facilitator_support"
    CHECK_IN = "check_in"
    CONSENT_NEEDED = "consent_needed"
    FACILITATOR_NEEDED = "facilitator_needed"


# Addressed to one person about a repair they take part in: never to a department's channel.
PERSONAL_KINDS = (ChannelKind.CHECK_IN, ChannelKind.CONSENT_NEEDED)


def channel_kind(message_kind: str) -> str:
    """The kind a department's webhook chooses that covers `message_kind`."""
    if message_kind == NoticeKind.FACILITATOR_STILL_NEEDED:
        return NoticeKind.FACILITATOR_NEEDED.value
    return message_kind


ConsentKey = tuple[UUID, int, str]  # repair, agreement version, person


@dataclass(frozen=True)
class ConsentRequest:
    """A version of an agreement waits for this person's consent."""

    repair_id: UUID
    agreement_id: UUID
    version: int
    person: PersonRef

    @property
    def key(self) -> ConsentKey:
        return (self.repair_id, self.version, self.person.person_id)


@dataclass
class NoticePlan:
    """What a batch of repair events changes for notifications."""

    requests: dict[ConsentKey, ConsentRequest] = field(default_factory=dict)
    answered: list[ConsentKey] = field(default_factory=list)
    superseded: dict[UUID, int] = field(default_factory=dict)  # versions below this one
    settled: set[UUID] = field(default_factory=set)  # repairs no longer waiting for consent
    wanting_facilitator: dict[UUID, tuple[str, ...]] = field(default_factory=dict)
    facilitator_found: set[UUID] = field(default_factory=set)
    consent_timers: dict[ConsentKey, Timer] = field(default_factory=dict)

    def apply(self, event: RepairEvent, *, now: datetime) -> None:
        """Fold one repair event into the plan."""
        if isinstance(event, RepairOpenedV1):
            if event.repair_id not in self.facilitator_found:
                self.wanting_facilitator[event.repair_id] = tuple(event.departments)
        elif isinstance(event, ParticipantJoinedV1 | FacilitationOfferedV1):
            if (
                isinstance(event, FacilitationOfferedV1)
                or event.role == ParticipantRole.FACILITATOR
            ):
                self.wanting_facilitator.pop(event.repair_id, None)
                self.facilitator_found.add(event.repair_id)
        elif isinstance(event, AgreementProposedV1):
            self._propose(event, now=now)
        elif isinstance(event, ConsentGivenV1 | ConsentDeclinedV1):
            key = (event.repair_id, event.version, event.participant.person_id)
            self.answered.append(key)
            self.consent_timers.pop(key, None)
        elif isinstance(event, OutcomeImposedV1 | RepairClosedV1):
            self.settled.add(event.repair_id)
            self._drop_consent_timers(event.repair_id, below=None)
            if isinstance(event, RepairClosedV1):
                self.wanting_facilitator.pop(event.repair_id, None)

    def _propose(self, event: AgreementProposedV1, *, now: datetime) -> None:
        repair_id, version = event.repair_id, event.version
        self.superseded[repair_id] = max(version, self.superseded.get(repair_id, 0))
        self._drop_consent_timers(repair_id, below=version)
        for person in event.consent_required_from:
            request = ConsentRequest(repair_id, event.agreement_id, version, person)
            self.requests[request.key] = request
            self.consent_timers[request.key] = Timer(
                TimerKind.CONSENT_NEEDED, repair_id, person, now, terms_version=version
            )

    def _drop_consent_timers(self, repair_id: UUID, *, below: int | None) -> None:
        self.consent_timers = {
            key: timer
            for key, timer in self.consent_timers.items()
            if key[0] != repair_id or (below is not None and key[1] >= below)
        }


def plan_notices(events: Iterable[RepairEvent], *, now: datetime) -> NoticePlan:
    """What a batch of repair events changes for notifications, in order."""
    plan = NoticePlan()
    for event in events:
        if isinstance(event, NOTICE_EVENTS):
            plan.apply(event, now=now)
    return plan


def finders_of_facilitators(
    departments: Sequence[str], people: Iterable[Contact]
) -> list[PersonRef]:
    """Who is told that a repair between `departments` waits for a facilitator: the leads of
    those departments and the change team, as their contacts say."""
    found: dict[str, PersonRef] = {}
    for contact in people:
        if contact.department is None:
            continue
        leads = "department_lead" in contact.roles and contact.department in departments
        if leads or "change_team" in contact.roles:
            found.setdefault(
                contact.person_id,
                PersonRef(person_id=contact.person_id, department=contact.department),
            )
    return list(found.values())


def facilitator_timers(
    wanting: Mapping[UUID, tuple[str, ...]], people: Sequence[Contact], *, now: datetime
) -> list[Timer]:
    """The first call for a facilitator, one per person to tell, for each repair wanting one."""
    return [
        Timer(TimerKind.FACILITATOR_NEEDED, repair_id, person, now)
        for repair_id, departments in wanting.items()
        for person in finders_of_facilitators(departments, people)
    ]


@dataclass(frozen=True)
class RepairAtHand:
    """What a notification needs to know of its repair when it fires or is written."""

    repair_id: UUID
    opened_at: datetime
    departments: tuple[str, ...]
    closed: bool
    facilitator_found: bool


def still_waiting(
    kind: TimerKind | str,
    repair: RepairAtHand | None,
    *,
    consent: ConsentKey,
    awaiting: frozenset[ConsentKey] | set[ConsentKey],
) -> str | None:
    """Why a notification no longer stands (None: it does)."""
    if repair is not None and repair.closed:
        return "repair_closed"
    if kind == TimerKind.CONSENT_NEEDED:
        return None if consent in awaiting else "no_longer_awaited"
    if repair is None:
        return "unknown_repair"
    return "facilitator_found" if repair.facilitator_found else None


def fire_notice(
    timer: Timer,
    *,
    repair: RepairAtHand | None,
    awaiting: frozenset[ConsentKey] | set[ConsentKey],
    policy: NudgePolicy,
    reminder_after: timedelta,
    now: datetime,
) -> Firing:
    """What a due notification timer does, from the state as it stands."""
    consent = (timer.repair_id, timer.terms_version or 0, timer.recipient.person_id)
    gone = still_waiting(timer.kind, repair, consent=consent, awaiting=awaiting)
    if gone is not None:
        return Firing("skipped", gone)
    if not allows(policy, now):
        return Firing("later", fire_at=next_allowed(policy, now))
    follow_ups: tuple[Timer, ...] = ()
    if timer.kind == TimerKind.FACILITATOR_NEEDED and timer.sequence == 0:
        follow_ups = (replace(timer, sequence=1, fire_at=now + reminder_after),)
    return Firing("fired", recipients=(timer.recipient,), follow_ups=follow_ups)


def message_kind(timer: Timer) -> NoticeKind:
    """The message a fired notification timer sends."""
    if timer.kind == TimerKind.CONSENT_NEEDED:
        return NoticeKind.CONSENT_NEEDED
    if timer.sequence > 0:
        return NoticeKind.FACILITATOR_STILL_NEEDED
    return NoticeKind.FACILITATOR_NEEDED
