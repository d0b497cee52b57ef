"""Follow-up's event subscribers: the repairs stream builds and moves the schedule."""

from __future__ import annotations

from collections.abc import Sequence

from faststream.kafka import KafkaBroker

from bridgework.common.clock import Clock
from bridgework.common.consumer import Applier, BatchConsumer, subscribe
from bridgework.common.contracts import (
    Contract,
    FacilitationOfferAnsweredV1,
    FacilitationOfferedV1,
    RepairEvent,
)
from bridgework.common.events import Event
from bridgework.common.postgres import Connection, Pool
from bridgework.followup.domain.nudge_policy import NudgePolicy
from bridgework.followup.settings import FollowupSettings
from bridgework.followup.use_cases.tracking import apply_repair_events

CONSUMER_NAME = "followup.repairs"

# Repair facts that set, move or cancel nothing: offers to facilitate (an approved offer
# also brings a ParticipantJoined, which is what follow-up tracks). Left out before the
# batch reads any state; a later notification of offers would start here.
IGNORED = (FacilitationOfferedV1, FacilitationOfferAnsweredV1)


def repair_events_applier(*, clock: Clock, defaults: NudgePolicy) -> Applier:
    """What the repairs consumer runs on each batch, inside its transaction (and the bench)."""

    async def on_repair_events(connection: Connection, events: Sequence[Event[Contract]]) -> None:
        repair_events = [
            e.data
            for e in events
            if isinstance(e.data, RepairEvent) and not isinstance(e.data, IGNORED)
        ]
        await apply_repair_events(
            connection=connection, events=repair_events, clock=clock, defaults=defaults
        )

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
            " move a commitment's timers), RepairClosed (cancel everything). Offers to"
            " facilitate (FacilitationOffered, FacilitationOfferAnswered) are ignored."
        ),
    )
