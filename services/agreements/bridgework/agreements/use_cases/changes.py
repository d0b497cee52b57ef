"""Planned changes: keep intake's facts and decide the mode at go-live (in the changes consumer's
transaction), and the engagement commands people send (each one transaction: lock the change,
seal what is confidential, decide, store the change with its events in the outbox)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from bridgework.agreements.domain import engagement, engagement_proposals
from bridgework.agreements.domain.changes import (
    Change,
    ChangeDecision,
    fold_facts,
    unknown_change,
)
from bridgework.agreements.domain.changes_mode import go_live
from bridgework.agreements.domain.changes_readers import require_may_bring_in, require_may_see
from bridgework.agreements.domain.readers import Reader, acting_person
from bridgework.agreements.repository import changes as change_rows
from bridgework.agreements.settings import AgreementsSettings
from bridgework.agreements.use_cases.sealing import Sealer, opener
from bridgework.common.clock import Clock
from bridgework.common.contracts import (
    AdjustmentKind,
    ChangeEvent,
    ChangeFacts,
    ChangeWentLiveV1,
    Contract,
    EngagementAnswer,
    EngagementQuestion,
    EngagementRole,
    PersonRef,
)
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.events import Event
from bridgework.common.outbox import enqueue
from bridgework.common.postgres import Connection, Pool
from bridgework.common.privacy import KeyStore, Unsealer

# A command with confidential text: sealed with keys of (person, change) before deciding.
Decide = Callable[[Sealer, Change, datetime], Awaitable[ChangeDecision]]


@dataclass(frozen=True)
class ChangeDetails:
    """A change as a reader who may see it gets it; `texts` opens its sealed texts."""

    change: Change
    texts: Unsealer
    changed: bool = False


@dataclass(frozen=True)
class ChangeCommand:
    """What every engagement command runs with: the change it is about, who sends it, and
    where it is stored, sealed and published."""

    pool: Pool
    clock: Clock
    settings: AgreementsSettings
    keys: KeyStore
    change_id: UUID
    reader: Reader


@dataclass(frozen=True)
class PlainAdjustment:
    """An adjustment as proposed over HTTP, before its action is sealed with its owner's key."""

    kind: AdjustmentKind
    owner: PersonRef
    owed_to_departments: tuple[str, ...]
    action: str
    due_at: datetime
    commitment_id: UUID | None = None


async def record_changes(
    *,
    connection: Connection,
    facts: Sequence[ChangeEvent],
    settings: AgreementsSettings,
    clock: Clock,
) -> int:
    """Fold intake's facts into the changes they are about, and decide the mode of each that
    went live; return how many changes were stored. A go-live of a change never heard of
    cannot come first (one key, one partition, intake records before it reports go-live), so
    it is ignored."""
    by_change: dict[UUID, list[ChangeEvent]] = defaultdict(list)
    for fact in facts:
        by_change[fact.change_id].append(fact)
    known = await change_rows.lock_changes(connection, list(by_change))
    decisions: list[ChangeDecision] = []
    for change_id, of_change in by_change.items():
        change = known.get(change_id)
        for event in of_change:
            if isinstance(event, ChangeFacts):
                change = fold_facts(change, [event])
            elif isinstance(event, ChangeWentLiveV1) and change is not None:
                decided = go_live(change, went_live_at=event.went_live_at)
                decisions.append(decided)
                change = decided.change
        if change is not None:
            decisions.append(ChangeDecision(change))
    stored = {d.change.change_id: d.change for d in decisions}
    await change_rows.save_changes(connection, list(stored.values()))
    modes = [e for d in decisions for e in d.events]
    await _enqueue(connection, settings, modes, now=clock.now())
    return len(stored)


async def read_change(
    *, pool: Pool, keys: KeyStore, change_id: UUID, reader: Reader
) -> ChangeDetails:
    """The change and its engagement, for a person who may see it."""
    async with pool.acquire() as connection:
        change = await _visible(connection, change_id, reader)
        return ChangeDetails(change, await opener(connection, keys, sealed_in_change(change)))


async def read_answers(
    *, pool: Pool, keys: KeyStore, change_id: UUID, reader: Reader
) -> ChangeDetails:
    """The change with its answers opened: confidential to the people taking part."""
    async with pool.acquire() as connection:
        change = await _visible(connection, change_id, reader)
        engagement.require_answers_reader(change, reader.person_id)
        answers = [a.text for record in change.answers for a in record.answers]
        return ChangeDetails(change, await opener(connection, keys, answers))


async def join_change(
    *,
    on: ChangeCommand,
    participant: PersonRef,
    role: EngagementRole,
) -> ChangeDetails:
    """A person joins the engagement for their department (themselves, or brought in)."""

    async def decide(_: Sealer, change: Change, now: datetime) -> ChangeDecision:
        require_may_bring_in(on.reader, participant)
        return engagement.join(change, participant, role, now=now)

    return await _change(on, decide)


