from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest

from tests.browser import require_chromium
from tests.e2e.system import System
from tests.infra import Infrastructure, create_database, delete_topics, drop_database


@pytest.fixture(scope="module")
async def system(infra: Infrastructure) -> AsyncIterator[System]:
    """The four services as processes, each as its own Postgres role, on a fresh database
    and topic namespace."""
    database_url = await create_database(infra)
    namespace = f"e2e{uuid4().hex[:8]}"
    system = System.configure(
        kafka=infra.kafka, database_url=database_url, namespace=namespace, own_roles=True
    )
    try:
        await system.start()
        yield system
    finally:
        exit_codes = system.stop()
        await drop_database(infra, database_url)
        await delete_topics(infra.kafka, namespace)
    # uvicorn drains, then re-raises the SIGTERM it caught: -15 is its clean exit.
    clean = (0, -signal.SIGTERM)
    assert all(code in clean for code in exit_codes.values()), f"unclean shutdown: {exit_codes}"


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's chromium (tests/browser.py); its absence fails the test."""
    return require_chromium()
