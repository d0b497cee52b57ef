"""Requests per minute per credential, for every service's HTTP side.

A caller is the hash of its bearer token (so no token is kept in memory), or its address
when it sends none. The window moves (`limits`' moving window): a burst at the end of one
minute and another at the start of the next cannot add up to twice the limit. Counts live
in this process's memory, so each replica counts its own.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Collection

from fastapi.responses import JSONResponse
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

# Probes from the platform must not be throttled into a restart.
UNLIMITED_PATHS = frozenset({"/health/live", "/health/ready"})


def caller_of(scope: Scope) -> str:
    """Who is asking: a hash of the bearer token, else the client's address."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.partition(b" ")
            if scheme.lower() == b"bearer" and token.strip():
                return "token:" + hashlib.sha256(token.strip()).hexdigest()[:32]
            break
    client = scope.get("client")
    return "address:" + (client[0] if client else "unknown")


class RateLimitMiddleware:
    """Answer 429 with Retry-After once a caller passes `per_minute` requests in a minute."""

    def __init__(
        self, app: ASGIApp, *, per_minute: int, unlimited_paths: Collection[str] = UNLIMITED_PATHS
    ) -> None:
        self.app = app
        self.per_minute = per_minute
        self.item = RateLimitItemPerMinute(per_minute)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.unlimited_paths = unlimited_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.unlimited_paths:
            await self.app(scope, receive, send)
            return
        caller = caller_of(scope)
        if self.limiter.hit(self.item, caller):
            await self.app(scope, receive, send)
            return
        await self._refuse(caller)(scope, receive, send)

    def _refuse(self, caller: str) -> JSONResponse:
        reset_at = self.limiter.get_window_stats(self.item, caller).reset_time
        retry_after = max(1, math.ceil(reset_at - time.time()))
        detail = (
            f"at most {self.per_minute} requests a minute for one credential; "
            f"try again in {retry_after} s"
        )
        return JSONResponse(
            {"error": "too_many_requests", "detail": detail},
            status_code=429,
            headers={"Retry-After": str(retry_after)},
        )
