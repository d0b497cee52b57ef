"""Erasure and access in follow-up (docs/privacy.md).

PersonErased (from agreements, by digest) deletes the person's contact details, cancels what
was due to them and replaces their id by the tombstone in every table; it is remembered, so
repair events that name them and arrive later (another partition, a replay) are tombstoned
before they are applied. An export opens the person's sealed texts with their keys.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from bridgework.common.clock import Clock
from bridgework.common.contracts import Contract, PersonErasedV1
from bridgework.common.contracts.privacy import person_digest, person_ids_in, tombstoned
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.errors import DomainError, ErrorKind
from bridgework.common.postgres import Connection, Pool
from bridgework.common.privacy import KeyStore, Unsealer
from bridgework.followup.repository import privacy as privacy_rows

C = TypeVar("C", bound=Contract)


async def apply_erasures(
    *, connection: Connection, erasures: Sequence[PersonErasedV1], clock: Clock
) -> int:
    """Erase each person named (by digest) in follow-up's tables; return how many were held.
    Runs in the consumer's transaction, with its inbox claims."""
    if not erasures:
        return 0
    await privacy_rows.exclude_batches(connection)
    await privacy_rows.record_erasures(
        connection, [(e.person_digest, e.tombstone, e.erased_at) for e in erasures]
    )
    tombstones = {e.person_digest: e.tombstone for e in erasures}
    held = await privacy_rows.people_with_digests(connection, list(tombstones))
    now = clock.now()
    for person_id, digest in sorted(held.items()):
        await privacy_rows.erase_person(connection, person_id, tombstones[digest], now=now)
    return len(held)


async def tombstone_events(*, connection: Connection, events: Sequence[C]) -> list[C]:
    """`events` with every erased person's id replaced by their tombstone, so a fact that
    arrives after the erasure writes no raw id back. In the caller's batch transaction."""
    erased = await privacy_rows.hold_out_erasures(connection)
    if not erased:
        return list(events)
    named = {person for event in events for person in person_ids_in(event)}
    tombstones = {
        person: erased[digest] for person in named if (digest := person_digest(person)) in erased
    }
    if not tombstones:
        return list(events)
    return [tombstoned(event, tombstones) for event in events]


@dataclass(frozen=True)
class FollowupExport:
    """What follow-up holds about one person; sealed texts opened (None: erased or expired)."""

    person_id: str
    contact: dict[str, Any] | None
    commitments: list[dict[str, Any]]
    nudges: list[dict[str, Any]]
    check_ins: list[dict[str, Any]]
    pending_timers: list[dict[str, Any]]
    change_nudges: list[dict[str, Any]]
    change_check_ins: list[dict[str, Any]]
    change_reminders: list[dict[str, Any]]


async def export_person(*, pool: Pool, keys: KeyStore, person_id: str) -> FollowupExport:
    """Everything follow-up holds about the person (GDPR Art. 15); 404 `nothing_held` if none."""
    async with pool.acquire() as connection, connection.transaction(readonly=True):
        held = await privacy_rows.held_about(connection, person_id)
        texts = [_sealed(row.get("action")) for row in held.commitments]
        texts += [_sealed(row.get("comment")) for row in held.check_ins]
        texts += [_sealed(row.get("comment")) for row in held.change_check_ins]
        unsealer = await Unsealer.load(connection, keys, texts)
    if not held.holds_anything():
        raise DomainError(
            "nothing_held",
            "follow-up holds nothing about this person",
            kind=ErrorKind.NOT_FOUND,
            field="person_id",
        )
    return FollowupExport(
        person_id=person_id,
        contact=held.contact,
        commitments=[_opened(row, "action", unsealer) for row in held.commitments],
        nudges=held.nudges,
        check_ins=[_opened(row, "comment", unsealer) for row in held.check_ins],
        pending_timers=held.pending_timers,
        change_nudges=held.change_nudges,
        change_check_ins=[_opened(row, "comment", unsealer) for row in held.change_check_ins],
        change_reminders=held.change_reminders,
    )


def _sealed(value: Any) -> Sealed | None:
    if value is None:
        return None
    document = json.loads(value) if isinstance(value, str) else value
    try:
        return Sealed.model_validate(document)
    except ValueError:
        return None


def _opened(row: dict[str, Any], column: str, unsealer: Unsealer) -> dict[str, Any]:
    return {**row, column: unsealer.text(_sealed(row.get(column)))}
