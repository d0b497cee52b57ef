"""The agreements service's HTTP API, as the gateway's mutations call it.

Agreements trusts the gateway to have authenticated the person and names that person
as the `actor` of every change; it decides what the actor may do in the repair.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import httpx

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Accepted:
    """2xx: the change is made (and its events are in agreements' outbox)."""

    body: dict[str, Any]


@dataclass(frozen=True)
class Refused:
    """4xx: the change was refused; `body` is `{"error", "detail"}` or the 422 field list."""

    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Unreachable:
    """Agreements did not answer usefully (down, timed out, 5xx): nothing is known to be done."""

    detail: str


Outcome = Accepted | Refused | Unreachable


class AgreementsApi:
    """A pooled HTTP client for agreements; `transport` lets tests run agreements in-process."""

    def __init__(
        self, base_url: str, *, timeout: float, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)

    async def post(self, path: str, body: dict[str, Any]) -> Outcome:
        try:
            response = await self._client.post(path, json=body)
        except httpx.HTTPError as error:
            logger.warning("agreements unreachable for POST %s: %r", path, error)
            return Unreachable("the agreements service did not answer; nothing was changed")
        if response.status_code >= 500:
            logger.warning("agreements answered %s for POST %s", response.status_code, path)
            return Unreachable("the agreements service failed; try again")
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        if not isinstance(payload, dict):
            payload = {}
        if response.is_success:
            return Accepted(payload)
        return Refused(response.status_code, payload)

    async def close_when_stopped(self, _runtime: object) -> None:
        """Background task: hold the client open while the service runs, close it at stop."""
        try:
            await asyncio.Event().wait()
        finally:
            await self._client.aclose()
