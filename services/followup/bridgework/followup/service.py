"""Follow-up's use cases: each one transaction, state change and outgoing events together."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from bridgework.common.clock import Clock
from bridgework.common.contracts import (
    AgreementReachedV1,
    Channel,
    CheckInOutcome,
    CheckInRecordedV1,
    CommitmentLapsedV1,
    CommitmentRenegotiatedV1,
    Contract,
    NudgeKind,
    NudgeSentV1,
    OutcomeImposedV1,
    ParticipantRole,
    PersonRef,
    RepairEvent,
)
from bridgework.common.events import Event
from bridgework.common.outbox import enqueue
from bridgework.common.postgres import Connection, Pool
from bridgework.followup import repository
from bridgework.followup.domain import (
    Commitment,
    Firing,
    PolicyOf,
    RepairPlan,
    Timer,
    TimerKind,
    agreement_id_for_imposed,
    check_in_id,
    fire,
    nudge_id,
)
from bridgework.followup.errors import ClientError
from bridgework.followup.policy import NudgePolicy, overrides_from_json
from bridgework.followup.repository import Contact, NewNudge, StoredTimer, Webhook

logger = logging.getLogger(__name__)
SOURCE = "/bridgework/followup"
NUDGE_KINDS = {
    TimerKind.REMINDER: NudgeKind.REMINDER,
    TimerKind.LAPSE_OFFER: NudgeKind.LAPSE_OFFER,
    TimerKind.FACILITATOR_SUPPORT: NudgeKind.FACILITATOR_SUPPORT,
    TimerKind.CHECK_IN: NudgeKind.CHECK_IN,
}


@dataclass(frozen=True)
class Outbound:
    """Where follow-up's events go and how long check-in links last."""

    schema: str
    topic: str
    email_enabled: bool
    check_in_link_ttl: timedelta


async def policies(connection: Connection, defaults: NudgePolicy) -> PolicyOf:
    """Every department's effective policy (the table is small: one row per department)."""
    overrides = await repository.policy_overrides(connection)
    return PolicyOf(
        defaults,
        {
            department: defaults.with_overrides(overrides_from_json(stored))
            for department, stored in overrides.items()
        },
    )


# --- the repairs stream -----------------------------------------------------------------


# Events whose folding reads a nudge policy (to time a new commitment's reminder). Any other
# event reads one only through a check-in, which needs a commitment the repair already has.
_EVENTS_READING_POLICIES = (AgreementReachedV1, OutcomeImposedV1, CommitmentRenegotiatedV1)


class _PoliciesNotLoaded(PolicyOf):
    """Stands in when the batch cannot need a policy (see `_EVENTS_READING_POLICIES`)."""

    def __init__(self, defaults: NudgePolicy) -> None:
        super().__init__(defaults, {})

    def __call__(self, person: PersonRef) -> NudgePolicy:
        raise RuntimeError("a nudge policy was needed but not loaded for this batch")


async def apply_repair_events(
    connection: Connection,
    events: Sequence[RepairEvent],
    *,
    clock: Clock,
    defaults: NudgePolicy,
) -> None:
    """Fold a batch of repair events into follow-up's schedule: one query reads what is
    known of the batch's repairs, then one statement per table writes what changed."""
    if not events:
        return
    now = clock.now()
    repair_ids = list(dict.fromkeys(event.repair_id for event in events))
    known = await repository.repair_states(connection, repair_ids)
    plans: dict[UUID, RepairPlan] = {}
    for repair_id in repair_ids:
        state = known.get(repair_id)
        plans[repair_id] = (
            RepairPlan(
                repair_id=repair_id,
                tracked=state.tracked,
                participants=state.participants,
                commitments={c.commitment_id: c for c in state.commitments},
            )
            if state is not None
            else RepairPlan(repair_id=repair_id, tracked=None, participants=[], commitments={})
        )
    if any(isinstance(e, _EVENTS_READING_POLICIES) for e in events) or any(
        state.commitments for state in known.values()
    ):
        policy_of = await policies(connection, defaults)
    else:
        policy_of = _PoliciesNotLoaded(defaults)
    for event in events:
        plans[event.repair_id].apply(event, now=now, policy_of=policy_of)
    # Cancel first: a timer another replica is firing right now makes this wait for it, so a
    # settled commitment never meets a half-fired timer (the firing also re-checks the state).
    await repository.cancel_timers(
        connection, [c for plan in plans.values() for c in plan.cancellations], now=now
    )
    await repository.save_tracked(
        connection,
        [p.tracked for p in plans.values() if p.tracked_changed and p.tracked is not None],
    )
    await repository.add_participants(
        connection, [(p.repair_id, joined) for p in plans.values() for joined in p.new_participants]
    )
    await repository.save_commitments(
        connection,
        [p.commitments[cid] for p in plans.values() for cid in sorted(p.changed_commitments)],
        now=now,
    )
    await repository.schedule(
        connection, [t for p in plans.values() for t in p.new_timers.values()], now=now
    )
    await repository.withdraw_check_ins(
        connection,
        [p.repair_id for p in plans.values() if p.tracked and p.tracked.closed_at is not None],
    )


