"""Liveness judged by heartbeats, readiness by the checks a service declares gating, and a
dependency being away answered 503 with Retry-After (issue 12, "Operations")."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from bridgework.common.health import Check, declare_readiness, health_router
from bridgework.common.heartbeats import Heartbeats
from bridgework.common.http_errors import install_error_handlers


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_periodic_loop_is_stuck_only_past_its_period_and_the_allowed_stall() -> None:
    clock = FakeClock()
    beats = Heartbeats(stall_seconds=60, now=clock)
    relay = beats.periodic("relay", every_seconds=1)
    clock.now += 60.5
    assert beats.all_alive()
    clock.now += 1
    assert not beats.all_alive()
    assert beats.report()["relay"]["status"] == "stuck"
    relay.beat()
    assert beats.all_alive()


def test_on_demand_work_is_idle_between_pieces_and_stuck_only_inside_a_long_one() -> None:
    clock = FakeClock()
    beats = Heartbeats(stall_seconds=60, now=clock)
    consumers = beats.on_demand("consumers")
    clock.now += 10_000  # idle for hours: fine
    assert beats.all_alive()
    with consumers.busy():
        clock.now += 59
        assert beats.all_alive()
        clock.now += 2
        assert beats.report()["consumers"] == {"status": "stuck", "overdue_seconds": 1.0}
    assert beats.all_alive()


class FakeRuntime:
    def __init__(self, failing: set[str]) -> None:
        self.heartbeats = Heartbeats(stall_seconds=60)
        self.failing = failing

    def health_checks(self) -> dict[str, Check]:
        def check(name: str) -> Check:
            async def run() -> None:
                if name in self.failing:
                    raise ConnectionError(name)

            return run

        return {name: check(name) for name in ("postgres", "kafka")}

    async def consumer_lag(self) -> dict[str, Any]:
        return {"group": {"total": 3, "partitions": {"topic[0]": 3}}}


async def ready(failing: set[str]) -> httpx.Response:
    app = FastAPI()
    app.include_router(health_router("svc"))
    app.state.runtime = FakeRuntime(failing)
    declare_readiness(app, gates=["postgres"])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        return await client.get("/health/ready")


async def test_readiness_is_gated_by_the_declared_checks_and_reports_the_others() -> None:
    kafka_away = await ready({"kafka"})
    assert kafka_away.status_code == 200
    assert kafka_away.json() == {
        "service": "svc",
        "status": "ready",
        "checks": {"postgres": "ok", "kafka": "failing: ConnectionError"},
        "gating": ["postgres"],
        "consumers": {"group": {"total": 3, "partitions": {"topic[0]": 3}}},
    }
    database_away = await ready({"postgres"})
    assert database_away.status_code == 503
    assert database_away.json()["status"] == "unready"


async def test_the_database_being_away_is_a_503_with_retry_after_never_a_500() -> None:
    raised: list[BaseException] = [
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.InterfaceError("cannot perform operation: connection is closed"),
        asyncpg.InternalClientError(
            "cannot switch to state 12; another operation (2) is in progress"
        ),
        ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
    ]
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/fail/{index}")
    async def fail(index: int) -> None:
        raise raised[index]

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        for index, error in enumerate(raised):
            response = await client.get(f"/fail/{index}")
            assert response.status_code == 503, (error, response.text)
            assert response.headers["retry-after"] == "2"
            expected = (
                "dependency_unavailable" if isinstance(error, OSError) else "database_unavailable"
            )
            assert response.json()["error"] == expected
