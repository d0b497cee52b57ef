"""The read model's schemas as a rebuild sees them: make a fresh one, swap it in for the live one.

Run as an administrator (docs/security.md, "Postgres"): the gateway's role may not create
schemas, and renaming one needs the right to create schemas in the database.
"""

from __future__ import annotations

from bridgework.common.postgres import Connection


def _name(schema: str) -> str:
    # Schema names come from settings, never from events; quoted all the same.
    return '"' + schema.replace('"', '""') + '"'


async def owner_of(connection: Connection, schema: str) -> str | None:
    """The role owning `schema`, or None when there is no such schema."""
    owner: str | None = await connection.fetchval(
        "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = $1", schema
    )
    return owner


async def create_empty(connection: Connection, schema: str, *, owner: str) -> None:
    """`schema`, empty and owned by `owner` (a leftover of a failed rebuild is dropped first)."""
    await connection.execute(f"DROP SCHEMA IF EXISTS {_name(schema)} CASCADE")
    await connection.execute(f"CREATE SCHEMA {_name(schema)} AUTHORIZATION {owner}")


async def swap(connection: Connection, *, live: str, rebuilt: str, retired: str) -> None:
    """`live` becomes `retired`, `rebuilt` becomes `live`; call in one transaction, so that
    readers see the old schema or the new one, never neither."""
    await connection.execute("SET LOCAL lock_timeout = '10s'")
    await connection.execute(f"ALTER SCHEMA {_name(live)} RENAME TO {_name(retired)}")
    await connection.execute(f"ALTER SCHEMA {_name(rebuilt)} RENAME TO {_name(live)}")