# --- firing due timers ------------------------------------------------------------------


@dataclass
class _Fired:
    settled: list[tuple[int, str, str | None]]
    postponed: list[tuple[int, datetime]]
    lapsed: list[Commitment]
    follow_ups: list[Timer]
    nudges: list[NewNudge]
    check_ins: list[tuple[UUID, UUID, PersonRef, datetime, datetime]]
    events: list[Event[Contract]]


async def fire_due_timers(
    pool: Pool, *, clock: Clock, defaults: NudgePolicy, outbound: Outbound, batch_size: int
) -> int:
    """Fire one batch of due timers in one transaction; return how many were claimed.

    Replicas claim disjoint timers (FOR UPDATE SKIP LOCKED) and settle them before the
    transaction ends, so each timer fires once however many replicas run. When nothing is
    due (most polls), one cheap look without a transaction is all it costs.
    """
    async with pool.acquire() as connection:
        now = clock.now()
        if not await repository.any_due_timer(connection, now=now):
            return 0
        async with connection.transaction():
            claimed = await repository.claim_due_timers(connection, now=now, limit=batch_size)
            if not claimed:
                return 0
            fired = await _fire(connection, claimed, now=now, defaults=defaults, outbound=outbound)
            await repository.settle_timers(connection, fired.settled, now=now)
            await repository.postpone_timers(connection, fired.postponed)
            await repository.record_lapses(connection, fired.lapsed)
            await repository.schedule(connection, fired.follow_ups, now=now)
            await repository.add_check_ins(connection, fired.check_ins)
            await repository.add_nudges(connection, fired.nudges)
            await enqueue(
                connection, schema=outbound.schema, topic=outbound.topic, events=fired.events
            )
    logger.info(
        "timers: %d fired, %d skipped, %d waiting for a sending window",
        sum(1 for s in fired.settled if s[1] == "fired"),
        sum(1 for s in fired.settled if s[1] == "skipped"),
        len(fired.postponed),
    )
    return len(claimed)


async def _fire(
    connection: Connection,
    claimed: Sequence[StoredTimer],
    *,
    now: datetime,
    defaults: NudgePolicy,
    outbound: Outbound,
) -> _Fired:
    repair_ids = list({s.timer.repair_id for s in claimed})
    commitment_ids = [s.timer.commitment_id for s in claimed if s.timer.commitment_id]
    commitments = await repository.commitments_by_id(connection, commitment_ids)
    tracked = await repository.tracked_repairs(connection, repair_ids)
    people = await repository.participants(connection, repair_ids)
    policy_of = await policies(connection, defaults)
    facilitators = {
        repair_id: [p.person for p in joined if p.role == ParticipantRole.FACILITATOR]
        for repair_id, joined in people.items()
    }
    recipients = {s.timer.recipient.person_id for s in claimed} | {
        f.person_id for fs in facilitators.values() for f in fs
    }
    contacts = await repository.contacts(connection, recipients)
    departments = {s.timer.recipient.department for s in claimed} | {
        f.department for fs in facilitators.values() for f in fs
    }
    hooks = await repository.webhooks(connection, departments)

    result = _Fired([], [], [], [], [], [], [])
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
        result.settled.append((stored.id, firing.outcome, firing.note))
        result.follow_ups.extend(firing.follow_ups)
        if firing.lapsed is not None:
            # Later timers of this batch see the new count (e.g. the offer that follows).
            commitments[firing.lapsed.commitment_id] = firing.lapsed
            result.lapsed.append(firing.lapsed)
            result.events.append(_lapse_event(firing.lapsed, now=now))
        _nudge(result, stored, firing, commitment, contacts, hooks, now=now, outbound=outbound)
    return result


