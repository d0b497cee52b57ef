"""What a batch of due timers sends: the nudges, their channels, the check-ins they ask and
the facts they publish, from the state as it stands when they fire."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from bridgework.common.contracts import (
    Channel,
    CommitmentLapsedV1,
    Contract,
    NudgeKind,
    NudgeSentV1,
    ParticipantRole,
    PersonRef,
)
from bridgework.followup.domain.check_ins import AskedCheckIn
from bridgework.followup.domain.contacts import Contact, Webhook
from bridgework.followup.domain.firing import Firing, fire
from bridgework.followup.domain.nudge_policy import PolicyOf
from bridgework.followup.domain.schedule import (
    Commitment,
    Participant,
    StoredTimer,
    Timer,
    TimerKind,
    TrackedRepair,
    agreement_id_for_imposed,
    nudge_id,
)

NUDGE_KINDS = {
    TimerKind.REMINDER: NudgeKind.REMINDER,
    TimerKind.LAPSE_OFFER: NudgeKind.LAPSE_OFFER,
    TimerKind.FACILITATOR_SUPPORT: NudgeKind.FACILITATOR_SUPPORT,
    TimerKind.CHECK_IN: NudgeKind.CHECK_IN,
}


@dataclass(frozen=True)
class NewNudge:
    """A message that went out to one recipient, to store with a delivery per channel."""

    nudge_id: UUID
    timer_id: int
    kind: str
    repair_id: UUID
    commitment_id: UUID | None
    terms_version: int | None
    recipient: PersonRef
    about: PersonRef | None
    channels: tuple[str, ...]
    check_in_id: UUID | None
    sent_at: datetime


@dataclass(frozen=True)
class SettledTimer:
    """A timer done with: `fired` or `skipped`, and why it was skipped."""

    id: int
    status: str
    outcome: str | None


@dataclass
class FiredTimers:
    """What firing a batch of timers changes, table by table, and the facts to publish."""

    settled: list[SettledTimer] = field(default_factory=list)
    postponed: list[tuple[int, datetime]] = field(default_factory=list)
    lapsed: list[Commitment] = field(default_factory=list)
    follow_ups: list[Timer] = field(default_factory=list)
    nudges: list[NewNudge] = field(default_factory=list)
    check_ins: list[AskedCheckIn] = field(default_factory=list)
    events: list[Contract] = field(default_factory=list)

    def count(self, status: str) -> int:
        """How many timers were settled with `status`."""
        return sum(1 for settled in self.settled if settled.status == status)


@dataclass(frozen=True)
class Reach:
    """The settings of a batch's sending: whether e-mail goes out, how long links last, and
    where a new check-in's id comes from (random, so no link can be worked out from the
    repair's public facts; drawn by the use case, which keeps this module pure)."""

    email_enabled: bool
    check_in_link_ttl: timedelta
    new_check_in_id: Callable[[], UUID]


def facilitators_of(people: Mapping[UUID, list[Participant]]) -> dict[UUID, list[PersonRef]]:
    """Each repair's facilitators."""
    return {
        repair_id: [p.person for p in joined if p.role == ParticipantRole.FACILITATOR]
        for repair_id, joined in people.items()
    }


def recipients_of(
    claimed: Sequence[StoredTimer], facilitators: Mapping[UUID, list[PersonRef]]
) -> list[PersonRef]:
    """Everyone a batch of timers may write to: their recipients and the facilitators."""
    return [s.timer.recipient for s in claimed] + [f for fs in facilitators.values() for f in fs]


def channels_for(
    kind: NudgeKind,
    recipient: PersonRef,
    *,
    contact: Contact | None,
    webhook: Webhook | None,
    email_enabled: bool,
) -> tuple[Channel, ...]:
    """The channels a nudge goes out on: e-mail if the person has an address, a webhook if
    they have a channel of their own or their department takes this kind, and always the
    event itself."""
    channels: list[Channel] = []
    if email_enabled and contact is not None and contact.email:
        channels.append(Channel.EMAIL)
    if (contact is not None and contact.webhook_url) or (
        webhook is not None and kind.value in webhook.kinds
    ):
        channels.append(Channel.WEBHOOK)
    channels.append(Channel.EVENT)
    return tuple(channels)


