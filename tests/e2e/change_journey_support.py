"""What the change journey (tests/e2e/test_change_journey.py) needs around the four services: the
system started with follow-up on a movable clock mailing a real SMTP sink, and one client per
API, each call carrying the credential its service expects (a department's intake token, a
person's JWT, follow-up's admin token)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from uuid import uuid4

import httpx

from tests.e2e.system import System
from tests.followup_factories import Inbox
from tests.gateway_factories import SECRET, bearer, token
from tests.infra import Infrastructure, create_database, delete_topics, drop_database
from tests.intake_change_factories import glide as glide

ADMIN_TOKEN = "change-journey-admin-token-0123456789abcdef"
Person = tuple[str, str]  # (person id, department)


def person_token(who: Person, *roles: str) -> str:
    return token(who[0], *(roles or ("participant",)), department=who[1])


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def check_in_path(message: EmailMessage) -> str:
    """The signed link's path in a check-in mail."""
    line = next(x for x in text_of(message).splitlines() if "/v1/check-ins/" in x)
    return "/v1/check-ins/" + line.rsplit("/v1/check-ins/", 1)[1].strip()


@dataclass
class ChangeJourney:
    system: System
    mail: Inbox
    client: httpx.AsyncClient
    intake_tokens: dict[str, str]

    # --- intake: a department's tool, with the department's token

    async def to_intake(self, department: str, path: str, body: Any) -> httpx.Response:
        return await self.client.post(
            f"{self.system.url('intake')}{path}",
            json=body,
            headers=bearer(self.intake_tokens[department]),
        )

    # --- agreements: people acting on a change's engagement with their own tokens

    async def engagement(
        self, change_id: str, who: str, path: str = "", body: Any = None
    ) -> httpx.Response:
        url = f"{self.system.url('agreements')}/v1/changes/{change_id}{path}"
        if body is None:
            return await self.client.get(url, headers=bearer(who))
        return await self.client.post(url, json=body, headers=bearer(who))

    async def change_view(self, change_id: str) -> dict[str, Any] | None:
        """Agreements' view of the change as the change team reads it; None until it knows it."""
        response = await self.engagement(change_id, token())
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        view: dict[str, Any] = response.json()
        return view

    # --- follow-up: its admin API (contacts, policies, the demo clock) and the signed links

    async def followup_admin(self, method: str, path: str, body: Any) -> httpx.Response:
        response = await self.client.request(
            method,
            f"{self.system.url('followup')}{path}",
            json=body,
            headers=bearer(ADMIN_TOKEN),
        )
        assert response.is_success, response.text
        return response

    async def followup(self, path: str, body: Any = None) -> httpx.Response:
        url = f"{self.system.url('followup')}{path}"
        if body is None:
            return await self.client.get(url)
        return await self.client.post(url, json=body)

    def mail_to(self, address: str, subject_prefix: str) -> list[EmailMessage]:
        return [m for m in self.mail.to(address) if str(m["Subject"]).startswith(subject_prefix)]

    # --- the gateway: GraphQL as the change team

    async def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.client.post(
            f"{self.system.url('graphql_gateway')}/graphql",
            json={"query": query, "variables": variables},
            headers=bearer(token()),
        )
        body: dict[str, Any] = response.json()
        assert response.status_code == 200, response.text
        assert not body.get("errors"), response.text
        data: dict[str, Any] = body["data"]
        return data


@asynccontextmanager
async def change_journey(infra: Infrastructure) -> AsyncIterator[ChangeJourney]:
    """The four services as processes, each as its own Postgres role, on a fresh database and
    topic namespace; follow-up on a movable clock, mailing an SMTP sink in this process, every
    day of the week and at any hour (the test must not depend on when it runs)."""
    database_url = await create_database(infra)
    namespace = f"e2echange{uuid4().hex[:8]}"
    system = System.configure(
        kafka=infra.kafka, database_url=database_url, namespace=namespace, own_roles=True
    )
    async with Inbox() as mail:
        for service in system.services.values():
            service.env["BRIDGEWORK_JWT_HS256_SECRET"] = SECRET
        followup = system.services["followup"]
        followup.env |= {
            "BRIDGEWORK_TIME_TRAVEL": "true",
            "BRIDGEWORK_ADMIN_TOKEN": ADMIN_TOKEN,
            "BRIDGEWORK_SMTP_HOST": "127.0.0.1",
            "BRIDGEWORK_SMTP_PORT": str(mail.port),
            "BRIDGEWORK_SMTP_SECURITY": "none",
            "BRIDGEWORK_PUBLIC_BASE_URL": followup.url,
            "BRIDGEWORK_GATEWAY_PUBLIC_URL": system.url("graphql_gateway"),
            "BRIDGEWORK_NUDGE_WORKING_DAYS": '["mon","tue","wed","thu","fri","sat","sun"]',
            "BRIDGEWORK_NUDGE_QUIET_HOURS_START": "00:00",
            "BRIDGEWORK_NUDGE_QUIET_HOURS_END": "00:00",
            "BRIDGEWORK_SCHEDULER_POLL_SECONDS": "0.3",
            "BRIDGEWORK_DELIVERY_POLL_SECONDS": "0.3",
        }
        try:
            # Agreements first: it prepares the shared privacy schema the others read.
            first = system.services["agreements"]
            first.start()
            await first.wait_ready()
            others = [s for name, s in system.services.items() if name != "agreements"]
            for service in others:
                service.start()
            await asyncio.gather(*(service.wait_ready() for service in others))
            tokens = {d: system.intake_token(d) for d in ("it",)}
            async with httpx.AsyncClient(timeout=15) as client:
                yield ChangeJourney(system, mail, client, tokens)
        finally:
            exit_codes = system.stop()
            await drop_database(infra, database_url)
            await delete_topics(infra.kafka, namespace)
    # uvicorn drains, then re-raises the SIGTERM it caught: -15 is its clean exit.
    assert all(code in (0, -15) for code in exit_codes.values()), exit_codes
