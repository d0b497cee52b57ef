"""Health that means something: intake serves before Kafka does, live fails on a stuck loop,
a broken pooled connection is never handed out again (issue 12, "Operations")."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import asyncpg
import pytest

from bridgework.common.outbox import pending_count
from bridgework.common.postgres import create_pool
from bridgework.common.runtime import Runtime
from bridgework.graphql_gateway.app import create_app as create_gateway
from tests.factories import submission_json
from tests.gateway_factories import bearer as gateway_bearer
from tests.gateway_factories import gateway_settings, token
from tests.infra import Infrastructure, eventually, free_port, running
from tests.intake_factories import bearer, running_intake

pytestmark = pytest.mark.integration


@contextlib.asynccontextmanager
async def forwarder(port: int, target: str) -> AsyncIterator[None]:
    """A TCP forwarder on `port` to `target` (host:port): "the broker comes back" there.

    Kafka's metadata names the broker's own address, so only bootstrapping goes through it.
    """
    host, target_port = target.rsplit(":", 1)

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(host, int(target_port))
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    server = await asyncio.start_server(on_client, "127.0.0.1", port)
    try:
        yield
    finally:
        server.close()


async def test_intake_serves_and_accepts_incidents_while_kafka_is_away(
    infra: Infrastructure,
) -> None:
    port = free_port()  # nothing listens here until the forwarder does
    dead_kafka = replace(infra, kafka=f"127.0.0.1:{port}")
    started = time.monotonic()
    async with running_intake(dead_kafka) as intake:
        assert time.monotonic() - started < 10, "the lifespan waited for Kafka"
        ready = await intake.client.get("/health/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["postgres"] == "ok"
        assert ready.json()["checks"]["kafka"].startswith("failing")
        assert ready.json()["gating"] == ["postgres"]

        token = await intake.token("it")
        response = await intake.client.post(
            "/v1/incidents", json=submission_json(), headers=bearer(token)
        )
        assert response.status_code == 202, response.text
        assert await pending_count(intake.pool) == 1

        async with forwarder(port, infra.kafka):
            [event] = await asyncio.wait_for(
                intake.events_of(response.json()["incident_id"]), timeout=90
            )
            assert str(event.subject) == response.json()["incident_id"]
            assert await pending_count(intake.pool) == 0
            ready = await intake.client.get("/health/ready")
            assert ready.json()["checks"] == {"postgres": "ok", "kafka": "ok"}

            async def lag_reported() -> bool:
                consumers = (await intake.client.get("/health/ready")).json()["consumers"]
                group = consumers.get(f"{intake.settings.topic_namespace}.intake", {})
                return len(group.get("partitions", {})) == intake.settings.topic_partitions

            await eventually(lag_reported, timeout=30)


async def test_live_fails_when_a_background_loop_stops_beating(infra: Infrastructure) -> None:
    async with running_intake(infra, liveness_stall_seconds=1.0) as intake:
        assert (await intake.client.get("/health/live")).status_code == 200
        runtime: Runtime = intake.app.state.runtime

        async def a_loop_that_gets_stuck() -> None:
            heartbeat = runtime.heartbeats.periodic("stuck-loop", every_seconds=0.1)
            for _ in range(3):
                heartbeat.beat()
                await asyncio.sleep(0.1)
            await asyncio.Event().wait()  # an await that never returns

        stuck = asyncio.create_task(a_loop_that_gets_stuck())
        try:
            await asyncio.sleep(0.5)
            assert (await intake.client.get("/health/live")).status_code == 200
            await asyncio.sleep(1.5)
            live = await intake.client.get("/health/live")
            assert live.status_code == 503, live.text
            assert live.json()["loops"]["stuck-loop"]["status"] == "stuck"
            assert live.json()["loops"]["outbox-relay"]["status"] == "ok"
        finally:
            stuck.cancel()


async def test_a_connection_whose_operation_broke_is_not_handed_out_again(
    database_url: str,
) -> None:
    pool = await create_pool(database_url, schema="public", max_size=2)

    async def pid_then(sql: str, *, timeout: float = 5.0) -> int:
        async with pool.acquire() as connection:
            pid = connection.get_server_pid()
            with contextlib.suppress(asyncpg.PostgresError, TimeoutError):
                await asyncio.wait_for(connection.fetchval(sql), timeout)
            return pid

    async def pid_then_failing(sql: str, *, timeout: float) -> int:
        pid = 0
        with contextlib.suppress(asyncpg.PostgresError, TimeoutError):
            async with pool.acquire() as connection:
                pid = connection.get_server_pid()
                await asyncio.wait_for(connection.fetchval(sql), timeout)
        return pid

    try:
        first = await pid_then("SELECT 1")
        # A query that fails on the server leaves the connection in order: it is reused.
        assert await pid_then_failing("SELECT * FROM no_such_table", timeout=5) == first
        assert await pid_then("SELECT 1") == first
        # One whose operation did not finish (cancelled mid-query) is closed, not reused.
        assert await pid_then_failing("SELECT pg_sleep(5)", timeout=0.2) == first
        assert await pid_then("SELECT 1") != first
    finally:
        await pool.close()


async def test_the_gateway_answers_graphql_503_with_retry_after_while_its_database_is_away(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    settings = gateway_settings(
        kafka_bootstrap_servers=infra.kafka, database_url=database_url, topic_namespace=namespace
    )
    query = {"query": "{ repairs(first: 5) { edges { node { id } } } }"}
    app = create_gateway(settings)
    async with running(app) as gateway:
        assert (await gateway.post("/graphql", json=query, headers=gateway_bearer(token()))).json()[
            "data"
        ] == {"repairs": {"edges": []}}
        runtime: Runtime = app.state.runtime
        await runtime.pool.close()  # every later acquire fails as with Postgres away

        response = await gateway.post("/graphql", json=query, headers=gateway_bearer(token()))
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "2"
        assert response.json()["errors"][0]["extensions"] == {"code": "DATABASE_UNAVAILABLE"}
        assert "SELECT" not in response.text
        assert (await gateway.get("/health/ready")).status_code == 503
