"""Follow-up's event subscribers: the repairs stream builds and moves the schedule; the
privacy stream erases people (PersonErased)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from faststream.kafka import KafkaBroker

from bridgework.common.clock import Clock
from bridgework.common.consumer import Applier, BatchConsumer, subscribe
from bridgework.common.contracts import (
    Contract,
    FacilitationOfferAnsweredV1,
    FacilitationOfferedV1,
    PersonErasedV1,
    RepairEvent,
)
from bridgework.common.events import Event
from bridgework.common.postgres import Connection, Pool
from bridgework.followup.domain.nudge_policy import NudgePolicy
from bridgework.followup.settings import FollowupSettings
from bridgework.followup.use_cases.change_adjustments import track_adjustment_events
from bridgework.followup.use_cases.changes import track_change_events
from bridgework.followup.use_cases.notices import apply_notice_events
from bridgework.followup.use_cases.privacy import apply_erasures, tombstone_events
from bridgework.followup.use_cases.tracking import apply_repair_events

CONSUMER_NAME = "followup.repairs"
PRIVACY_CONSUMER = "followup.privacy"
CHANGES_CONSUMER = "followup.changes"

# Repair facts that set, move or cancel no nudge: offers to facilitate (an approved offer
# also brings a ParticipantJoined, which is what follow-up tracks). An offer still ends the
# call for a facilitator (notifications, `use_cases/notices.py`).
IGNORED = (FacilitationOfferedV1, FacilitationOfferAnsweredV1)


def repair_events_applier(*, clock: Clock, defaults: NudgePolicy) -> Applier:
    """What the repairs consumer runs on each batch, inside its transaction (and the bench)."""

    async def on_repair_events(connection: Connection, events: Sequence[Event[Contract]]) -> None:
        every = [e.data for e in events if isinstance(e.data, RepairEvent)]
        # An erased person's id is their tombstone in every event folded after the erasure.
        every = await tombstone_events(connection=connection, events=every)
        repair_events = [e for e in every if not isinstance(e, IGNORED)]
        await apply_repair_events(
            connection=connection, events=repair_events, clock=clock, defaults=defaults
        )
        await apply_notice_events(connection=connection, events=every, clock=clock)

    return on_repair_events


def subscribe_all(
    broker: KafkaBroker,
    pool: Pool,
    *,
    settings: FollowupSettings,
    clock: Clock,
    defaults: NudgePolicy,
) -> None:
    """Register every subscriber of the follow-up service."""
    subscribe(
        broker,
        topics=[settings.topics.repairs],
        group_id=f"{settings.topic_namespace}.followup",
        consumer=BatchConsumer(
            name=CONSUMER_NAME,
            pool=pool,
            broker=broker,
            apply=repair_events_applier(clock=clock, defaults=defaults),
            max_attempts=settings.consumer_max_attempts,
        ),
        batch_size=settings.consumer_batch_size,
        description=(
            "Builds the follow-up schedule from the repairs stream: RepairOpened and"
            " ParticipantJoined (who to nudge), AgreementReached and OutcomeImposed (the"
            " commitments and their timers), CommitmentKept/Released/Renegotiated (cancel or"
            " move a commitment's timers), RepairClosed (cancel everything). Notifications:"
            " AgreementProposed, ConsentGiven/Declined (consent needed), RepairOpened,"
            " ParticipantJoined as facilitator and FacilitationOffered (a facilitator needed)."
        ),
    )
    subscribe(
        broker,
        topics=[settings.topics.privacy],
        group_id=f"{settings.topic_namespace}.followup.privacy",
        consumer=BatchConsumer(
            name=PRIVACY_CONSUMER,
            pool=pool,
            broker=broker,
            apply=partial(on_person_erased, clock=clock),
            max_attempts=settings.consumer_max_attempts,
        ),
        batch_size=settings.consumer_batch_size,
        description=(
            "Erases a person (PersonErased, by digest): deletes their contact details,"
            " cancels what was due to them and replaces their id by the tombstone."
        ),
    )
    subscribe(
        broker,
        topics=[settings.topics.changes, settings.topics.engagements],
        group_id=f"{settings.topic_namespace}.followup.changes",
        consumer=BatchConsumer(
            name=CHANGES_CONSUMER,
            pool=pool,
            broker=broker,
            apply=on_change_events,
            max_attempts=settings.consumer_max_attempts,
        ),
        batch_size=settings.consumer_batch_size,
        description=(
            "Tracks planned changes (ChangeRecorded/Updated/WentLive) and which affected"
            " departments agreements engaged (RepresentativeJoined, EngagementAnswered,"
            " DepartmentConsented/Objected, ChangeModeDecided), for the nudges before go-live;"
            " AdjustmentsAgreed and ChangeCommitmentKept, for reminders of adjustments due"
            " before go-live."
        ),
    )


async def on_change_events(connection: Connection, events: Sequence[Event[Contract]]) -> None:
    """Change and engagement facts: what the nudges before go-live stand on."""
    facts = [e.data for e in events]
    await track_change_events(connection=connection, facts=facts)
    await track_adjustment_events(connection=connection, facts=facts)


async def on_person_erased(
    connection: Connection, events: Sequence[Event[Contract]], *, clock: Clock
) -> None:
    """PersonErased; anything else on the privacy stream is not follow-up's business."""
    erasures = [e.data for e in events if isinstance(e.data, PersonErasedV1)]
    await apply_erasures(connection=connection, erasures=erasures, clock=clock)