async def answer_questions(
    *,
    on: ChangeCommand,
    answers: Sequence[tuple[EngagementQuestion, str]],
) -> ChangeDetails:
    """A representative's own answers to the proactive questions, sealed with their key."""
    actor = acting_person(on.reader)

    async def decide(sealer: Sealer, change: Change, now: datetime) -> ChangeDecision:
        sealed = [
            EngagementAnswer(question=q, text=await sealer.seal(actor.person_id, text))
            for q, text in answers
        ]
        return engagement.answer(change, actor=actor, answers=sealed, now=now)

    return await _change(on, decide)


async def propose_adjustments(
    *,
    on: ChangeCommand,
    adjustments: Sequence[PlainAdjustment],
) -> ChangeDetails:
    """The next version of the adjustments, each action sealed with its owner's key."""
    actor = acting_person(on.reader)

    async def decide(sealer: Sealer, change: Change, now: datetime) -> ChangeDecision:
        # A revised adjustment whose action reads the same keeps its sealed value, so its
        # terms version rises only when its terms really changed (seals differ each time).
        current = (
            {a.commitment_id: a.action for a in change.current.adjustments}
            if change.current
            else {}
        )
        drafts = [
            engagement_proposals.AdjustmentDraft(
                kind=a.kind,
                owner=a.owner,
                owed_to_departments=a.owed_to_departments,
                action=await sealer.seal(
                    a.owner.person_id,
                    a.action,
                    same_as=current.get(a.commitment_id) if a.commitment_id else None,
                ),
                due_at=a.due_at,
                commitment_id=a.commitment_id,
            )
            for a in adjustments
        ]
        return engagement_proposals.propose(
            change, actor=actor, drafts=drafts, now=now, new_id=uuid4
        )

    return await _change(on, decide)


async def answer_proposal(
    *,
    on: ChangeCommand,
    department: str,
    version: int,
    objection: str | None,
) -> ChangeDetails:
    """A representative consents (no objection) or objects, for their department."""
    actor = acting_person(on.reader)

    async def decide(sealer: Sealer, change: Change, now: datetime) -> ChangeDecision:
        if objection is None:
            return engagement.consent(
                change, actor=actor, department=department, version=version, now=now
            )
        earlier = change.word_of(department, version)
        reason = await sealer.seal(
            actor.person_id, objection, same_as=earlier.reason if earlier else None
        )
        return engagement.object_to(
            change, actor=actor, department=department, version=version, reason=reason, now=now
        )

    return await _change(on, decide)


async def keep_adjustment(
    *,
    on: ChangeCommand,
    commitment_id: UUID,
    kept_at: datetime | None,
) -> ChangeDetails:
    """An agreed adjustment was kept (now, unless the body says when)."""
    actor = acting_person(on.reader)

    async def decide(_: Sealer, change: Change, now: datetime) -> ChangeDecision:
        return engagement_proposals.keep(
            change, actor=actor, commitment_id=commitment_id, kept_at=kept_at or now, now=now
        )

    return await _change(on, decide)


def sealed_in_change(change: Change) -> list[Sealed | None]:
    """The sealed texts a change's view shows (never the answers: they are the engagement's)."""
    texts: list[Sealed | None] = [w.reason for w in change.words]
    texts.extend(a.action for p in change.proposals for a in p.adjustments)
    return texts


async def _visible(connection: Connection, change_id: UUID, reader: Reader) -> Change:
    """The change, if the reader may see it; one they may not does not exist for them (404)."""
    change = await change_rows.get_change(connection, change_id)
    if change is None:
        raise unknown_change(change_id)
    require_may_see(change, reader)
    return change


async def _change(on: ChangeCommand, decide: Decide) -> ChangeDetails:
    """Lock the change; one a person may not see does not exist for them (404) before any rule
    of the command is asked; decide; store the change and its events together."""
    now = on.clock.now()
    async with on.pool.acquire() as connection, connection.transaction():
        change = (await change_rows.lock_changes(connection, [on.change_id])).get(on.change_id)
        if change is None:
            raise unknown_change(on.change_id)
        require_may_see(change, on.reader)
        decision = await decide(Sealer(connection, on.keys, on.change_id), change, now)
        if decision.changed:
            await change_rows.save_changes(connection, [decision.change])
            await _enqueue(connection, on.settings, list(decision.events), now=now)
        texts = await opener(connection, on.keys, sealed_in_change(decision.change))
    return ChangeDetails(decision.change, texts, changed=decision.changed)


async def _enqueue(
    connection: Connection,
    settings: AgreementsSettings,
    facts: Sequence[Contract],
    *,
    now: datetime,
) -> None:
    """Put facts in the outbox as events on the engagements topic, in this transaction."""
    source = f"/bridgework/{settings.service_name}"
    events: list[Event[Contract]] = [Event.new(fact, source=source, time=now) for fact in facts]
    await enqueue(
        connection, schema=settings.db_schema, topic=settings.topics.engagements, events=events
    )
