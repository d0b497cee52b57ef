"""A start refused for an edited migration exits non-zero with one clear message."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.infra import free_port

SCRIPT = textwrap.dedent(
    """
    from contextlib import asynccontextmanager
    from fastapi import FastAPI
    from bridgework.common.postgres import MigrationChangedError
    from bridgework.common.serve import serve
    from bridgework.common.settings import ServiceSettings

    @asynccontextmanager
    async def lifespan(app):
        raise MigrationChangedError(
            schema="shelf", version="service:001_shelf.sql", recorded="a" * 64, shipped="b" * 64
        )
        yield

    serve(FastAPI(lifespan=lifespan), ServiceSettings(
        development_mode=True, service_name="shelf", http_port={port}, log_format="text"
    ))
    """
)


def test_an_edited_migration_stops_the_service_with_its_message_and_no_traceback() -> None:
    finished = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT.format(port=free_port())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode != 0
    assert finished.stderr.rstrip().endswith(
        "shelf will not start: migration service:001_shelf.sql of schema shelf was edited after"
        f" it was applied: applied with sha256 {'a' * 64}, shipped with sha256 {'b' * 64}."
        " Restore the applied file and put the change in a new migration."
    )
    assert "Traceback" not in finished.stderr + finished.stdout
    assert "Application startup failed" not in finished.stderr + finished.stdout
