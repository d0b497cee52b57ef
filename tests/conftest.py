from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from uuid import uuid4

import pytest

from bridgework.common.privacy import KEK_SETTING, new_kek_text
from tests.containers import session_infrastructure
from tests.infra import (
    Infrastructure,
    create_database,
    delete_topics,
    drop_database,
)

# One key-encryption key per test session: every service's settings read it from the
# environment, as the processes the end-to-end tests start do (each test has a database of
# its own, so no stored key was wrapped by another session's KEK).
os.environ.setdefault(KEK_SETTING, new_kek_text())


@pytest.fixture(scope="session")
def infra() -> Iterator[Infrastructure]:
    """The real broker and database; raises (never skips) when they are not there. The local
    processes' addresses by default; containers with BRIDGEWORK_TEST_INFRA=testcontainers."""
    with session_infrastructure() as infrastructure:
        yield infrastructure


@pytest.fixture
async def database_url(infra: Infrastructure) -> AsyncIterator[str]:
    """A fresh database for one test, dropped afterwards."""
    dsn = await create_database(infra)
    yield dsn
    await drop_database(infra, dsn)


@pytest.fixture
async def namespace(infra: Infrastructure) -> AsyncIterator[str]:
    """A topic namespace of this test's own, so tests never read each other's events;
    its topics are deleted afterwards."""
    name = f"t{uuid4().hex[:10]}"
    yield name
    await delete_topics(infra.kafka, name)