def fire_timers(
    claimed: Iterable[StoredTimer],
    *,
    commitments: Mapping[UUID, Commitment],
    tracked: Mapping[UUID, TrackedRepair],
    facilitators: Mapping[UUID, list[PersonRef]],
    policy_of: PolicyOf,
    contacts: Mapping[str, Contact],
    hooks: Mapping[str, Webhook],
    reach: Reach,
    now: datetime,
) -> FiredTimers:
    """Fire each claimed timer in order; later timers of the batch see earlier lapses."""
    commitments = dict(commitments)
    result = FiredTimers()
    for stored in claimed:
        timer = stored.timer
        commitment = commitments.get(timer.commitment_id) if timer.commitment_id else None
        firing = fire(
            timer,
            commitment=commitment,
            repair=tracked.get(timer.repair_id),
            facilitators=[
                f
                for f in facilitators.get(timer.repair_id, [])
                if commitment is None or f.person_id != commitment.owner.person_id
            ],
            policy=policy_of(timer.recipient),
            now=now,
        )
        if firing.outcome == "later":
            assert firing.fire_at is not None
            result.postponed.append((stored.id, firing.fire_at))
            continue
        result.settled.append(SettledTimer(stored.id, firing.outcome, firing.note))
        result.follow_ups.extend(firing.follow_ups)
        if firing.lapsed is not None:
            # Later timers of this batch see the new count (e.g. the offer that follows).
            commitments[firing.lapsed.commitment_id] = firing.lapsed
            result.lapsed.append(firing.lapsed)
            result.events.append(lapse_fact(firing.lapsed))
        _nudge(result, stored, firing, commitment, contacts, hooks, reach=reach, now=now)
    return result


def lapse_fact(commitment: Commitment) -> CommitmentLapsedV1:
    """CommitmentLapsed: the terms in force lapsed at their due date."""
    return CommitmentLapsedV1(
        repair_id=commitment.repair_id,
        agreement_id=commitment.agreement_id or agreement_id_for_imposed(commitment.repair_id),
        commitment_id=commitment.commitment_id,
        terms_version=commitment.terms_version,
        owner=commitment.owner,
        due_at=commitment.due_at,
        lapsed_at=commitment.due_at,
        lapse_count=commitment.lapse_count,
    )


def _nudge(
    result: FiredTimers,
    stored: StoredTimer,
    firing: Firing,
    commitment: Commitment | None,
    contacts: Mapping[str, Contact],
    hooks: Mapping[str, Webhook],
    *,
    reach: Reach,
    now: datetime,
) -> None:
    timer = stored.timer
    kind = NUDGE_KINDS.get(timer.kind)
    if kind is None or firing.outcome != "fired":
        return
    asked: UUID | None = None
    if kind == NudgeKind.CHECK_IN:
        asked = reach.new_check_in_id()
        result.check_ins.append(
            AskedCheckIn(
                asked,
                timer.repair_id,
                timer.recipient,
                now,
                now + reach.check_in_link_ttl,
                stored.id,
            )
        )
    for recipient in firing.recipients:
        # A heads-up to a facilitator is about the commitment's owner.
        about = commitment.owner if commitment and recipient != commitment.owner else None
        channels = channels_for(
            kind,
            recipient,
            contact=contacts.get(recipient.person_id),
            webhook=hooks.get(recipient.department),
            email_enabled=reach.email_enabled,
        )
        nudge = NewNudge(
            nudge_id=nudge_id(timer.key, recipient),
            timer_id=stored.id,
            kind=kind.value,
            repair_id=timer.repair_id,
            commitment_id=timer.commitment_id,
            terms_version=timer.terms_version,
            recipient=recipient,
            about=about,
            channels=tuple(c.value for c in channels),
            check_in_id=asked,
            sent_at=now,
        )
        result.nudges.append(nudge)
        result.events.append(
            NudgeSentV1(
                repair_id=timer.repair_id,
                nudge_id=nudge.nudge_id,
                kind=kind,
                commitment_id=timer.commitment_id,
                terms_version=timer.terms_version,
                recipient=recipient,
                channels=list(channels),
                sent_at=now,
            )
        )