def _lapse_event(commitment: Commitment, *, now: datetime) -> Event[Contract]:
    return Event.new(
        CommitmentLapsedV1(
            repair_id=commitment.repair_id,
            agreement_id=commitment.agreement_id or agreement_id_for_imposed(commitment.repair_id),
            commitment_id=commitment.commitment_id,
            terms_version=commitment.terms_version,
            owner=commitment.owner,
            due_at=commitment.due_at,
            lapsed_at=commitment.due_at,
            lapse_count=commitment.lapse_count,
        ),
        source=SOURCE,
        time=now,
    )


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


def _nudge(
    result: _Fired,
    stored: StoredTimer,
    firing: Firing,
    commitment: Commitment | None,
    contacts: dict[str, Contact],
    hooks: dict[str, Webhook],
    *,
    now: datetime,
    outbound: Outbound,
) -> None:
    timer = stored.timer
    kind = NUDGE_KINDS.get(timer.kind)
    if kind is None or firing.outcome != "fired":
        return
    asked: UUID | None = None
    if kind == NudgeKind.CHECK_IN:
        asked = check_in_id(timer.key)
        result.check_ins.append(
            (asked, timer.repair_id, timer.recipient, now, now + outbound.check_in_link_ttl)
        )
    for recipient in firing.recipients:
        # A heads-up to a facilitator is about the commitment's owner.
        about = commitment.owner if commitment and recipient != commitment.owner else None
        channels = channels_for(
            kind,
            recipient,
            contact=contacts.get(recipient.person_id),
            webhook=hooks.get(recipient.department),
            email_enabled=outbound.email_enabled,
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
            Event.new(
                NudgeSentV1(
                    repair_id=timer.repair_id,
                    nudge_id=nudge.nudge_id,
                    kind=kind,
                    commitment_id=timer.commitment_id,
                    terms_version=timer.terms_version,
                    recipient=recipient,
                    channels=list(channels),
                    sent_at=now,
                ),
                source=SOURCE,
                time=now,
            )
        )


# --- check-in answers -------------------------------------------------------------------


class CheckInError(ClientError):
    """A check-in that cannot take an answer; `code` and `status` say why."""


async def answer_check_in(
    pool: Pool,
    *,
    check_in: UUID,
    outcome: CheckInOutcome,
    comment: str | None,
    clock: Clock,
    outbound: Outbound,
) -> CheckInRecordedV1:
    """Record an affected person's answer once and publish it as CheckInRecorded."""
    async with pool.acquire() as connection, connection.transaction():
        row = await repository.get_check_in(connection, check_in)
        if row is None:
            raise CheckInError(404, "unknown_check_in", "This check-in does not exist (any more).")
        if row["status"] == "answered":
            raise CheckInError(409, "already_answered", "This check-in was answered already.")
        if row["status"] == "withdrawn":
            raise CheckInError(410, "repair_closed", "This repair has been closed since.")
        now = clock.now()
        if not await repository.answer_check_in(
            connection, check_in, outcome=outcome.value, comment=comment, answered_at=now
        ):
            raise CheckInError(409, "already_answered", "This check-in was answered already.")
        recorded = CheckInRecordedV1(
            repair_id=row["repair_id"],
            check_in_id=check_in,
            participant=PersonRef(person_id=row["person_id"], department=row["department"]),
            outcome=outcome,
            comment=comment,
            recorded_at=now,
        )
        await enqueue(
            connection,
            schema=outbound.schema,
            topic=outbound.topic,
            events=[Event.new(recorded, source=SOURCE, time=now)],
        )
    return recorded
