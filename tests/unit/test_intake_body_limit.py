"""Bodies over the limit are refused with a JSON 413 before they are read whole."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, Request
from pydantic import BaseModel

from bridgework.intake.entrypoints.http_errors import BodyLimitMiddleware, install_error_handlers

LIMIT = 64


class Small(BaseModel):
    text: str


def app_with_limit() -> tuple[FastAPI, list[int]]:
    app = FastAPI()
    reads: list[int] = []

    @app.post("/raw")
    async def raw(request: Request) -> dict[str, int]:
        body = await request.body()
        reads.append(len(body))
        return {"read": len(body)}

    @app.post("/model")
    async def model(small: Small) -> dict[str, int]:
        return {"read": len(small.text)}

    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, limit_for=lambda scope: LIMIT)
    return app, reads


async def chunks(count: int, size: int) -> AsyncIterator[bytes]:
    for _ in range(count):
        yield b"x" * size


async def post(app: FastAPI, path: str, **kwargs: object) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        return await client.post(path, **kwargs)  # type: ignore[arg-type]


async def test_a_declared_length_over_the_limit_is_refused_before_the_route_runs() -> None:
    app, reads = app_with_limit()

    response = await post(app, "/raw", content=b"x" * (LIMIT + 1))

    assert response.status_code == 413
    assert response.json() == {
        "error": "body_too_large",
        "detail": f"request bodies here are limited to {LIMIT} bytes",
    }
    assert reads == []


async def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_limit() -> None:
    app, reads = app_with_limit()

    response = await post(app, "/raw", content=chunks(count=100, size=16))

    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"
    assert reads == []


async def test_a_streamed_body_is_refused_for_routes_fastapi_parses_too() -> None:
    app, _ = app_with_limit()

    response = await post(
        app,
        "/model",
        content=chunks(count=10, size=16),
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"


async def test_bodies_within_the_limit_pass_untouched() -> None:
    app, reads = app_with_limit()

    response = await post(app, "/raw", content=chunks(count=4, size=16))

    assert response.status_code == 200
    assert reads == [LIMIT]


async def test_other_client_errors_answer_in_the_same_shape() -> None:
    app, _ = app_with_limit()

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        missing = await client.get("/nowhere")
        wrong_method = await client.get("/raw")

    assert missing.json() == {"error": "not_found", "detail": "Not Found"}
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"] == "method_not_allowed"
