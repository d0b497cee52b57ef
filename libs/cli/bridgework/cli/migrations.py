"""`bridgework migrations status`: which migration files each service's schema has applied.

Read-only: it never creates the schema nor its version table. A file is `applied`,
`pending`, or `edited` when the version table keeps checksums (the hex SHA-256 of the file's
bytes, as common's `migrate` records them) and the file's differs; a version in the table with no file
is `unknown` (a newer release applied it, or a file was renamed).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from typing import Annotated

import asyncpg
import typer
from rich.console import Console
from rich.table import Table

from bridgework.cli.environment import (
    MIGRATION_PACKAGES,
    SERVICES,
    Service,
    fail,
    run,
    settings_of,
)

app = typer.Typer(help="Database migrations of each service.", no_args_is_help=True)
COMMON_PACKAGE = "bridgework.common"


@dataclass(frozen=True)
class MigrationState:
    version: str
    state: str  # applied, pending, edited, unknown


def migration_files(service: Service) -> dict[str, str]:
    """The SHA-256 of every migration a service runs, by version (as `migrate` names them)."""
    files: dict[str, str] = {}
    for prefix, package in (("common", COMMON_PACKAGE), ("service", MIGRATION_PACKAGES[service])):
        folder = resources.files(package) / "migrations"
        for entry in sorted(folder.iterdir(), key=lambda entry: entry.name):
            if entry.name.endswith(".sql"):
                files[f"{prefix}:{entry.name}"] = hashlib.sha256(entry.read_bytes()).hexdigest()
    return files


def compare(files: dict[str, str], recorded: dict[str, str | None]) -> list[MigrationState]:
    """Each file's state against the recorded versions (and their checksums, when kept)."""
    states: list[MigrationState] = []
    for version, digest in files.items():
        if version not in recorded:
            states.append(MigrationState(version, "pending"))
            continue
        checksum = recorded[version]
        edited = checksum is not None and checksum != digest
        states.append(MigrationState(version, "edited" if edited else "applied"))
    states += [MigrationState(v, "unknown") for v in sorted(set(recorded) - set(files))]
    return states


async def recorded_versions(dsn: str, schema: str) -> dict[str, str | None]:
    """The versions in the schema's table, with checksums where the table has that column."""
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        table = await connection.fetchval(
            "SELECT to_regclass(format('%I.schema_migrations', $1::text))::text", schema
        )
        if table is None:
            return {}
        has_checksum = await connection.fetchval(
            "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = $1"
            " AND table_name = 'schema_migrations' AND column_name = 'checksum')",
            schema,
        )
        column = "checksum" if has_checksum else "NULL::text"
        rows = await connection.fetch(
            f'SELECT version, {column} AS checksum FROM "{schema}".schema_migrations'
        )
        return {row["version"]: row["checksum"] for row in rows}
    finally:
        await connection.close()


@app.command("status")
def status(
    service: Annotated[
        list[str] | None,
        typer.Option(help="Only this service (repeat); default: all four."),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            help="The DSN to read (with one --service only); default: "
            "BRIDGEWORK_<SERVICE>_DATABASE_URL, then DATABASE_URL."
        ),
    ] = None,
) -> None:
    """Which migrations each service's schema has applied, and which are pending or edited.

    Exit status 1 when an applied file was edited (or a database cannot be read)."""
    chosen = _services(service or list(SERVICES))
    if database_url is not None and len(chosen) != 1:
        fail("--database-url needs exactly one --service (each service has its own role)")
    table = Table("service", "migration", "state")
    edited = False
    for name in chosen:
        settings = settings_of(name, database_url)
        recorded = run(recorded_versions(settings.database_url, settings.db_schema))
        for item in compare(migration_files(name), recorded):
            edited = edited or item.state == "edited"
            colour = {"applied": "green", "pending": "yellow"}.get(item.state, "red")
            table.add_row(name, item.version, f"[{colour}]{item.state}[/{colour}]")
    Console().print(table)
    # Pending files are normal before a start (the service applies them); an edited one is not.
    if edited:
        fail("an applied migration was edited since: restore the file as it was applied")


def _services(names: list[str]) -> list[Service]:
    chosen: list[Service] = []
    for name in names:
        if name not in SERVICES:
            fail(f"--service {name!r}: one of {', '.join(SERVICES)}")
        chosen.extend(s for s in SERVICES if s == name)
    return chosen
