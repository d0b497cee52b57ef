"""Erasure, access (export) and retention of a person's data in agreements (docs/privacy.md).

Erasure destroys the person's data keys, replaces their id in agreements' tables by a
tombstone chosen once, and announces `PersonErased` (digest and tombstone only) on the
privacy stream, all in one transaction: follow-up and the gateway tombstone their copies, and
a replay of every topic meets the same erasure.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from bridgework.agreements.domain.privacy import (
    AgreementsExport,
    ChangeExport,
    ConversationExport,
    Erasure,
    Expiry,
    IncidentExport,
    OpenedText,
    RepairExport,
    nothing_held,
    require_person_id,
    require_privacy_officer,
    retention_cutoff,
    sealed_values,
)
from bridgework.agreements.domain.readers import Reader
from bridgework.agreements.repository import privacy as privacy_rows
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import Clock
from bridgework.common.contracts import Contract
from bridgework.common.contracts.privacy import (
    TOMBSTONE_PREFIX,
    PersonErasedV1,
    person_digest,
    person_ids_in,
    tombstoned,
)
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.events import Event
from bridgework.common.outbox import enqueue
from bridgework.common.postgres import Connection, Pool
from bridgework.common.privacy import DataKey, KeyStore, UnreadableSealedError, unseal

RETENTION_BATCH = 100
F = TypeVar("F", bound=Contract)


def new_tombstone() -> str:
    """A random tombstone: nothing about the person can be worked back from it."""
    return TOMBSTONE_PREFIX + secrets.token_hex(6)


async def erase_person(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    keys: KeyStore,
    person_id: str,
    reader: Reader | None,
    tombstone: Callable[[], str] = new_tombstone,
) -> Erasure:
    """Erase a person: keys destroyed, id tombstoned, PersonErased in the outbox.

    `reader`: the person asking over HTTP (the privacy officer); None for the operators'
    command line, which holds the database's credentials anyway. A second request says
    `already_erased` and changes nothing; a person nobody holds anything about is 404
    `nothing_held`."""
    require_privacy_officer(reader, "erasing a person")
    require_person_id(person_id)
    digest = person_digest(person_id)
    now = clock.now()
    async with pool.acquire() as connection, connection.transaction():
        await privacy_rows.exclude_batches(connection)
        await privacy_rows.lock_erasure(connection, digest)
        done = await privacy_rows.erasure_of(connection, digest)
        if done is not None:
            return Erasure("already_erased", done.tombstone, 0, 0, done.erased_at)
        chosen = tombstone()
        destroyed = await keys.destroy_person(connection, person_id)
        rewritten = await privacy_rows.tombstone_person(connection, person_id, chosen)
        if not destroyed and not rewritten.any:
            raise nothing_held()  # rolls the (empty) work back; nothing is recorded
        record = privacy_rows.ErasureRecord(uuid.uuid4(), chosen, destroyed, now)
        await privacy_rows.record_erasure(connection, digest, record)
        erased = PersonErasedV1(
            erasure_id=record.erasure_id, person_digest=digest, tombstone=chosen, erased_at=now
        )
        await _announce(connection, settings, erased, now=now)
    return Erasure("erased", chosen, destroyed, rewritten.repairs, now)


async def tombstone_facts(*, connection: Connection, facts: Sequence[F]) -> list[F]:
    """Incident facts with every erased person named by their tombstone (intake keeps the
    id and sends an incident's whole facts again on each update). In the batch's transaction."""
    if not await privacy_rows.hold_out_erasures(connection):
        return list(facts)
    named = {person for fact in facts for person in person_ids_in(fact)}
    if not named:
        return list(facts)
    erased = await privacy_rows.tombstones_of(connection, [person_digest(p) for p in named])
    tombstones = {p: erased[person_digest(p)] for p in named if person_digest(p) in erased}
    if not tombstones:
        return list(facts)
    return [tombstoned(fact, tombstones) for fact in facts]


async def _announce(
    connection: Connection, settings: AgreementsSettings, fact: Contract, *, now: datetime
) -> None:
    source = f"/bridgework/{settings.service_name}"
    events: list[Event[Contract]] = [Event.new(fact, source=source, time=now)]
    await enqueue(
        connection, schema=settings.db_schema, topic=settings.topics.privacy, events=events
    )


async def export_person(
    *, pool: Pool, keys: KeyStore, person_id: str, reader: Reader | None
) -> AgreementsExport:
    """What agreements holds about the person, their own sealed texts opened (GDPR Art. 15);
    `reader` as for `erase_person`.

    Texts sealed with other people's keys stay out: they are by or about someone else."""
    require_privacy_officer(reader, "exporting a person's data")
    require_person_id(person_id)
    async with pool.acquire() as connection, connection.transaction(readonly=True):
        repairs = await privacy_rows.repairs_naming(connection, person_id)
        conversations = await privacy_rows.conversations_of(connection, person_id)
        incidents = await privacy_rows.incidents_naming(connection, person_id)
        changes = await privacy_rows.changes_naming(connection, person_id)
        key_repairs = await keys.repairs_of(connection, person_id)
        found = [s for r in repairs for _, s in sealed_values(r.workflow)]
        found += [s for c in conversations for _, s in sealed_values(c.answers)]
        found += [s for c in changes for _, s in sealed_values(c.workflow)]
        theirs = await _their_keys(connection, keys, person_id, found)
    if not (repairs or conversations or incidents or changes or key_repairs):
        raise nothing_held()
    return AgreementsExport(
        person_id=person_id,
        repairs=[
            RepairExport(
                repair_id=r.repair_id,
                status=r.status,
                opened_at=r.opened_at,
                closed_at=r.closed_at,
                roles=_roles(r.workflow, person_id),
                texts=[
                    OpenedText(where, _open(theirs, sealed))
                    for where, sealed in sealed_values(r.workflow)
                    if sealed.key_id in theirs
                ],
            )
            for r in repairs
        ],
        conversations=[
            ConversationExport(
                repair_id=c.repair_id,
                role=c.role,
                department=c.department,
                recorded_by=c.recorded_by,
                recorded_at=c.recorded_at,
                answers=_opened(c.answers, theirs),
            )
            for c in conversations
        ],
        incidents=[
            IncidentExport(i.incident_id, i.department, i.reported_at, _named_as(i.body, person_id))
            for i in incidents
        ],
        changes=[
            ChangeExport(
                change_id=c.change_id,
                went_live_at=c.went_live_at,
                texts=[
                    OpenedText(where, _open(theirs, sealed))
                    for where, sealed in sealed_values(c.workflow)
                    if sealed.key_id in theirs
                ],
            )
            for c in changes
        ],
        key_count=len(key_repairs),
    )


async def _their_keys(
    connection: Connection, keys: KeyStore, person_id: str, found: Iterable[Sealed]
) -> dict[UUID, DataKey]:
    """The person's keys among those that sealed `found`; other people's are left out. A
    destroyed key (retention) names nobody any more, so its texts are left out too."""
    held = await keys.keys(connection, {s.key_id for s in found})
    return {key_id: key for key_id, key in held.items() if key.person_id == person_id}


def _open(theirs: dict[UUID, DataKey], sealed: Sealed) -> str | None:
    key = theirs.get(sealed.key_id)
    if key is None:
        return None
    try:
        return unseal(key, sealed)
    except UnreadableSealedError:
        return None


def _opened(document: Any, theirs: dict[UUID, DataKey]) -> Any:
    if isinstance(document, dict):
        if set(document) == {"key_id", "ciphertext"}:
            try:
                return _open(theirs, Sealed.model_validate(document))
            except ValueError:
                return document
        return {key: _opened(value, theirs) for key, value in document.items()}
    if isinstance(document, list):
        return [_opened(value, theirs) for value in document]
    return document


def _roles(workflow: Any, person_id: str) -> list[str]:
    participants = workflow.get("participants", []) if isinstance(workflow, dict) else []
    return sorted(
        {
            str(p.get("role"))
            for p in participants
            if isinstance(p, dict) and (p.get("person") or {}).get("person_id") == person_id
        }
    )


def _named_as(body: Any, person_id: str) -> list[str]:
    if not isinstance(body, dict):
        return []
    return sorted(
        name
        for name in ("responsible", "affected_people")
        if any(
            isinstance(p, dict) and p.get("person_id") == person_id for p in body.get(name) or ()
        )
    )


async def expire_closed_repairs(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    keys: KeyStore,
    limit: int = RETENTION_BATCH,
) -> list[Expiry]:
    """Retention: destroy the data keys of repairs closed longer than the retention period
    ago (BRIDGEWORK_RETENTION_PERIOD), once each; return what expired in this batch."""
    now = clock.now()
    cutoff = retention_cutoff(now, settings.retention_period)
    async with pool.acquire() as connection, connection.transaction():
        due = await privacy_rows.repairs_to_expire(connection, closed_before=cutoff, limit=limit)
        expired = [
            Expiry(repair_id, closed_at, await keys.destroy_repair(connection, repair_id))
            for repair_id, closed_at in due
        ]
        await privacy_rows.record_expiries(
            connection, [(e.repair_id, e.keys_destroyed) for e in expired], now=now
        )
    return expired
