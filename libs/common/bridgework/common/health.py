"""Health endpoints every service serves: live (the process answers) and ready (its parts answer)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response, status

from bridgework.common.postgres import Pool

Check = Callable[[], Awaitable[None]]


def database_check(pool: Pool) -> Check:
    async def check() -> None:
        async with pool.acquire() as connection:
            await connection.fetchval("SELECT 1")

    return check


def health_router(service: str) -> APIRouter:
    """`/health/live` and `/health/ready`; ready runs the runtime's checks and names failing ones."""
    router = APIRouter(tags=["health"])

    @router.get("/health/live")
    async def live() -> dict[str, str]:
        return {"service": service, "status": "live"}

    @router.get("/health/ready")
    async def ready(request: Request, response: Response) -> dict[str, object]:
        runtime = getattr(request.app.state, "runtime", None)
        checks: dict[str, Check] = runtime.health_checks() if runtime is not None else {}
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await check()
                results[name] = "ok"
            except Exception as error:
                results[name] = f"failing: {type(error).__name__}"
        healthy = runtime is not None and all(value == "ok" for value in results.values())
        if not healthy:
            response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"service": service, "status": "ready" if healthy else "unready", "checks": results}

    return router
