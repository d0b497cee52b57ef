"""Postgres plumbing: a pool confined to the service's own schema, and SQL migrations."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, TypeAlias

import asyncpg
from asyncpg.pool import PoolAcquireContext

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    Pool: TypeAlias = asyncpg.Pool[asyncpg.Record]
    # What a use case gets: a pooled connection or a dedicated one; both speak the same SQL.
    Connection: TypeAlias = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]
    DedicatedConnection: TypeAlias = asyncpg.Connection[asyncpg.Record]
else:
    Pool = asyncpg.Pool
    Connection = asyncpg.Connection
    DedicatedConnection = asyncpg.Connection

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_COMMON_MIGRATIONS = "bridgework.common"


async def _init_connection(connection: DedicatedConnection) -> None:
    # asyncpg returns jsonb as str unless told otherwise.
    for type_name in ("json", "jsonb"):
        await connection.set_type_codec(
            type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


def connect_kwargs(schema: str, application_name: str) -> dict[str, Any]:
    """Connection options that put every query in the service's own schema."""
    if not _SCHEMA_NAME.match(schema):
        raise ValueError(f"invalid schema name {schema!r}")
    return {
        "server_settings": {"search_path": schema, "application_name": application_name},
        "init": _init_connection,
    }


async def _keep_session(_connection: DedicatedConnection) -> None:
    """Release a pooled connection without asyncpg's reset query, a round trip on every release.

    asyncpg still rolls back a transaction left open. The rest of the reset has nothing to
    undo here: pooled connections never LISTEN (dedicated connections do, `connect`), never
    SET a session variable (the search path is a connection default), keep no cursor past a
    transaction, and hold a session advisory lock only inside `migrate`, which unlocks it.
    A connection whose last operation failed half-way never gets here: see `FinishingPool`.
    """


if TYPE_CHECKING:
    _AcquireContext: TypeAlias = PoolAcquireContext[asyncpg.Record]
    _BasePool: TypeAlias = asyncpg.Pool[asyncpg.Record]
else:
    _AcquireContext = PoolAcquireContext
    _BasePool = asyncpg.Pool

# What a connection raises when its last operation may not have finished: the server went
# away, the socket broke, or asyncpg's protocol is mid-message (InternalClientError "cannot
# switch to state ..."). Cancellation too: the query may still run on the server.
UNFINISHED: tuple[type[BaseException], ...] = (
    asyncpg.InternalClientError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,
    OSError,
    TimeoutError,
    asyncio.CancelledError,
)


class _FinishingAcquireContext(_AcquireContext):
    async def __aexit__(self, *exc: object) -> None:
        connection = self.connection
        if connection is not None and len(exc) > 1 and isinstance(exc[1], UNFINISHED):
            # Closed, not reset: the pool then opens a fresh one for the next caller.
            connection.terminate()
        await super().__aexit__(*exc)


class FinishingPool(_BasePool):
    """A pool that never hands out again a connection whose last operation failed half-way.

    asyncpg returns such a connection to the pool as long as its socket is open; its
    protocol may still wait for the server's answer to the failed operation, and the next
    caller's first query then fails with "another operation is in progress" (issue 12;
    docs/architecture.md, "Health and outages").
    """

    def acquire(self, *, timeout: float | None = None) -> _FinishingAcquireContext:
        return _FinishingAcquireContext(self, timeout)


async def create_pool(dsn: str, *, schema: str, max_size: int = 10) -> Pool:
    """A pool whose connections see only `schema` (the service owns one schema, touches no other)."""
    options = connect_kwargs(schema, f"bridgework-{schema}")
    # asyncpg's create_pool with its defaults, but our pool class.
    pool = FinishingPool(
        dsn,
        min_size=1,
        max_size=max_size,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        server_settings=options["server_settings"],
        init=options["init"],
        reset=_keep_session,
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
    )
    await pool
    return pool


async def connect(dsn: str, *, schema: str, purpose: str) -> DedicatedConnection:
    """A dedicated connection (LISTEN and advisory locks need one outside the pool)."""
    options = connect_kwargs(schema, f"bridgework-{schema}-{purpose}")
    connection: DedicatedConnection = await asyncpg.connect(
        dsn, server_settings=options["server_settings"]
    )
    await _init_connection(connection)
    return connection


