"""Erased people in the read model: the digest -> tombstone table, and rewriting the rows that
name an erased person.

Rows are rewritten column by column, over every text and jsonb column of the read model's
tables (from the catalogue, so a table added later is covered too): a text column equal to the
id, a jsonb document holding the id as a JSON string. Pseudonymous ids hold no character JSON
escapes, and free text is sealed, so an exact match is the person and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bridgework.common.postgres import Connection

# Bookkeeping, and rollups of counts: nothing there names a person but the `people` keys
# (renamed on their own, below).
_NOT_READ_MODEL = frozenset(
    {"inbox", "outbox", "schema_migrations", "erased_people"}
    | {"dashboard_counts", "relationship_counts", "repair_figures", "departments"}
)
# Where a person id may be found to match a digest: bare columns and jsonb lists of people.
_PERSON_IDS = """
    SELECT person_id FROM participants
    UNION SELECT person_id FROM conversations
    UNION SELECT person_id FROM consents
    UNION SELECT owner_id FROM commitments
    UNION SELECT recipient_id FROM nudges
    UNION SELECT person_id FROM check_ins
    UNION SELECT person_id FROM facilitation_offers
    UNION SELECT answered_by FROM facilitation_offers WHERE answered_by IS NOT NULL
    UNION SELECT person_id FROM change_participants
    UNION SELECT p ->> 'person_id' FROM incidents, jsonb_array_elements(responsible) AS p
    UNION SELECT p ->> 'person_id' FROM incidents, jsonb_array_elements(affected_people) AS p
"""
# Erasures and folding batches take turns (exclusive and shared): a batch in flight finishes
# before an erasure rewrites rows, and a batch after it reads the erasure's record.
# One lock per schema (its service's), so services never wait on each other's erasures.
_ERASURE_LOCK = "hashtext(current_schema() || ':erasure')"


async def hold_out_erasures(connection: Connection) -> dict[str, str]:
    """Taken by a batch that writes person ids (shared, until its transaction ends); returns
    every erasure heard of, digest -> tombstone, in the same round trip."""
    rows = await connection.fetch(
        "SELECT e.person_digest, e.tombstone"
        f" FROM (SELECT pg_advisory_xact_lock_shared({_ERASURE_LOCK})) AS locked"
        " LEFT JOIN erased_people e ON true"
    )
    return {row["person_digest"]: row["tombstone"] for row in rows if row["person_digest"]}


async def exclude_batches(connection: Connection) -> None:
    await connection.execute(f"SELECT pg_advisory_xact_lock({_ERASURE_LOCK})")


async def erased(connection: Connection) -> dict[str, str]:
    """digest -> tombstone of every erasure heard of."""
    rows = await connection.fetch("SELECT person_digest, tombstone FROM erased_people")
    return {row["person_digest"]: row["tombstone"] for row in rows}


async def record_erasures(
    connection: Connection, erasures: Sequence[tuple[str, str, datetime]]
) -> None:
    await connection.execute(
        "INSERT INTO erased_people (person_digest, tombstone, erased_at)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])"
        " ON CONFLICT (person_digest) DO NOTHING",
        [digest for digest, _, _ in erasures],
        [tombstone for _, tombstone, _ in erasures],
        [at for _, _, at in erasures],
    )


async def people_with_digests(connection: Connection, digests: Sequence[str]) -> dict[str, str]:
    """Person ids the read model holds whose digest is among `digests`: id -> digest."""
    digest = "encode(sha256(convert_to(person_id, 'UTF8')), 'hex')"
    rows = await connection.fetch(
        f"SELECT person_id, {digest} AS digest FROM ({_PERSON_IDS}) AS held (person_id)"
        f" WHERE person_id IS NOT NULL AND {digest} = ANY($1::text[])",
        list(digests),
    )
    return {row["person_id"]: row["digest"] for row in rows}


async def _columns(connection: Connection) -> list[tuple[str, str, str]]:
    """(table, column, type) of every text and jsonb column of the read model's tables."""
    rows = await connection.fetch(
        "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c"
        " JOIN information_schema.tables t"
        "   ON t.table_schema = c.table_schema AND t.table_name = c.table_name"
        " WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
        "   AND c.data_type IN ('text', 'jsonb')"
        " ORDER BY c.table_name, c.column_name"
    )
    return [
        (row["table_name"], row["column_name"], row["data_type"])
        for row in rows
        if row["table_name"] not in _NOT_READ_MODEL
    ]


async def rewrite_person(connection: Connection, person_id: str, tombstone: str) -> int:
    """Replace the person's id by the tombstone in every row; return how many rows changed."""
    changed = 0
    for table, column, kind in await _columns(connection):
        if kind == "text":
            status = await connection.execute(
                f'UPDATE "{table}" SET "{column}" = $2 WHERE "{column}" = $1', person_id, tombstone
            )
        else:
            status = await connection.execute(
                f'UPDATE "{table}" SET "{column}" = replace("{column}"::text, $1, $2)::jsonb'
                f' WHERE strpos("{column}"::text, $1) > 0',
                f'"{person_id}"',
                f'"{tombstone}"',
            )
        changed += int(status.rsplit(" ", 1)[-1])
    return changed + await _rename_people_keys(connection, person_id, tombstone)


async def _rename_people_keys(connection: Connection, person_id: str, tombstone: str) -> int:
    """The `people` rollup counts each person per role under `<role>:<person id>`: the counts
    move to the tombstone's key (added to any it has), so distinct people stay as many."""
    status = await connection.execute(
        "WITH moved AS ("
        "  DELETE FROM dashboard_counts"
        "  WHERE metric = 'people' AND substr(key, strpos(key, ':') + 1) = $1"
        "  RETURNING metric, department, grain, day, split_part(key, ':', 1) || ':' || $2 AS key,"
        "            value"
        ") INSERT INTO dashboard_counts (metric, department, grain, day, key, value)"
        " SELECT metric, department, grain, day, key, value FROM moved"
        " ON CONFLICT (metric, department, grain, day, key)"
        " DO UPDATE SET value = dashboard_counts.value + EXCLUDED.value",
        person_id,
        tombstone,
    )
    return int(status.rsplit(" ", 1)[-1])
