"""`bridgework readmodel rebuild` against a running gateway: the dashboard's figures, read
through GraphQL, are the same after the rebuilt schema is swapped in, and come from it."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest
from typer.testing import CliRunner, Result

from bridgework.cli.readmodel import app
from bridgework.common.clock import ManualClock
from bridgework.common.contracts import Contract
from bridgework.common.events import Event
from bridgework.graphql_gateway.app import create_app
from bridgework.graphql_gateway.settings import GatewaySettings
from tests.gateway_factories import bearer, busy_organisation, gateway_settings, organisation, token
from tests.infra import Infrastructure, create_database, drop_database, eventually, produce, running
from tests.integration.test_gateway_dashboard import DASHBOARD, NOVEMBER

pytestmark = pytest.mark.integration


async def fetch(database_url: str, query: str) -> Any:
    connection = await asyncpg.connect(database_url)
    try:
        return await connection.fetchval(query)
    finally:
        await connection.close()


async def bridgework_readmodel_rebuild(settings: GatewaySettings) -> Result:
    """The command as an operator runs it, in a thread: it runs its own event loop."""
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "BRIDGEWORK_GATEWAY_DATABASE_URL": settings.database_url,
        "BRIDGEWORK_TOPIC_NAMESPACE": settings.topic_namespace,
        "BRIDGEWORK_DEVELOPMENT_MODE": "true",
    }
    return await asyncio.to_thread(lambda: CliRunner().invoke(app, ["rebuild"], env=env))


async def test_a_rebuild_reproduces_the_dashboard_figures_exactly(infra: Infrastructure) -> None:
    database_url = await create_database(infra)
    org = organisation()
    settings = gateway_settings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=f"trebuild{id(org) % 10**8}",
    )
    events = org.events()
    by_stream: dict[str, list[Event[Contract]]] = {"incidents": [], "repairs": [], "followups": []}
    for event in events:
        by_stream[event.data.stream].append(event)
    try:
        async with running(create_app(settings, clock=ManualClock(org.now))) as client:

            async def dashboard() -> Any:
                response = await client.post(
                    "/graphql",
                    json={"query": DASHBOARD, "variables": {"period": NOVEMBER}},
                    headers=bearer(token()),
                )
                assert response.status_code == 200, response.text
                body = response.json()
                assert "errors" not in body, body
                return body["data"]["dashboard"]

            for stream, stream_events in by_stream.items():
                await produce(infra.kafka, f"{settings.topic_namespace}.{stream}", stream_events)

            async def all_applied() -> bool:
                count = await fetch(database_url, "SELECT count(*) FROM gateway.inbox")
                return bool(count == len(events))

            await eventually(all_applied, timeout=30)
            before = await dashboard()
            live_schema = "SELECT oid FROM pg_namespace WHERE nspname = 'gateway'"
            old_oid = await fetch(database_url, live_schema)

            result = await bridgework_readmodel_rebuild(settings)

            assert result.exit_code == 0, result.output
            assert f"{len(events)} events read, {len(events)} applied" in result.output
            assert "events/s" in result.output
            assert await fetch(database_url, live_schema) != old_oid, "the rebuilt schema is live"
            retired = await fetch(
                database_url, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'gateway_old_%'"
            )
            assert retired is not None
            assert await fetch(database_url, "SELECT count(*) FROM gateway.inbox") == len(events)
            assert await dashboard() == before
            assert before["repairsOpened"] == 5, "the figures compared are the organisation's"

            # The running gateway goes on, into the swapped-in schema (its pooled connections
            # find `gateway` by name), and the old schema is left alone.
            later = busy_organisation(seed=3, repairs=1)
            for event in later:
                await produce(
                    infra.kafka, f"{settings.topic_namespace}.{event.data.stream}", [event]
                )

            async def later_applied() -> bool:
                count = await fetch(database_url, "SELECT count(*) FROM gateway.inbox")
                return bool(count == len(events) + len(later))

            await eventually(later_applied, timeout=30)
            old_inbox = f"SELECT count(*) FROM {retired}.inbox"
            assert await fetch(database_url, old_inbox) == len(events)
    finally:
        await drop_database(infra, database_url)
