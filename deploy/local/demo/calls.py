"""The four services as the seeder speaks to them: public HTTP APIs, people's own tokens."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from pydantic import TypeAdapter

from bridgework.common.identity import development_token

# The change team moves the clocks and reads repairs; everyone else acts as themselves.
CHANGE_TEAM = "p-chg-001"
SERVICES = ("intake", "agreements", "followup", "gateway")
DURATION = TypeAdapter(timedelta)
# A rate-limited call is tried again after the Retry-After the service names, this often.
RATE_LIMITED_RETRIES = 5


class SeedingError(RuntimeError):
    """A service refused a step of the story: the seeding stops and says which."""


@dataclass(frozen=True)
class Urls:
    intake: str
    agreements: str
    followup: str
    gateway: str

    def of(self, service: str) -> str:
        url: str = getattr(self, service)
        return url


@dataclass
class Calls:
    """One HTTP client per service, department tokens for intake, person tokens minted with
    the development secret (cached: each lives an hour of wall-clock time)."""

    urls: Urls
    secret: str
    department_tokens: dict[str, str]
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    _tokens: dict[tuple[str, str], str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds waited, by service
    counts: dict[str, int] = field(default_factory=dict)  # calls, by service

    async def __aenter__(self) -> Calls:
        # uvicorn closes a connection idle for 5 s; reusing one just then fails the request,
        # so the seeder lets its idle connections go first.
        limits = httpx.Limits(max_connections=16, keepalive_expiry=2)
        for service in SERVICES:
            self.clients[service] = httpx.AsyncClient(
                base_url=self.urls.of(service), timeout=30, limits=limits
            )
        return self

    async def __aexit__(self, *_: object) -> None:
        await asyncio.gather(*(client.aclose() for client in self.clients.values()))

    def token(self, person_id: str, department: str | None, role: str) -> str:
        key = (person_id, role)
        if key not in self._tokens:
            self._tokens[key] = development_token(
                self.secret, sub=person_id, roles=[role], department=department
            )
        return self._tokens[key]

    def change_team(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token(CHANGE_TEAM, None, 'change_team')}"}

    async def send(
        self,
        service: str,
        method: str,
        path: str,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (200, 201, 202, 204),
    ) -> Any:
        """One call; anything but `ok` stops the seeding naming the call and the answer."""
        started = time.monotonic()
        response = await self.clients[service].request(method, path, json=body, headers=headers)
        for _ in range(RATE_LIMITED_RETRIES):
            if response.status_code != 429:
                break
            # A polite client: the service's rate limit says when to come back.
            await asyncio.sleep(float(response.headers.get("retry-after", "1")))
            response = await self.clients[service].request(method, path, json=body, headers=headers)
        self.timings[service] = self.timings.get(service, 0.0) + time.monotonic() - started
        self.counts[service] = self.counts.get(service, 0) + 1
        if response.status_code not in ok:
            raise SeedingError(f"{service} {method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    # --- clocks ---------------------------------------------------------------------------

    async def offsets(self) -> dict[str, timedelta]:
        """How far each service's clock runs from the wall clock."""
        answers = await asyncio.gather(
            *(
                self.send(service, "GET", "/v1/admin/clock", headers=self.change_team())
                for service in SERVICES
            )
        )
        return {
            service: _duration(a["offset"]) for service, a in zip(SERVICES, answers, strict=True)
        }

    async def advance(self, by: timedelta) -> None:
        """Move every service's time forward together."""
        body = {"by": by.total_seconds()}
        await asyncio.gather(
            *(
                self.send(
                    service,
                    "POST",
                    "/v1/admin/clock/advance",
                    body=body,
                    headers=self.change_team(),
                )
                for service in SERVICES
            )
        )

    async def followup_caught_up(self, timeout: float = 120.0) -> None:
        """Wait until follow-up has fired every timer due at its now and sent every message
        due, so a day's mail goes out on that day however fast the seeder moves the clocks."""
        deadline = time.monotonic() + timeout
        while True:
            clock = await self.send(
                "followup", "GET", "/v1/admin/clock", headers=self.change_team()
            )
            if clock["due_timers"] == 0 and clock["due_deliveries"] == 0:
                return
            if time.monotonic() > deadline:
                raise SeedingError(
                    f"follow-up did not catch up in {timeout}s: {clock['due_timers']} timers "
                    f"and {clock['due_deliveries']} messages still due"
                )
            await asyncio.sleep(0.25)

    async def bring_to_today(self) -> None:
        """Move each clock that runs behind the wall clock up to it (offset zero)."""
        behind = {
            s: offset for s, offset in (await self.offsets()).items() if offset < timedelta(0)
        }
        await asyncio.gather(
            *(
                self.send(
                    service,
                    "POST",
                    "/v1/admin/clock/advance",
                    body={"by": -offset.total_seconds()},
                    headers=self.change_team(),
                )
                for service, offset in behind.items()
            )
        )

    # --- intake, agreements, follow-up ------------------------------------------------------

    async def report(
        self, department: str, incidents: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Report a department's incidents in one batch, with its own token."""
        token = self.department_tokens.get(department)
        if token is None:
            raise SeedingError(f"no intake token for department {department!r} (--token)")
        receipt = await self.send(
            "intake",
            "POST",
            "/v1/incidents/batch",
            body={"incidents": incidents},
            headers={"authorization": f"Bearer {token}"},
        )
        results: list[dict[str, Any]] = receipt["results"]
        return results

    async def repair_of(self, incident_id: str, timeout: float = 60.0) -> dict[str, Any]:
        """The repair agreements opened for an incident (it comes through Kafka: wait)."""
        deadline = time.monotonic() + timeout
        while True:
            response = await self.clients["agreements"].get(
                f"/v1/incidents/{incident_id}/repair", headers=self.change_team()
            )
            if response.status_code == 200:
                view: dict[str, Any] = response.json()
                return view
            if time.monotonic() > deadline:
                raise SeedingError(f"no repair for incident {incident_id} after {timeout}s")
            await asyncio.sleep(0.2)

    async def check_in_heard(self, repair_id: str, timeout: float = 30.0) -> None:
        """Wait until agreements has heard a check-in answer about the repair (Kafka)."""
        deadline = time.monotonic() + timeout
        while True:
            view = await self.send(
                "agreements", "GET", f"/v1/repairs/{repair_id}", headers=self.change_team()
            )
            if view["check_ins"]:
                return
            if time.monotonic() > deadline:
                raise SeedingError(f"agreements heard no check-in of {repair_id} in {timeout}s")
            await asyncio.sleep(0.2)

    async def any_repair(self) -> bool:
        """Whether agreements holds a repair already (the demo, or someone's own)."""
        repairs = await self.send(
            "agreements", "GET", "/v1/repairs?limit=1", headers=self.change_team()
        )
        return bool(repairs)

    async def contact(self, person_id: str, name: str, lead_of: str | None = None) -> None:
        """Follow-up's contact details, so nudges and check-ins reach the local mail sink; a
        department's lead is nudged about its changes and asked how they work out."""
        body: dict[str, Any] = {"display_name": name, "email": f"{person_id}@example.org"}
        if lead_of is not None:
            body |= {"department": lead_of, "roles": ["department_lead"]}
        await self.send(
            "followup", "PUT", f"/v1/contacts/{person_id}", body=body, headers=self.change_team()
        )

    # --- planned changes ----------------------------------------------------------------------

    def _department(self, department: str) -> dict[str, str]:
        token = self.department_tokens.get(department)
        if token is None:
            raise SeedingError(f"no intake token for department {department!r} (--token)")
        return {"authorization": f"Bearer {token}"}

    async def record_change(self, department: str, change: dict[str, Any]) -> dict[str, Any]:
        """Record (or update) a planned change through intake, as the department's tool."""
        receipt: dict[str, Any] = await self.send(
            "intake", "POST", "/v1/changes", body=change, headers=self._department(department)
        )
        return receipt

    async def report_go_live(self, department: str, change_id: str, went_live_at: str) -> None:
        await self.send(
            "intake",
            "POST",
            f"/v1/changes/{change_id}/go-live",
            body={"went_live_at": went_live_at},
            headers=self._department(department),
        )

    async def change_known(self, change_id: str, timeout: float = 60.0) -> None:
        """Wait until agreements has heard of the change (it comes through Kafka)."""
        deadline = time.monotonic() + timeout
        while True:
            response = await self.clients["agreements"].get(
                f"/v1/changes/{change_id}", headers=self.change_team()
            )
            if response.status_code == 200:
                return
            if time.monotonic() > deadline:
                raise SeedingError(f"agreements never heard of change {change_id} in {timeout}s")
            await asyncio.sleep(0.2)

    async def engage(
        self, change_id: str, path: str, body: dict[str, Any], *, person_id: str, department: str
    ) -> dict[str, Any]:
        """One step of a change's engagement, as the person taking part."""
        token = self.token(person_id, department, "participant")
        view: dict[str, Any] = await self.send(
            "agreements",
            "POST",
            f"/v1/changes/{change_id}{path}",
            body=body,
            headers={"authorization": f"Bearer {token}"},
        )
        return view

    async def answer_check_in(self, token: str, outcome: str, comment: str) -> bool:
        """Answer as the affected person; False when the link was answered or closed before."""
        answer = await self.send(
            "followup",
            "POST",
            f"/v1/check-ins/{token}",
            body={"outcome": outcome, "comment": comment},
            ok=(201, 409, 410),  # answered or closed meanwhile: nothing left to say
        )
        return isinstance(answer, dict) and "check_in_id" in answer


def _duration(text: str | float) -> timedelta:
    """pydantic's ISO 8601 duration (`-P365DT2H…`, `PT0S`) or seconds, as a timedelta."""
    return DURATION.validate_python(text)
