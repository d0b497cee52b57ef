"""Migrations carry checksums: an applied file edited since stops the start (issue 12)."""

from __future__ import annotations

import hashlib
import importlib
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from bridgework.common.postgres import MigrationChangedError, Pool, create_pool, migrate

pytestmark = pytest.mark.integration

SCHEMA = "checksummed"
FIRST = "CREATE TABLE shelf (id int PRIMARY KEY);\n"


@pytest.fixture
def migrations_package(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A throwaway service package with one migration, importable for this test only."""
    name = f"bwtest_migrations_{uuid4().hex[:8]}"
    folder = tmp_path / name / "migrations"
    folder.mkdir(parents=True)
    (tmp_path / name / "__init__.py").write_text("")
    (folder / "001_shelf.sql").write_text(FIRST)
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    yield name, folder
    sys.path.remove(str(tmp_path))
    sys.modules.pop(name, None)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[Pool]:
    pool = await create_pool(database_url, schema=SCHEMA)
    yield pool
    await pool.close()


async def _checksums(pool: Pool) -> dict[str, str | None]:
    rows = await pool.fetch(f"SELECT version, checksum FROM {SCHEMA}.schema_migrations")
    return {row["version"]: row["checksum"] for row in rows}


async def test_an_unedited_start_applies_nothing_and_records_each_files_sha256(
    pool: Pool, migrations_package: tuple[str, Path]
) -> None:
    package, _ = migrations_package
    applied = await migrate(pool, schema=SCHEMA, package=package)
    assert "service:001_shelf.sql" in applied
    assert await migrate(pool, schema=SCHEMA, package=package) == []
    checksums = await _checksums(pool)
    assert checksums["service:001_shelf.sql"] == hashlib.sha256(FIRST.encode()).hexdigest()
    assert all(checksum and len(checksum) == 64 for checksum in checksums.values())


async def test_an_applied_file_edited_since_refuses_the_start_naming_schema_file_and_checksums(
    pool: Pool, migrations_package: tuple[str, Path]
) -> None:
    package, folder = migrations_package
    await migrate(pool, schema=SCHEMA, package=package)
    edited = FIRST + "ALTER TABLE shelf ADD COLUMN label text;\n"
    (folder / "001_shelf.sql").write_text(edited)
    (folder / "002_more.sql").write_text("CREATE TABLE more (id int);\n")

    with pytest.raises(MigrationChangedError) as refused:
        await migrate(pool, schema=SCHEMA, package=package)

    message = str(refused.value)
    assert f"schema {SCHEMA}" in message
    assert "service:001_shelf.sql" in message
    assert hashlib.sha256(FIRST.encode()).hexdigest() in message
    assert hashlib.sha256(edited.encode()).hexdigest() in message
    # Refused before anything pending was applied.
    assert "service:002_more.sql" not in await _checksums(pool)


async def test_rows_applied_before_checksums_existed_get_theirs_on_the_next_start(
    pool: Pool, migrations_package: tuple[str, Path]
) -> None:
    package, _ = migrations_package
    await migrate(pool, schema=SCHEMA, package=package)
    # Back to the table as it was before checksums: no checksum column at all.
    await pool.execute(f"ALTER TABLE {SCHEMA}.schema_migrations DROP COLUMN checksum")

    assert await migrate(pool, schema=SCHEMA, package=package) == []

    checksums = await _checksums(pool)
    assert checksums["service:001_shelf.sql"] == hashlib.sha256(FIRST.encode()).hexdigest()
    assert None not in checksums.values()
