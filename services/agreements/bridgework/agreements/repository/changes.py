"""Planned changes stored whole: the change and its engagement as one jsonb document
(`changes.workflow`), with the columns lookups across changes need beside it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter

from bridgework.agreements.domain.changes import Change
from bridgework.common.postgres import Connection

_CHANGE = TypeAdapter(Change)


async def lock_changes(connection: Connection, change_ids: Sequence[UUID]) -> dict[UUID, Change]:
    """Load changes for change, locked until the transaction ends (in id order: no deadlocks)."""
    if not change_ids:
        return {}
    rows = await connection.fetch(
        "SELECT change_id, workflow FROM changes WHERE change_id = ANY($1::uuid[])"
        " ORDER BY change_id FOR UPDATE",
        sorted(set(change_ids)),
    )
    return {row["change_id"]: _change_from(row["workflow"]) for row in rows}


async def get_change(connection: Connection, change_id: UUID) -> Change | None:
    """One change as it stands, None if agreements never heard of it."""
    document = await connection.fetchval(
        "SELECT workflow FROM changes WHERE change_id = $1", change_id
    )
    return None if document is None else _change_from(document)


async def save_changes(connection: Connection, changes: Sequence[Change]) -> None:
    """Insert new changes and write known ones back whole, in one statement."""
    if not changes:
        return
    await connection.execute(
        "INSERT INTO changes (change_id, revision, owner_department, kind, planned_go_live,"
        " recorded_at, went_live_at, response_mode, workflow)"
        " SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[],"
        "                      $5::timestamptz[], $6::timestamptz[], $7::timestamptz[],"
        "                      $8::text[], $9::jsonb[])"
        " ON CONFLICT (change_id) DO UPDATE SET revision = excluded.revision,"
        " owner_department = excluded.owner_department, kind = excluded.kind,"
        " planned_go_live = excluded.planned_go_live, went_live_at = excluded.went_live_at,"
        " response_mode = excluded.response_mode, workflow = excluded.workflow",
        [c.change_id for c in changes],
        [c.revision for c in changes],
        [c.owner.department for c in changes],
        [c.kind.value for c in changes],
        [c.planned_go_live for c in changes],
        [c.recorded_at for c in changes],
        [c.go_live.went_live_at if c.go_live else None for c in changes],
        [c.go_live.response_mode.value if c.go_live else None for c in changes],
        [_document(c) for c in changes],
    )


def _document(change: Change) -> dict[str, Any]:
    document: dict[str, Any] = _CHANGE.dump_python(change, mode="json")
    return document


def _change_from(document: Any) -> Change:
    return _CHANGE.validate_python(document)
