"""Erasure survives replay: a person is erased after a journey with answers; every topic is then
replayed from offset 0 into a fresh read model. Their words stay unreadable, their id is in no
table, and the dashboard's figures are those from before the erasure."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest

from bridgework.agreements.app import create_app as create_agreements
from bridgework.common.clock import ManualClock
from bridgework.common.key_store_start import key_store_from
from bridgework.graphql_gateway.app import create_app as create_gateway
from tests.agreements_factories import (
    AFFECTED,
    NOW,
    RESPONSIBLE,
    agreements_settings,
    by,
    reading_as_the_change_team,
)
from tests.gateway_factories import bearer, gateway_settings, token
from tests.infra import Infrastructure, eventually, running
from tests.integration.test_gateway_dashboard import DASHBOARD, NOVEMBER
from tests.integration.test_privacy_erasure import heard

pytestmark = pytest.mark.integration

KEY_ID = re.compile(r'"key_id": "([0-9a-f-]{36})"')


async def tables_naming(database_url: str, schema: str, person_id: str) -> list[str]:
    """Every table of the schema whose rows hold the id anywhere (in any column)."""
    connection = await asyncpg.connect(database_url)
    try:
        tables = await connection.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
            schema,
        )
        found = []
        for row in tables:
            hits = await connection.fetchval(
                f'SELECT count(*) FROM "{schema}"."{row["table_name"]}" t'
                " WHERE strpos(row_to_json(t)::text, $1) > 0",
                person_id,
            )
            if hits:
                found.append(row["table_name"])
        return found
    finally:
        await connection.close()


async def fetchval(database_url: str, query: str, *args: Any) -> Any:
    connection = await asyncpg.connect(database_url)
    try:
        return await connection.fetchval(query, *args)
    finally:
        await connection.close()


async def dashboard(client: httpx.AsyncClient) -> Any:
    response = await client.post(
        "/graphql",
        json={"query": DASHBOARD, "variables": {"period": NOVEMBER}},
        headers=bearer(token()),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["dashboard"]


async def readable_answers(database_url: str, schema: str, person_id: str) -> tuple[int, int]:
    """(sealed answers of the person in the read model, how many of their keys still exist)."""
    connection = await asyncpg.connect(database_url)
    try:
        answers = await connection.fetch(
            f'SELECT answers::text AS answers FROM "{schema}".conversations WHERE person_id = $1',
            person_id,
        )
        ids = {UUID(found) for row in answers for found in KEY_ID.findall(row["answers"])}
        held = await key_store_from(agreements_settings()).keys(connection, ids)
        return len(ids), len(held)
    finally:
        await connection.close()


async def test_an_erasure_holds_through_a_replay_of_every_topic_and_the_figures_stay(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    clock = ManualClock(NOW)
    common = {
        "kafka_bootstrap_servers": infra.kafka,
        "database_url": database_url,
        "topic_namespace": namespace,
    }
    agreements_app = create_agreements(
        agreements_settings(**common, outbox_poll_seconds=0.2), clock
    )
    live_settings = gateway_settings(**common)
    async with (
        running(agreements_app) as agreements_client,
        running(create_gateway(live_settings, clock=clock)) as live,
    ):
        agreements = reading_as_the_change_team(agreements_client)
        await heard(agreements, agreements_settings(**common))

        async def both_heard() -> bool:
            count = await fetchval(database_url, "SELECT count(*) FROM gateway.conversations")
            return bool(count == 2)

        await eventually(both_heard, timeout=30)
        before = await dashboard(live)
        assert await readable_answers(database_url, "gateway", AFFECTED.person_id) == (1, 1)

        erased = await agreements.post(
            "/v1/privacy/erasures",
            json={"person_id": AFFECTED.person_id},
            headers=by("p-dpo-1", "privacy_officer"),
        )
        assert erased.status_code == 200, erased.text
        tombstone = erased.json()["tombstone"]

        async def live_rewritten() -> bool:
            return await tables_naming(database_url, "gateway", AFFECTED.person_id) == []

        try:
            await eventually(live_rewritten, timeout=30)
        except AssertionError:
            left = await tables_naming(database_url, "gateway", AFFECTED.person_id)
            erasures = await fetchval(database_url, "SELECT count(*) FROM gateway.erased_people")
            raise AssertionError(f"still named in {left}; erasures heard: {erasures}") from None
        assert await dashboard(live) == before

        # A fresh read model (its own schema, so its own consumer group) replays from offset 0.
        replay_settings = gateway_settings(**common, service_name="gatewayreplay")
        async with running(create_gateway(replay_settings, clock=clock)) as replayed:
            live_applied = await fetchval(database_url, "SELECT count(*) FROM gateway.inbox")

            async def caught_up() -> bool:
                count = await fetchval(database_url, "SELECT count(*) FROM gatewayreplay.inbox")
                return bool(count == live_applied)

            await eventually(caught_up, timeout=60)

            assert await tables_naming(database_url, "gatewayreplay", AFFECTED.person_id) == []
            assert await tables_naming(database_url, "gatewayreplay", tombstone) != []
            assert await readable_answers(database_url, "gatewayreplay", tombstone) == (1, 0)
            assert await readable_answers(database_url, "gatewayreplay", RESPONSIBLE.person_id) == (
                1,
                1,
            )
            assert await dashboard(replayed) == before
