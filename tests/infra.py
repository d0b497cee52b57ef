"""Test access to the real Kafka broker and PostgreSQL server that deploy/local/infra.sh started.

Tests that need them FAIL when they are missing; they never skip. `make test`
(deploy/local/test.sh) starts both and exports their addresses; with
BRIDGEWORK_TEST_INFRA=testcontainers the session starts containers instead (tests/containers.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import asyncpg
import httpx
import uvicorn
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from fastapi import FastAPI

from bridgework.common.contracts import Contract
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.events import Event, to_kafka
from bridgework.common.privacy import KEK_SETTING, KeyStore, LocalKek, unseal
from tests.factories import TEST_KEY

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Infrastructure:
    kafka: str
    database_url: str

    def database_url_for(self, name: str) -> str:
        parts = urlsplit(self.database_url)
        return urlunsplit(parts._replace(path=f"/{name}"))


def infrastructure_from_env(environ: Mapping[str, str] | None = None) -> Infrastructure:
    """The addresses of the local processes (or any broker and server) from the environment.

    tests/containers.py starts containers instead when BRIDGEWORK_TEST_INFRA=testcontainers.
    """
    environ = os.environ if environ is None else environ
    missing = [
        name for name in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL") if not environ.get(name)
    ]
    if missing:
        raise RuntimeError(
            f"{', '.join(missing)} not set: integration tests need the real Kafka and Postgres. "
            'Run them with `make test`, or `eval "$(deploy/local/infra.sh up)"` first.'
        )
    return Infrastructure(
        kafka=environ["KAFKA_BOOTSTRAP_SERVERS"], database_url=environ["DATABASE_URL"]
    )


async def create_database(infra: Infrastructure) -> str:
    """A fresh, empty database for one test; returns its DSN."""
    name = f"bwtest_{uuid4().hex[:12]}"
    connection = await asyncpg.connect(infra.database_url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return infra.database_url_for(name)


async def drop_database(infra: Infrastructure, dsn: str) -> None:
    """Drop a test's database; an autovacuum worker inside it (which FORCE may not end, the
    server refuses with a privilege error) is waited out, up to a few seconds."""
    name = urlsplit(dsn).path.lstrip("/")
    connection = await asyncpg.connect(infra.database_url)
    try:
        for attempt in range(20):
            try:
                await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except (asyncpg.InsufficientPrivilegeError, asyncpg.ObjectInUseError):
                if attempt == 19:
                    raise
                await asyncio.sleep(0.1 * (attempt + 1))
    finally:
        await connection.close()


async def delete_topics(kafka: str, namespace: str) -> None:
    """Delete the topics of a test's namespace once it is done with them.

    Every test makes eight topics of four partitions: kept, they pile up run after run
    until the broker runs out of file handles ("Too many open files" on a long-lived test
    instance). Cleaning up must not fail the test it follows, so a failure is only logged.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    try:
        await admin.start()
        mine = [t for t in await admin.list_topics() if t.startswith(f"{namespace}.")]
        if mine:
            await admin.delete_topics(mine)
    except KafkaError as error:
        logger.warning("could not delete the topics of %s: %r", namespace, error)
    finally:
        await admin.close()


async def produce(
    kafka: str, topic: str, events: Sequence[Event[Contract]], *, extra: Sequence[Any] = ()
) -> None:
    """Put events (and any raw (key, value, headers) tuples in `extra`) on a topic, acks=all."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka, enable_idempotence=True)
    await producer.start()
    try:
        for event in events:
            record = to_kafka(event)
            headers = [(k, v.encode()) for k, v in record.headers.items()]
            await producer.send_and_wait(topic, record.value, key=record.key, headers=headers)
        for key, value, headers in extra:
            await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


async def read_topic(
    kafka: str,
    topic: str,
    *,
    until: Callable[[list[Any]], bool],
    timeout: float = 30.0,
    settle: float = 0.0,
) -> list[Any]:
    """Read a topic from the start until `until(records)` holds, then `settle` seconds more.

    The settling read catches records that should not be there (a second copy),
    so exactly-once assertions look past the first moment they could hold.
    """
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while not until(records):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{topic}: condition not met in {timeout}s; read {len(records)}"
                )
            batch = await consumer.getmany(timeout_ms=200)
            for partition_records in batch.values():
                records.extend(partition_records)
        settled = time.monotonic() + settle
        while time.monotonic() < settled:
            batch = await consumer.getmany(timeout_ms=100)
            for partition_records in batch.values():
                records.extend(partition_records)
    finally:
        await consumer.stop()
    return records


async def eventually(
    check: Callable[[], Any], *, timeout: float = 30.0, interval: float = 0.1
) -> Any:
    """Await `check()` until it returns something truthy; fail with its last answer after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout}s; last answer: {result!r}")
        await asyncio.sleep(interval)


def header(record: Any, name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return str(value.decode())
    return None


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run a service app in-process (lifespan and all) and talk to it over ASGI."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


@asynccontextmanager
async def served(app: FastAPI, *, lifespan: bool = False) -> AsyncIterator[str]:
    """The app under uvicorn on a free loopback port, for clients that need a real socket
    (a browser, a WebSocket): yields its base URL. Without `lifespan`, the caller runs it or
    the routes need none."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on" if lifespan else "off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 20)


def free_port() -> int:
    """A free port below the ephemeral range (32768-60999).

    A port the kernel hands out for binding to 0 is an ephemeral one: after a
    service is killed, an outgoing connection may take it as its source port
    and the restarted service cannot listen on it again.
    """
    for _ in range(200):
        port = random.randrange(20000, 32000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000")


async def opened_in(database_url: str, sealed: Sealed | None) -> str | None:
    """A sealed text opened as a service would: with the test session's KEK
    (tests/conftest.py) and the data key stored in this database (None: none, or erased)."""
    if sealed is None:
        return None
    store = KeyStore(LocalKek.from_setting(os.environ.get(KEK_SETTING)))
    connection = await asyncpg.connect(database_url)
    try:
        keys = await store.keys(connection, [sealed.key_id])
    finally:
        await connection.close()
    key = keys.get(sealed.key_id)
    return unseal(key, sealed) if key else None


async def hold_test_key(database_url: str) -> None:
    """Store the tests' data key (tests/factories.py, TEST_KEY) in this database's key store,
    wrapped with the session's KEK, so a service opens what `sealed` sealed. The store's
    tables must exist: a service that seals or reads texts has started on the database."""
    kek = LocalKek.from_setting(os.environ.get(KEK_SETTING))
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(
            "INSERT INTO privacy.data_keys (key_id, person_id, repair_id, kek_id, wrapped)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            TEST_KEY.key_id,
            TEST_KEY.person_id,
            TEST_KEY.repair_id,
            kek.kek_id,
            kek.wrap(TEST_KEY.secret, key_id=TEST_KEY.key_id),
        )
    finally:
        await connection.close()
