"""Erasure in the read model: PersonErased rewrites the rows that name the person, and every
fact folded after it names them by their tombstone.

So a replay ends the same whichever it meets first: repair facts then the erasure (their rows
are rewritten), or the erasure then the facts (they are mapped before folding). The figures
do not move, because a tombstone is still one distinct person in the same place; the sealed
texts stay sealed and, their keys destroyed, read as null.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bridgework.common.contracts import Contract, PersonErasedV1
from bridgework.common.contracts.privacy import person_digest, person_ids_in, tombstoned
from bridgework.common.events import Event
from bridgework.common.postgres import Connection
from bridgework.graphql_gateway.projection.repository import privacy as privacy_rows
from bridgework.graphql_gateway.projection.use_cases.fold_events import fold_events


async def fold_with_erasures(*, connection: Connection, events: Sequence[Event[Contract]]) -> None:
    """Apply the batch's erasures, then fold its facts with erased people tombstoned."""
    erasures = [e.data for e in events if isinstance(e.data, PersonErasedV1)]
    facts = [e for e in events if not isinstance(e.data, PersonErasedV1)]
    if erasures:
        await privacy_rows.exclude_batches(connection)
        await _erase(connection, erasures)
        erased = await privacy_rows.erased(connection)
    else:
        erased = await privacy_rows.hold_out_erasures(connection)
    if facts:
        await fold_events(connection=connection, events=_tombstoned(erased, facts))


async def _erase(connection: Connection, erasures: Sequence[PersonErasedV1]) -> None:
    await privacy_rows.record_erasures(
        connection, [(e.person_digest, e.tombstone, e.erased_at) for e in erasures]
    )
    tombstones = {e.person_digest: e.tombstone for e in erasures}
    held = await privacy_rows.people_with_digests(connection, list(tombstones))
    for person_id, digest in sorted(held.items()):
        await privacy_rows.rewrite_person(connection, person_id, tombstones[digest])


def _tombstoned(erased: dict[str, str], events: Sequence[Event[Contract]]) -> list[Event[Contract]]:
    if not erased:
        return list(events)
    named = {person for event in events for person in person_ids_in(event.data)}
    tombstones = {
        person: erased[digest] for person in named if (digest := person_digest(person)) in erased
    }
    if not tombstones:
        return list(events)
    return [replace(event, data=tombstoned(event.data, tombstones)) for event in events]
