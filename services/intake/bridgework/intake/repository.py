"""Intake's SQL: incidents and changes by source, deliveries seen, tokens, webhook secrets,
tool mappings."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from bridgework.common.contracts import ChangeFacts, IncidentFacts
from bridgework.common.postgres import Connection
from bridgework.intake.domain.changes import StoredChange
from bridgework.intake.domain.credentials import SecretInfo, TokenInfo
from bridgework.intake.domain.incidents import StoredIncident

# (department, source tool, source reference): the de-duplication key of an incident.
SourceKey = tuple[str, str, str]
# (department, channel, delivery id): one delivery of a webhook or CloudEvent.
DeliveryKey = tuple[str, str, str]
# Advisory locks of intake's source keys live in their own class of the two-key lock space.
_SOURCE_LOCK_CLASS = 0x1_27A4E


def _lock_key(key: SourceKey) -> int:
    digest = hashlib.blake2b("\x1f".join(key).encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


async def lock_sources(connection: Connection, keys: Sequence[SourceKey]) -> None:
    """Serialise writers of the same source items until the transaction ends.

    Locks are taken in ascending key order, so two transactions never wait on each other
    in a cycle; a hash collision only makes two unrelated items wait in turn.
    """
    lock_keys = sorted({_lock_key(key) for key in keys})
    if lock_keys:
        await connection.execute(
            "SELECT count(pg_advisory_xact_lock($1::int, k)) FROM unnest($2::int[]) AS k",
            _SOURCE_LOCK_CLASS,
            lock_keys,
        )


async def find_incidents(
    connection: Connection, keys: Sequence[SourceKey]
) -> dict[SourceKey, StoredIncident]:
    """The incidents already recorded for these source items."""
    if not keys:
        return {}
    rows = await connection.fetch(
        # The body as text: pydantic parses the JSON straight into the contract.
        "SELECT i.department, i.source_tool, i.source_ref, i.body::text AS body, i.revision,"
        " i.source_updated_at FROM incidents i"
        " JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(department, tool, ref)"
        "   ON i.department = k.department AND i.source_tool = k.tool AND i.source_ref = k.ref",
        [key[0] for key in keys],
        [key[1] for key in keys],
        [key[2] for key in keys],
    )
    return {
        (row["department"], row["source_tool"], row["source_ref"]): StoredIncident(
            facts=IncidentFacts.model_validate_json(row["body"]),
            revision=row["revision"],
            source_updated_at=row["source_updated_at"],
        )
        for row in rows
    }


def _body(facts: IncidentFacts) -> str:
    """An incident's facts as the JSON text its event carries (the `body` column)."""
    return facts.__pydantic_serializer__.to_json(facts).decode()


async def insert_incidents(
    connection: Connection, incidents: Sequence[StoredIncident], *, received_at: datetime
) -> None:
    """Record new incidents (their source keys are locked and known to be free).

    One statement for the whole batch (arrays, unnested by Postgres); bodies travel as
    JSON text, stored as `json` (migration 006).
    """
    if not incidents:
        return
    await connection.execute(
        "INSERT INTO incidents (incident_id, department, source_tool, source_ref, body,"
        " received_at, revision, source_updated_at, updated_at)"
        " SELECT n.id, n.department, n.tool, n.ref, n.body::json, $6, n.revision, n.source_at,"
        " NULL"
        " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $7::int[],"
        "   $8::timestamptz[]) AS n(id, department, tool, ref, body, revision, source_at)",
        [incident.facts.incident_id for incident in incidents],
        [incident.facts.department for incident in incidents],
        [incident.facts.source.tool for incident in incidents],
        [incident.facts.source.reference for incident in incidents],
        [_body(incident.facts) for incident in incidents],
        received_at,
        [incident.revision for incident in incidents],
        [incident.source_updated_at for incident in incidents],
    )


async def update_incidents(
    connection: Connection, incidents: Sequence[StoredIncident], *, updated_at: datetime
) -> None:
    """Record the latest state of known incidents (each at most once), in one statement."""
    if not incidents:
        return
    await connection.execute(
        "UPDATE incidents i SET body = u.body::json, revision = u.revision,"
        " source_updated_at = u.source_at, updated_at = $5"
        " FROM unnest($1::uuid[], $2::text[], $3::int[], $4::timestamptz[])"
        "   AS u(id, body, revision, source_at)"
        " WHERE i.incident_id = u.id",
        [incident.facts.incident_id for incident in incidents],
        [_body(incident.facts) for incident in incidents],
        [incident.revision for incident in incidents],
        [incident.source_updated_at for incident in incidents],
        updated_at,
    )


