"""The data keys, wrapped by the KEK, in the shared `privacy` schema of Postgres.

The one place a confidential text can be opened from: destroying a person's rows here is
their erasure (crypto-shredding), in every table and every topic the ciphertext reached.
The schema is owned by agreements' role; follow-up may add keys, the gateway only reads
(`bridgework.common.database_roles`). Methods take the caller's connection, so a key is
created in the same transaction as the first text it seals.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterable
from uuid import UUID

import asyncpg

from bridgework.common.postgres import Connection
from bridgework.common.privacy.keys import (
    KEK_SETTING,
    KEY_BYTES,
    DataKey,
    KeyEncryptionKey,
    PrivacyConfigError,
    UnwrapError,
)

SCHEMA = "privacy"
# The canary is a wrapped random key: opening it proves the configured KEK is the one that
# wrapped the stored data keys, before any of them is needed.
_CANARY_KEY_ID = UUID(int=0)

_TABLES = (
    """CREATE TABLE IF NOT EXISTS privacy.data_keys (
        key_id uuid PRIMARY KEY,
        person_id text NOT NULL,
        repair_id uuid NOT NULL,
        kek_id text NOT NULL,
        wrapped bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (person_id, repair_id)
    )""",
    "CREATE INDEX IF NOT EXISTS data_keys_repair ON privacy.data_keys (repair_id)",
    """CREATE TABLE IF NOT EXISTS privacy.kek_canary (
        id int PRIMARY KEY CHECK (id = 1),
        kek_id text NOT NULL,
        wrapped bytea NOT NULL
    )""",
)


class KeyStore:
    """Data keys of (person, repair), created on first use, destroyed on erasure or expiry."""

    def __init__(self, kek: KeyEncryptionKey) -> None:
        self._kek = kek

    async def prepare(self, conn: Connection, *, wait_for_owner: float = 60.0) -> None:
        """At start: make the schema where the role may, and prove the KEK opens the keys.

        Follow-up and the gateway may neither make the tables nor (the gateway) write the
        canary: started before agreements on a new database, they wait up to `wait_for_owner`
        seconds for it, so the services can start in any order.
        """
        deadline = time.monotonic() + wait_for_owner
        while True:
            try:
                await self._set_up(conn)
                break
            except asyncpg.InsufficientPrivilegeError:
                if time.monotonic() >= deadline:
                    raise PrivacyConfigError(
                        "the privacy schema is missing and this database role may not create "
                        "it: start agreements (whose role owns it) or run "
                        "`python -m bridgework.common.database_roles` as the administrator"
                    ) from None
                await asyncio.sleep(0.5)

        wrapped = await conn.fetchval("SELECT wrapped FROM privacy.kek_canary WHERE id = 1")
        try:
            self._kek.unwrap(wrapped, key_id=_CANARY_KEY_ID)
        except UnwrapError:
            raise PrivacyConfigError(
                f"{KEK_SETTING} does not open the data keys already stored: it is not the "
                "key-encryption key they were wrapped with"
            ) from None

    async def _set_up(self, conn: Connection) -> None:
        await conn.execute("SELECT pg_advisory_lock(hashtext('bridgework:privacy-schema'))")
        try:
            await self._create_schema(conn)
            # Looked for first: the gateway's role may only read (database_roles), and an
            # INSERT needs the right even when ON CONFLICT makes it do nothing.
            if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM privacy.kek_canary)"):
                await conn.execute(
                    "INSERT INTO privacy.kek_canary (id, kek_id, wrapped) VALUES (1, $1, $2)"
                    " ON CONFLICT (id) DO NOTHING",
                    self._kek.kek_id,
                    self._kek.wrap(os.urandom(KEY_BYTES), key_id=_CANARY_KEY_ID),
                )
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext('bridgework:privacy-schema'))")

    async def _create_schema(self, conn: Connection) -> None:
        # CREATE ... IF NOT EXISTS still needs the right to create: look first, so the
        # follow-up and gateway roles (no such right) pass once the schema is there.
        exists = await conn.fetchval(
            "SELECT to_regclass('privacy.data_keys') IS NOT NULL"
            " AND to_regclass('privacy.kek_canary') IS NOT NULL"
        )
        if exists:
            return
        has_schema = await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", SCHEMA
        )
        if not has_schema:
            await conn.execute(f'CREATE SCHEMA "{SCHEMA}"')
        for statement in _TABLES:
            await conn.execute(statement)

    async def key_for(self, conn: Connection, *, person_id: str, repair_id: UUID) -> DataKey:
        """The person's key in the repair, made now if they have none."""
        row = await conn.fetchrow(
            "SELECT key_id, wrapped FROM privacy.data_keys WHERE person_id = $1 AND repair_id = $2",
            person_id,
            repair_id,
        )
        if row is None:
            key_id = uuid.uuid4()
            secret = os.urandom(KEY_BYTES)
            inserted = await conn.fetchval(
                "INSERT INTO privacy.data_keys (key_id, person_id, repair_id, kek_id, wrapped)"
                " VALUES ($1, $2, $3, $4, $5)"
                " ON CONFLICT (person_id, repair_id) DO NOTHING RETURNING key_id",
                key_id,
                person_id,
                repair_id,
                self._kek.kek_id,
                self._kek.wrap(secret, key_id=key_id),
            )
            if inserted is not None:
                return DataKey(key_id, person_id, repair_id, secret)
            # Another transaction made it first; it has committed, so this statement sees it.
            row = await conn.fetchrow(
                "SELECT key_id, wrapped FROM privacy.data_keys"
                " WHERE person_id = $1 AND repair_id = $2",
                person_id,
                repair_id,
            )
            assert row is not None
        return self._open(row["key_id"], person_id, repair_id, row["wrapped"])

    async def keys(self, conn: Connection, key_ids: Iterable[UUID]) -> dict[UUID, DataKey]:
        """The keys still held among `key_ids`; a missing one was destroyed (or never was)."""
        wanted = list(set(key_ids))
        if not wanted:
            return {}
        rows = await conn.fetch(
            "SELECT key_id, person_id, repair_id, wrapped FROM privacy.data_keys"
            " WHERE key_id = ANY($1::uuid[])",
            wanted,
        )
        return {
            row["key_id"]: self._open(
                row["key_id"], row["person_id"], row["repair_id"], row["wrapped"]
            )
            for row in rows
        }

    async def destroy_person(self, conn: Connection, person_id: str) -> int:
        """Erasure: every key of the person, in every repair. Returns how many were held."""
        status = await conn.execute("DELETE FROM privacy.data_keys WHERE person_id = $1", person_id)
        return _count(status)

    async def destroy_repair(self, conn: Connection, repair_id: UUID) -> int:
        """Retention: every key of the repair, everyone's."""
        status = await conn.execute("DELETE FROM privacy.data_keys WHERE repair_id = $1", repair_id)
        return _count(status)

    async def repairs_of(self, conn: Connection, person_id: str) -> list[UUID]:
        """The repairs the person has a key in (what an export must read)."""
        rows = await conn.fetch(
            "SELECT repair_id FROM privacy.data_keys WHERE person_id = $1 ORDER BY created_at",
            person_id,
        )
        return [row["repair_id"] for row in rows]

    def _open(self, key_id: UUID, person_id: str, repair_id: UUID, wrapped: bytes) -> DataKey:
        try:
            secret = self._kek.unwrap(wrapped, key_id=key_id)
        except UnwrapError:
            raise PrivacyConfigError(
                f"data key {key_id} does not open with {KEK_SETTING}: wrong key-encryption key"
            ) from None
        return DataKey(key_id, person_id, repair_id, secret)


def _count(status: str) -> int:
    # asyncpg returns the command tag, e.g. "DELETE 3".
    return int(status.rsplit(" ", 1)[-1])
