"""Health endpoints every service serves.

- `/health/live`: 503 when a background loop is stuck (`heartbeats.py`), so the
  orchestrator restarts the process; a dependency being away never fails it.
- `/health/ready`: 503 unless every check the service declared gating passes; the other
  checks, and the consumers' lag, are reported in the body without deciding anything.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI, Request, Response, status

from bridgework.common.heartbeats import Heartbeats
from bridgework.common.postgres import Pool

Check = Callable[[], Awaitable[None]]
CHECK_TIMEOUT_SECONDS = 2.0


class Checked(Protocol):
    """What the health routes need of a running service (common's `Runtime`)."""

    heartbeats: Heartbeats

    def health_checks(self) -> dict[str, Check]: ...

    async def consumer_lag(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Readiness:
    """Which checks must pass for the service to do its job; the others are only reported."""

    gates: frozenset[str] = frozenset({"postgres"})


def declare_readiness(app: FastAPI, *, gates: Iterable[str]) -> None:
    """A service's own statement of what it cannot work without (its composition root says)."""
    app.state.readiness = Readiness(frozenset(gates))


def database_check(pool: Pool) -> Check:
    async def check() -> None:
        async with pool.acquire() as connection:
            await connection.fetchval("SELECT 1")

    return check


async def run_checks(checks: Mapping[str, Check]) -> dict[str, str]:
    """Each check's answer, "ok" or "failing: <why>", the checks run side by side."""

    async def one(check: Check) -> str:
        try:
            await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
        except Exception as error:
            return f"failing: {type(error).__name__}"
        return "ok"

    answers = await asyncio.gather(*(one(check) for check in checks.values()))
    return dict(zip(checks, answers, strict=True))


def health_router(service: str) -> APIRouter:
    """`/health/live` and `/health/ready` of `service`, reading the runtime from app.state."""
    router = APIRouter(tags=["health"])

    @router.get("/health/live")
    async def live(request: Request, response: Response) -> dict[str, object]:
        runtime: Checked | None = getattr(request.app.state, "runtime", None)
        # No runtime (yet): no loop runs, so none is stuck; readiness says the rest.
        loops = runtime.heartbeats.report() if runtime is not None else {}
        alive = runtime is None or runtime.heartbeats.all_alive()
        if not alive:
            response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"service": service, "status": "live" if alive else "stuck", "loops": loops}

    @router.get("/health/ready")
    async def ready(request: Request, response: Response) -> dict[str, object]:
        runtime: Checked | None = getattr(request.app.state, "runtime", None)
        readiness: Readiness = getattr(request.app.state, "readiness", Readiness())
        checks = runtime.health_checks() if runtime is not None else {}
        results = await run_checks(checks)
        healthy = runtime is not None and all(results.get(gate) == "ok" for gate in readiness.gates)
        if not healthy:
            response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {
            "service": service,
            "status": "ready" if healthy else "unready",
            "checks": results,
            "gating": sorted(readiness.gates),
            "consumers": await runtime.consumer_lag() if runtime is not None else {},
        }

    return router
