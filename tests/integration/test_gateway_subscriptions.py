"""Live dashboards: graphql-transport-ws over a real uvicorn server, fed by real Kafka events."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bridgework.common.clock import ManualClock
from bridgework.graphql_gateway.app import create_app
from bridgework.graphql_gateway.settings import GatewaySettings
from tests.gateway_factories import DAY, T0, RepairStory, gateway_settings, token
from tests.infra import Infrastructure, free_port, produce

pytestmark = pytest.mark.integration

PROTOCOL = "graphql-transport-ws"
LIVE = """subscription($period: PeriodInput) {
  dashboard(period: $period) { repairsOpened responseModes { pending } } }"""
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture
def settings(infra: Infrastructure, database_url: str, namespace: str) -> GatewaySettings:
    return gateway_settings(
        kafka_bootstrap_servers=infra.kafka, database_url=database_url, topic_namespace=namespace
    )


@pytest.fixture
async def server_url(settings: GatewaySettings) -> AsyncIterator[str]:
    """The gateway served by uvicorn on a free port, as in production (WebSockets and all)."""
    port = free_port()
    app = create_app(settings, clock=ManualClock(T0 + DAY))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if serving.done():
                serving.result()
            await asyncio.sleep(0.05)
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(serving, 20)


async def receive(websocket: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(websocket.recv(), 20))
    return message


async def test_a_subscribed_dashboard_updates_when_events_arrive(
    server_url: str, settings: GatewaySettings
) -> None:
    async with connect(server_url, subprotocols=[PROTOCOL]) as websocket:  # type: ignore[list-item]
        await websocket.send(
            json.dumps(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {token()}"}}
            )
        )
        assert (await receive(websocket))["type"] == "connection_ack"
        await websocket.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": LIVE, "variables": {"period": NOVEMBER}},
                }
            )
        )
        first = await receive(websocket)
        assert first["type"] == "next", first
        assert first["payload"]["data"]["dashboard"]["repairsOpened"] == 0

        story = RepairStory()
        await produce(settings.kafka_bootstrap_servers, settings.topics.repairs, story.events()[1:])

        update = await receive(websocket)
        while update["payload"]["data"]["dashboard"]["repairsOpened"] == 0:
            update = await receive(websocket)
        assert update["type"] == "next"
        assert update["payload"]["data"]["dashboard"] == {
            "repairsOpened": 1,
            "responseModes": {"pending": 1},
        }


async def test_a_websocket_without_a_valid_token_is_closed_as_forbidden(server_url: str) -> None:
    async with connect(server_url, subprotocols=[PROTOCOL]) as websocket:  # type: ignore[list-item]
        await websocket.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": "Bearer forged"}})
        )
        with pytest.raises(ConnectionClosed) as closed:
            await receive(websocket)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


async def test_a_participant_cannot_subscribe_to_aggregates(server_url: str) -> None:
    participant = token("p-fin-014", "participant", department="finance")
    async with connect(server_url, subprotocols=[PROTOCOL]) as websocket:  # type: ignore[list-item]
        await websocket.send(
            json.dumps(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {participant}"}}
            )
        )
        assert (await receive(websocket))["type"] == "connection_ack"
        await websocket.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": LIVE}})
        )
        refused = await receive(websocket)

    assert refused["type"] in ("error", "next")
    errors = refused["payload"] if refused["type"] == "error" else refused["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_subscription_does_not_outlive_its_token(server_url: str) -> None:
    """The stream ends when the token that opened it expires, though the socket stays usable
    for a fresh subscription with a new token (reconnecting is the client's part)."""
    short_lived = token(expires_in=2)
    async with connect(server_url, subprotocols=[PROTOCOL]) as websocket:  # type: ignore[list-item]
        await websocket.send(
            json.dumps(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {short_lived}"}}
            )
        )
        assert (await receive(websocket))["type"] == "connection_ack"
        await websocket.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": LIVE, "variables": {"period": NOVEMBER}},
                }
            )
        )
        assert (await receive(websocket))["type"] == "next"
        started = asyncio.get_running_loop().time()

        # No event arrives; the token's expiry alone ends the stream.
        ending = await receive(websocket)
        messages = [ending]
        while messages[-1]["type"] not in ("complete", "error"):
            messages.append(await receive(websocket))

    assert asyncio.get_running_loop().time() - started < 10
    assert "the token has expired" in json.dumps(messages), messages
    assert messages[-1]["type"] in ("complete", "error")