class MigrationChangedError(RuntimeError):
    """An applied migration file differs from the one applied: the service must not start.

    A schema built from another file than the one shipped would drift unseen; an operator
    restores the file (or writes a new migration) instead of editing an applied one.
    """

    def __init__(self, *, schema: str, version: str, recorded: str, shipped: str) -> None:
        super().__init__(
            f"migration {version} of schema {schema} was edited after it was applied: "
            f"applied with sha256 {recorded}, shipped with sha256 {shipped}. "
            "Restore the applied file and put the change in a new migration."
        )
        self.schema = schema
        self.version = version
        self.recorded = recorded
        self.shipped = shipped


@dataclass(frozen=True)
class _MigrationFile:
    version: str
    sql: str
    checksum: str


def _migration_files(package: str, prefix: str) -> list[_MigrationFile]:
    folder = resources.files(package) / "migrations"
    files = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            content = entry.read_bytes()
            files.append(
                _MigrationFile(
                    version=f"{prefix}:{entry.name}",
                    sql=content.decode("utf-8"),
                    checksum=hashlib.sha256(content).hexdigest(),
                )
            )
    return sorted(files, key=lambda file: file.version)


async def migrate(pool: Pool, *, schema: str, package: str | None) -> list[str]:
    """Create the schema and apply the common and the service's pending migrations, once each.

    `package` is the service package holding `migrations/*.sql` (None: the common ones only).

    An advisory lock serialises replicas starting together; each file runs in its
    own transaction with its version row, so a failed file leaves nothing half-done.
    Each row keeps the sha256 of the file applied: an applied file edited since raises
    `MigrationChangedError` before anything is applied (docs/operations.md, "Migrations").
    """
    if not _SCHEMA_NAME.match(schema):
        raise ValueError(f"invalid schema name {schema!r}")
    applied: list[str] = []
    async with pool.acquire() as connection:
        await connection.execute("SELECT pg_advisory_lock(hashtext($1))", f"migrate:{schema}")
        try:
            # A service role owns its schema but may not create schemas (database_roles):
            # CREATE SCHEMA IF NOT EXISTS checks that right even when the schema exists.
            if not await connection.fetchval(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema
            ):
                await connection.execute(f'CREATE SCHEMA "{schema}"')
            await connection.execute(
                f'CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations ('
                " version text PRIMARY KEY,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            # Tables made before checksums existed get the column here (hex sha256).
            await connection.execute(
                f'ALTER TABLE "{schema}".schema_migrations ADD COLUMN IF NOT EXISTS checksum text'
            )
            done: dict[str, str | None] = {
                row["version"]: row["checksum"]
                for row in await connection.fetch(
                    f'SELECT version, checksum FROM "{schema}".schema_migrations'
                )
            }
            files = _migration_files(_COMMON_MIGRATIONS, "common") + (
                _migration_files(package, "service") if package else []
            )
            await _check_applied(connection, schema, files, done)
            for file in files:
                if file.version in done:
                    continue
                async with connection.transaction():
                    await connection.execute(file.sql)
                    await connection.execute(
                        f'INSERT INTO "{schema}".schema_migrations (version, checksum)'
                        " VALUES ($1, $2)",
                        file.version,
                        file.checksum,
                    )
                applied.append(file.version)
                logger.info("applied migration %s to schema %s", file.version, schema)
        finally:
            await connection.execute("SELECT pg_advisory_unlock(hashtext($1))", f"migrate:{schema}")
    return applied


async def _check_applied(
    connection: Connection,
    schema: str,
    files: list[_MigrationFile],
    done: dict[str, str | None],
) -> None:
    """Refuse an applied file edited since; record the checksum of rows that have none.

    A row without a checksum was applied before checksums were kept: the file shipped now
    is taken as the one applied then (no edit was ever refused, and nothing else records
    what ran), so from this start on an edit is caught.
    """
    for file in files:
        if file.version not in done:
            continue
        recorded = done[file.version]
        if recorded is None:
            await connection.execute(
                f'UPDATE "{schema}".schema_migrations SET checksum = $2'
                " WHERE version = $1 AND checksum IS NULL",
                file.version,
                file.checksum,
            )
        elif recorded != file.checksum:
            raise MigrationChangedError(
                schema=schema, version=file.version, recorded=recorded, shipped=file.checksum
            )