async def find_deliveries(
    connection: Connection, keys: Sequence[DeliveryKey]
) -> dict[DeliveryKey, UUID | None]:
    """Deliveries already handled, with the incident each one became."""
    if not keys:
        return {}
    rows = await connection.fetch(
        "SELECT d.department, d.channel, d.delivery_id, d.incident_id FROM deliveries d"
        " JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(department, channel, id)"
        "   ON d.department = k.department AND d.channel = k.channel AND d.delivery_id = k.id",
        [key[0] for key in keys],
        [key[1] for key in keys],
        [key[2] for key in keys],
    )
    return {(r["department"], r["channel"], r["delivery_id"]): r["incident_id"] for r in rows}


async def record_deliveries(
    connection: Connection,
    deliveries: Sequence[tuple[DeliveryKey, UUID | None]],
    *,
    received_at: datetime,
) -> None:
    """Remember handled deliveries (a concurrent retry that got here first wins)."""
    if not deliveries:
        return
    await connection.executemany(
        "INSERT INTO deliveries (department, channel, delivery_id, incident_id, received_at)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        [(*key, incident_id, received_at) for key, incident_id in deliveries],
    )


async def forget_deliveries(connection: Connection, *, before: datetime) -> int:
    """Drop delivery ids older than `before`; return how many."""
    status: str = await connection.execute("DELETE FROM deliveries WHERE received_at < $1", before)
    return int(status.split()[-1])


async def insert_token(
    connection: Connection,
    *,
    token_id: UUID,
    department: str,
    token_hash: bytes,
    label: str,
    created_at: datetime,
) -> None:
    """Record a new token by its hash (the token itself is never stored)."""
    await connection.execute(
        "INSERT INTO api_tokens (token_id, department, token_hash, label, created_at)"
        " VALUES ($1, $2, $3, $4, $5)",
        token_id,
        department,
        token_hash,
        label,
        created_at,
    )


async def find_active_tokens(
    connection: Connection, token_hashes: Sequence[bytes]
) -> dict[bytes, tuple[UUID, str]]:
    """Active tokens by hash: their id and department."""
    if not token_hashes:
        return {}
    rows = await connection.fetch(
        "SELECT token_hash, token_id, department FROM api_tokens"
        " WHERE token_hash = ANY($1::bytea[]) AND revoked_at IS NULL",
        list(token_hashes),
    )
    return {bytes(row["token_hash"]): (row["token_id"], row["department"]) for row in rows}


async def list_tokens(connection: Connection, *, department: str | None) -> list[TokenInfo]:
    """Tokens of one department (or all), oldest first, never their values."""
    rows = await connection.fetch(
        "SELECT token_id, department, label, created_at, revoked_at FROM api_tokens"
        " WHERE $1::text IS NULL OR department = $1 ORDER BY department, created_at",
        department,
    )
    return [TokenInfo(**dict(row)) for row in rows]


async def revoke_tokens(
    connection: Connection,
    *,
    at: datetime,
    token_id: UUID | None = None,
    department: str | None = None,
    label: str | None = None,
) -> int:
    """Revoke one token by id, or a department's tokens with a label; return how many."""
    status: str = await connection.execute(
        "UPDATE api_tokens SET revoked_at = $1 WHERE revoked_at IS NULL"
        " AND ($2::uuid IS NULL OR token_id = $2)"
        " AND ($3::text IS NULL OR department = $3)"
        " AND ($4::text IS NULL OR label = $4)",
        at,
        token_id,
        department,
        label,
    )
    return int(status.split()[-1])


async def insert_secret(
    connection: Connection,
    *,
    secret_id: UUID,
    department: str,
    tool: str,
    secret: str,
    label: str,
    created_at: datetime,
) -> None:
    """Record a webhook signing secret for a tool of a department."""
    await connection.execute(
        "INSERT INTO webhook_secrets (secret_id, department, tool, secret, label, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        secret_id,
        department,
        tool,
        secret,
        label,
        created_at,
    )


async def active_secrets(connection: Connection, *, department: str, tool: str) -> list[str]:
    """The department's unrevoked signing secrets for `tool`."""
    rows = await connection.fetch(
        "SELECT secret FROM webhook_secrets"
        " WHERE department = $1 AND tool = $2 AND revoked_at IS NULL",
        department,
        tool,
    )
    return [row["secret"] for row in rows]


async def list_secrets(connection: Connection, *, department: str | None) -> list[SecretInfo]:
    """Signing secrets of one department (or all), never their values."""
    rows = await connection.fetch(
        "SELECT secret_id, department, tool, label, created_at, revoked_at FROM webhook_secrets"
        " WHERE $1::text IS NULL OR department = $1 ORDER BY department, tool, created_at",
        department,
    )
    return [SecretInfo(**dict(row)) for row in rows]


