"""What every change of a repair shares: lock it, apply a pure decision, store the repair and
its events together, and answer with the repair as it now stands."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from bridgework.agreements.domain.readers import Reader, require_may_read
from bridgework.agreements.domain.repair import Decision, Repair, unknown_repair
from bridgework.agreements.repository import incidents as incident_rows
from bridgework.agreements.repository import repairs as repair_rows
from bridgework.agreements.settings import AgreementsSettings
from bridgework.agreements.use_cases.sealing import Sealer, opener, sealed_in_repair
from bridgework.common.clock import Clock
from bridgework.common.contracts import Contract, IncidentFacts
from bridgework.common.events import Event
from bridgework.common.outbox import enqueue
from bridgework.common.postgres import Connection, Pool
from bridgework.common.privacy import KeyStore, Unsealer

# A command as a pure function of the repair as it stands and the time.
Decide = Callable[[Repair, datetime], Decision]
# A command with confidential text: sealed (with keys chosen from the repair) before deciding.
SealingDecide = Callable[[Sealer, Repair, datetime], Awaitable[Decision]]


@dataclass(frozen=True)
class RepairDetails:
    """A repair and the stored facts of its incidents, as the API shows them; `texts` opens
    its sealed texts for the reader it was loaded for."""

    repair: Repair
    incidents: list[IncidentFacts]
    texts: Unsealer


@dataclass(frozen=True)
class RepairChange:
    """A repair after a command, and whether the command changed anything."""

    details: RepairDetails
    changed: bool


async def change_repair(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    keys: KeyStore,
    repair_id: UUID,
    reader: Reader,
    decide: Decide,
) -> RepairChange:
    """Apply one person's command to one repair: lock it; a repair they may not see does not
    exist for them (404) before any rule of the command is asked; decide; store the repair
    and its events."""

    async def plain(_sealer: Sealer, repair: Repair, now: datetime) -> Decision:
        return decide(repair, now)

    return await change_sealing(
        pool=pool,
        clock=clock,
        settings=settings,
        keys=keys,
        repair_id=repair_id,
        reader=reader,
        decide=plain,
    )


async def change_sealing(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    keys: KeyStore,
    repair_id: UUID,
    reader: Reader,
    decide: SealingDecide,
) -> RepairChange:
    """`change_repair` for a command that carries confidential text: `decide` seals it (in this
    transaction, so a key made for it commits with the rows and events) and then decides."""
    now = clock.now()
    async with locked_repairs(pool, [repair_id]) as (connection, repairs):
        repair = require_repair(repairs, repair_id)
        require_may_read(repair, reader)
        decision = await decide(Sealer(connection, keys, repair_id), repair, now)
        await store_decisions(connection, settings, [decision], now=now)
        details = await details_of(connection, keys, decision.repair)
    return RepairChange(details, changed=decision.changed)


async def details_of(connection: Connection, keys: KeyStore, repair: Repair) -> RepairDetails:
    """The repair with its incidents and the keys to its texts (for a reader who may see it)."""
    incidents = await incident_rows.incidents_of(connection, repair.repair_id)
    texts = await opener(connection, keys, sealed_in_repair(repair))
    return RepairDetails(repair, incidents, texts)


@asynccontextmanager
async def locked_repairs(
    pool: Pool, repair_ids: Sequence[UUID]
) -> AsyncIterator[tuple[Connection, dict[UUID, Repair]]]:
    """One transaction, and the repairs it holds locked until it ends."""
    async with pool.acquire() as connection, connection.transaction():
        yield connection, await repair_rows.lock_repairs(connection, repair_ids)


def require_repair(repairs: dict[UUID, Repair], repair_id: UUID) -> Repair:
    """The repair with this id among those loaded; unknown otherwise."""
    repair = repairs.get(repair_id)
    if repair is None:
        raise unknown_repair(repair_id)
    return repair


async def store_decisions(
    connection: Connection,
    settings: AgreementsSettings,
    decisions: Sequence[Decision],
    *,
    now: datetime,
) -> None:
    """Write back the repairs that changed, and put their events in the outbox."""
    changed = [d.repair for d in decisions if d.events]
    await repair_rows.save_repairs(connection, changed)
    await enqueue_facts(connection, settings, [e for d in decisions for e in d.events], now=now)


async def enqueue_facts(
    connection: Connection,
    settings: AgreementsSettings,
    facts: Sequence[Contract],
    *,
    now: datetime,
) -> None:
    """Put facts in the outbox as events on the repairs topic, in this transaction."""
    source = f"/bridgework/{settings.service_name}"
    events: list[Event[Contract]] = [Event.new(fact, source=source, time=now) for fact in facts]
    await enqueue(
        connection, schema=settings.db_schema, topic=settings.topics.repairs, events=events
    )
