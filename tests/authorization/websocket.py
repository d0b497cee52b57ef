"""GraphQL over graphql-transport-ws, as the dashboard speaks it, for the matrix's WebSocket
and subscription rows: the first answer, shaped as an HTTP answer would be, so one reading
(checks.assert_graphql) judges both."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.infra import served

PROTOCOL = "graphql-transport-ws"


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """The app, already running (its lifespan is the caller's), also served by uvicorn: the
    WebSocket URL of its /graphql."""
    async with served(app) as base:
        yield base.replace("http://", "ws://", 1) + "/graphql"


async def _receive(socket: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), 20))
    return message


async def first_answer(
    url: str, headers: Mapping[str, str], request: Mapping[str, Any]
) -> httpx.Response:
    """Sign in at connection_init with the Authorization header's value, send one operation,
    and read its first answer: a refused sign-in is a 401 as over HTTP."""
    init: dict[str, Any] = {"type": "connection_init"}
    if "Authorization" in headers:
        init["payload"] = {"authorization": headers["Authorization"]}
    async with connect(url, subprotocols=[PROTOCOL]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps(init))
        try:
            acknowledged = await _receive(socket)
        except ConnectionClosed:
            return httpx.Response(401, json={"error": "unauthenticated"})
        assert acknowledged["type"] == "connection_ack", acknowledged
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": dict(request)}))
        answer = await _receive(socket)
    if answer["type"] == "error":
        return httpx.Response(200, json={"data": None, "errors": answer["payload"]})
    assert answer["type"] == "next", answer
    return httpx.Response(200, json=answer["payload"])
