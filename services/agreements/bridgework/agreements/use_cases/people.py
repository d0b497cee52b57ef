"""People in a repair: adding a participant (a facilitator of the repair does), and
recording a participant's answers in the confidential conversation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from bridgework.agreements.domain import conversation, participants
from bridgework.agreements.domain.conversation import ConversationRecord, PlainAnswer
from bridgework.agreements.domain.readers import Reader, acting_person, require_may_read
from bridgework.agreements.repository import conversation as conversation_rows
from bridgework.agreements.settings import AgreementsSettings
from bridgework.agreements.use_cases.reading import Conversation
from bridgework.agreements.use_cases.repair_changes import (
    RepairDetails,
    change_repair,
    locked_repairs,
    require_repair,
    store_decisions,
)
from bridgework.agreements.use_cases.sealing import Sealer
from bridgework.common.clock import Clock
from bridgework.common.contracts import Answer, ConversationRecordedV1, ParticipantRole, PersonRef
from bridgework.common.postgres import Pool
from bridgework.common.privacy import KeyStore


@dataclass(frozen=True)
class ParticipantAdded:
    """The repair after adding someone, and whether they joined now (not already there)."""

    details: RepairDetails
    joined: bool


async def add_participant(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    keys: KeyStore,
    repair_id: UUID,
    reader: Reader,
    participant: PersonRef,
    role: ParticipantRole,
) -> ParticipantAdded:
    """A facilitator of the repair adds a person in a role (see domain/participants.py)."""
    change = await change_repair(
        pool=pool,
        clock=clock,
        settings=settings,
        keys=keys,
        repair_id=repair_id,
        reader=reader,
        decide=lambda repair, now: participants.join(
            repair, participant, role, actor=acting_person(reader), now=now
        ),
    )
    return ParticipantAdded(details=change.details, joined=change.changed)


async def record_answers(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    keys: KeyStore,
    repair_id: UUID,
    reader: Reader,
    participant: PersonRef,
    answers: Sequence[PlainAnswer],
) -> Conversation:
    """Record a participant's answers, sealed with their key: the confidential rows and their
    event, together. Answers with the record (its texts open for the one who sent them)."""
    now = clock.now()
    async with locked_repairs(pool, [repair_id]) as (connection, repairs):
        repair = require_repair(repairs, repair_id)
        require_may_read(repair, reader)
        actor = acting_person(reader)
        # Sealed before the rules run (they may refuse: the transaction then keeps nothing).
        sealer = Sealer(connection, keys, repair_id)
        sealed = [
            Answer(question=a.question, text=await sealer.seal(participant.person_id, a.text))
            for a in answers
        ]
        decision = conversation.record_conversation(
            repair,
            actor=actor,
            participant=participant,
            answers=sealed,
            now=now,
        )
        records = [e for e in decision.events if isinstance(e, ConversationRecordedV1)]
        await conversation_rows.insert_conversation(
            connection, records, recorded_by=actor.person_id
        )
        await store_decisions(connection, settings, [decision], now=now)
    (recorded,) = records
    record = ConversationRecord(
        participant=recorded.participant,
        role=recorded.role,
        answers=tuple(recorded.answers),
        recorded_by=actor.person_id,
        recorded_at=recorded.recorded_at,
    )
    return Conversation(repair_id, [record], sealer.opener())