async def revoke_secret(connection: Connection, *, secret_id: UUID, at: datetime) -> bool:
    """Revoke an active secret; False when there was none."""
    status: str = await connection.execute(
        "UPDATE webhook_secrets SET revoked_at = $2 WHERE secret_id = $1 AND revoked_at IS NULL",
        secret_id,
        at,
    )
    return status.endswith(" 1")


async def get_mapping(connection: Connection, *, department: str, tool: str) -> Any:
    """The department's stored mapping of `tool` as JSON, or None."""
    return await connection.fetchval(
        "SELECT mapping FROM tool_mappings WHERE department = $1 AND tool = $2", department, tool
    )


async def put_mapping(
    connection: Connection, *, department: str, tool: str, mapping: Any, at: datetime
) -> None:
    """Store (or replace) the department's mapping of `tool`."""
    await connection.execute(
        "INSERT INTO tool_mappings (department, tool, mapping, updated_at)"
        " VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (department, tool) DO UPDATE SET mapping = $3, updated_at = $4",
        department,
        tool,
        mapping,
        at,
    )


async def delete_mapping(connection: Connection, *, department: str, tool: str) -> bool:
    """Forget the department's mapping of `tool`; False when there was none."""
    status: str = await connection.execute(
        "DELETE FROM tool_mappings WHERE department = $1 AND tool = $2", department, tool
    )
    return status.endswith(" 1")


# --- planned changes (domain/changes.py): the same de-duplication key as incidents ----------


async def find_changes(
    connection: Connection, keys: Sequence[SourceKey]
) -> dict[SourceKey, StoredChange]:
    """The changes already recorded for these source items."""
    rows = await connection.fetch(
        f"{_CHANGE_COLUMNS} JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(d, t, r)"
        "   ON c.department = k.d AND c.source_tool = k.t AND c.source_ref = k.r",
        [key[0] for key in keys],
        [key[1] for key in keys],
        [key[2] for key in keys],
    )
    return {(r["department"], r["source_tool"], r["source_ref"]): _change(r) for r in rows}


async def find_change(connection: Connection, change_id: UUID) -> StoredChange | None:
    """One change by its id, locked until the transaction ends (a go-live is decided on it)."""
    row = await connection.fetchrow(
        f"{_CHANGE_COLUMNS} WHERE c.change_id = $1 FOR UPDATE", change_id
    )
    return None if row is None else _change(row)


async def save_changes(
    connection: Connection, changes: Sequence[StoredChange], *, at: datetime
) -> None:
    """Record new changes and the latest state of known ones (each at most once)."""
    if not changes:
        return
    await connection.execute(
        "INSERT INTO changes (change_id, department, source_tool, source_ref, body, revision,"
        " source_updated_at, went_live_at, received_at)"
        " SELECT n.id, n.d, n.t, n.r, n.body::json, n.rev, n.src, n.live, $9"
        " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[],"
        "   $7::timestamptz[], $8::timestamptz[]) AS n(id, d, t, r, body, rev, src, live)"
        " ON CONFLICT (change_id) DO UPDATE SET body = excluded.body,"
        " revision = excluded.revision, source_updated_at = excluded.source_updated_at,"
        " went_live_at = excluded.went_live_at, updated_at = $9",
        [change.facts.change_id for change in changes],
        [change.facts.department for change in changes],
        [change.facts.source.tool for change in changes],
        [change.facts.source.reference for change in changes],
        [change.facts.__pydantic_serializer__.to_json(change.facts).decode() for change in changes],
        [change.revision for change in changes],
        [change.source_updated_at for change in changes],
        [change.went_live_at for change in changes],
        at,
    )


_CHANGE_COLUMNS = (
    "SELECT c.department, c.source_tool, c.source_ref, c.body::text AS body, c.revision,"
    " c.source_updated_at, c.went_live_at FROM changes c"
)


def _change(row: Any) -> StoredChange:
    return StoredChange(
        facts=ChangeFacts.model_validate_json(row["body"]),
        revision=row["revision"],
        source_updated_at=row["source_updated_at"],
        went_live_at=row["went_live_at"],
    )


async def bodies_naming(connection: Connection, person_id: str) -> dict[str, list[Any]]:
    """Incidents' and changes' facts that name the person (export, docs/privacy.md); ids hold
    no character JSON escapes, so a body naming them holds `"<id>"`."""
    found: dict[str, list[Any]] = {}
    for table in ("incidents", "changes"):
        rows = await connection.fetch(
            f"SELECT body FROM {table} WHERE strpos(body::text, $1) > 0", f'"{person_id}"'
        )
        found[table] = [row["body"] for row in rows]
    return found
