"""A whole repair done in the browser pages, as the people who do it, against the four services
running as processes on real Kafka and Postgres (tests/e2e/system.py).

An incident arrives through intake's API; a facilitator offers from the queue and the change
team approves; the facilitator invites both sides, who answer their questions; a proposal is
declined, then agreed; follow-up's clock is moved so the commitment lapses, and it is
renegotiated and kept; the affected person confirms at check-in through follow-up's link; the
facilitator closes the repair as repaired, and the dashboard's figures move. Every human step
is a person's keys and clicks in headless chromium (tests/browser_session.py); screenshots of
each page go to test-output/screenshots/.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI, Request

from tests.browser_session import Page, chromium_page
from tests.e2e.system import System
from tests.factories import submission_json
from tests.gateway_factories import SECRET, bearer, token
from tests.infra import Infrastructure, create_database, delete_topics, drop_database, eventually
from tests.infra import served as serve_app

pytestmark = pytest.mark.e2e

ADMIN_TOKEN = "journey-admin-token-0123456789abcdef"
FACILITATOR = ("p-hr-9", "hr")
RESPONSIBLE = ("p-it-7", "it")
AFFECTED = ("p-fin-2", "finance")
LINK = re.compile(r"https?://[^\s\"'<>|]+/v1/check-ins/[A-Za-z0-9_.-]+")


@dataclass
class Inbox:
    """What follow-up posted to the affected person's own webhook."""

    messages: list[str] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> dict[str, bool]:
            self.messages.append((await request.body()).decode(errors="replace"))
            return {"ok": True}

        return app

    def check_in_link(self) -> str | None:
        for message in self.messages:
            found = LINK.search(message.replace("\\/", "/"))
            if found:
                return found.group(0)
        return None


@dataclass
class Journey:
    system: System
    inbox: Inbox
    hook_url: str

    @property
    def gateway(self) -> str:
        return self.system.url("graphql_gateway")


@pytest.fixture(scope="module", autouse=True)
def gateway_secret() -> Iterator[None]:
    """People's tokens are signed with the tests' secret (set before the system starts)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BRIDGEWORK_JWT_HS256_SECRET", SECRET)
        yield


@pytest.fixture(scope="module")
async def journey(infra: Infrastructure) -> AsyncIterator[Journey]:
    """The four services, follow-up on a movable clock with webhooks to this machine."""
    inbox = Inbox()
    database_url = await create_database(infra)
    namespace = f"e2ejourney{uuid4().hex[:8]}"
    system = System.configure(kafka=infra.kafka, database_url=database_url, namespace=namespace)
    followup = system.services["followup"]
    followup.env |= {
        "BRIDGEWORK_TIME_TRAVEL": "true",
        "BRIDGEWORK_ADMIN_TOKEN": ADMIN_TOKEN,
        "BRIDGEWORK_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "BRIDGEWORK_PUBLIC_BASE_URL": followup.url,
        "BRIDGEWORK_GATEWAY_PUBLIC_URL": system.url("graphql_gateway"),
        # Every day, no quiet hours: the test must not depend on the time of day it runs.
        "BRIDGEWORK_NUDGE_WORKING_DAYS": '["mon","tue","wed","thu","fri","sat","sun"]',
        "BRIDGEWORK_NUDGE_QUIET_HOURS_START": "00:00",
        "BRIDGEWORK_NUDGE_QUIET_HOURS_END": "00:00",
        "BRIDGEWORK_SCHEDULER_POLL_SECONDS": "0.3",
        "BRIDGEWORK_DELIVERY_POLL_SECONDS": "0.3",
    }
    # The gateway forwards people's changes to this run's agreements service.
    system.services["graphql_gateway"].env["BRIDGEWORK_AGREEMENTS_URL"] = system.url("agreements")
    try:
        async with serve_app(inbox.app()) as hook_base:
            # Agreements first: it prepares the shared privacy schema the others read.
            first = system.services["agreements"]
            first.start()
            await first.wait_ready()
            others = [s for name, s in system.services.items() if name != "agreements"]
            for service in others:
                service.start()
            await asyncio.gather(*(service.wait_ready() for service in others))
            yield Journey(system, inbox, f"{hook_base}/hook")
    finally:
        exit_codes = system.stop()
        await drop_database(infra, database_url)
        await delete_topics(infra.kafka, namespace)
    assert all(code in (0, -signal.SIGTERM) for code in exit_codes.values()), exit_codes


def person_token(who: tuple[str, str], *roles: str) -> str:
    return token(who[0], *roles, department=who[1])


def local(moment: datetime) -> str:
    """A datetime-local field's value (the pages speak UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


async def as_person(page: Page, journey: Journey, path: str, who: str) -> None:
    """Open a page signed in as someone: the token travels in the fragment, never the query."""
    # From a blank page: a new fragment on the same address would not load the page again.
    await page.goto("about:blank")
    await page.goto(f"{journey.gateway}{path}#token={who}")
    await page.wait_for("document.body.dataset.state === 'ready'")


async def submit(page: Page, form: str) -> None:
    """Send a form with the keyboard (Enter on its button), once no answer is awaited, and
    wait for its answer (the button is disabled while the mutation runs)."""
    button = json.dumps(f"{form} button[type=submit]")
    await page.wait_for(
        f"document.querySelector({button}) && !document.querySelector({button}).disabled"
    )
    await page.press(f"{form} button[type=submit]")
    await page.wait_for(
        f"!document.querySelector({button}) || !document.querySelector({button}).disabled"
    )


async def submit_folded(page: Page, form: str) -> None:
    """Send a form folded away in a <details> (its button cannot take focus until opened)."""
    await page.evaluate(f"document.querySelector({form!r}).closest('details').open = true")
    await submit(page, form)


async def shown(page: Page, expression: str, timeout: float = 90) -> None:
    """Wait until the page shows something another service's event brings: a page draws what
    it read when it loaded (and after a change it made), so it is loaded again meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            await page.wait_for(expression, timeout=5)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            await page.reload()


async def in_timeline(page: Page, kind: str, count: int = 1) -> None:
    await shown(
        page, f"document.querySelectorAll('#timeline li[data-kind=\"{kind}\"]').length >= {count}"
    )


async def figures(journey: Journey) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{journey.gateway}/graphql",
            json={"query": "{ dashboard { repairsOpened completion { settled keptRate } } }"},
            headers=bearer(token()),
        )
    board: dict[str, Any] = response.json()["data"]["dashboard"]
    return board


async def advance_followup(journey: Journey, by: str) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        moved = await client.post(
            f"{journey.system.url('followup')}/v1/admin/clock/advance",
            json={"by": by},
            headers=bearer(ADMIN_TOKEN),
        )
    assert moved.status_code == 200, moved.text


async def test_a_repair_from_incident_to_repaired_in_the_browser(journey: Journey) -> None:
    before = await figures(journey)
    facilitator = person_token(FACILITATOR, "facilitator")
    responsible = person_token(RESPONSIBLE, "participant")
    affected = person_token(AFFECTED, "participant")
    change_team = token()

    # The affected person's own channel, where follow-up sends their check-in link.
    async with httpx.AsyncClient(timeout=10) as client:
        contact = await client.put(
            f"{journey.system.url('followup')}/v1/contacts/{AFFECTED[0]}",
            json={
                "display_name": "Fin Two",
                "webhook_url": journey.hook_url,
                "department": "finance",
            },
            headers=bearer(ADMIN_TOKEN),
        )
        assert contact.is_success, contact.text
        # An incident arrives from IT's tool.
        posted = await client.post(
            f"{journey.system.url('intake')}/v1/incidents",
            json=submission_json(
                summary="USB ports were locked on every laptop without notice.",
                responsible=[{"person_id": RESPONSIBLE[0], "department": "it"}],
                affected_people=[{"person_id": AFFECTED[0], "department": "finance"}],
            ),
            headers=bearer(journey.system.intake_token("it")),
        )
        assert posted.status_code == 202, posted.text

    async def opened() -> bool:
        opened_now: int = (await figures(journey))["repairsOpened"]
        return bool(opened_now > before["repairsOpened"])

    await eventually(opened, timeout=60, interval=0.5)

    async with chromium_page() as page:
        # The facilitator finds it in the queue and offers to facilitate.
        await as_person(page, journey, "/queue", facilitator)
        await page.wait_for("document.querySelector('#waiting article[data-repair]')")
        repair_id = await page.evaluate(
            "document.querySelector('#waiting article[data-repair]').dataset.repair"
        )
        await page.screenshot("journey-queue", scale=0.7)
        await submit(page, f"article[data-repair='{repair_id}'] form")
        await shown(
            page, "document.querySelector('#waiting').innerText.includes('yours among them')"
        )
        story = f"/repairs/{repair_id}"

        # The change team approves the offer on the repair's page.
        await as_person(page, journey, story, change_team)
        await shown(page, "document.querySelector('form[aria-label^=\"Offer from\"]')")
        await page.screenshot("journey-repair-change-team", scale=0.7)
        await submit(page, "form[aria-label^='Offer from']")
        await in_timeline(page, "offer-answered")  # who joined is for the repair's people

        # The facilitator invites both sides, named in the incident.
        await as_person(page, journey, story, facilitator)
        for person in (RESPONSIBLE, AFFECTED):
            suggestion = (
                "[...document.querySelectorAll('form[aria-label=\"Invite a participant\"] button')]"
                f".find((b) => b.textContent.startsWith('{person[0]}'))"
            )
            await shown(page, f"!!{suggestion}")
            await page.evaluate(f"{suggestion}.click()")
            await submit(page, "form[aria-label='Invite a participant']")
            await in_timeline(page, "joined", 2 if person == RESPONSIBLE else 3)

        # Both sides answer their questions, each on their own.
        for who, answer in (
            (responsible, "We locked the ports after a malware alert."),
            (affected, "We missed the payroll deadline."),
        ):
            await as_person(page, journey, story, who)
            await page.fill("form[aria-label^='Record answers'] textarea", answer)
            await submit(page, "form[aria-label^='Record answers']")
        await as_person(page, journey, story, facilitator)
        await in_timeline(page, "conversation", 2)

        # The facilitator proposes terms; the affected declines them with a reason.
        due = datetime.now(UTC) + timedelta(days=2)
        await page.fill("fieldset.commitment select", RESPONSIBLE[0])
        await page.fill(
            "fieldset.commitment textarea", "Give Finance notice before device changes."
        )
        await page.fill("fieldset.commitment input[type=datetime-local]", local(due))
        await page.fill("[data-field='commitments.0.owed_to_departments']", "finance")
        await submit(page, "form[aria-label='Propose an agreement']")
        await in_timeline(page, "proposal")

        await as_person(page, journey, "/me", affected)
        await shown(page, "document.querySelector('#consent li[data-repair]')")
        await page.screenshot("journey-me-consent", scale=0.7)
        await as_person(page, journey, story, affected)
        await page.fill("#consent select", "decline")
        await submit(page, "#consent")  # no reason: refused, and said on the form
        await page.wait_for(
            "document.querySelector('#consent').innerText.includes('needs a reason')"
        )
        await page.fill("#consent textarea", "Two days of notice are not enough.")
        await submit(page, "#consent")
        await in_timeline(page, "decline")

        # New terms, version 2: both consent, and the agreement is reached.
        await as_person(page, journey, story, facilitator)
        await page.fill(
            "fieldset.commitment textarea", "Give Finance two weeks' notice before device changes."
        )
        await submit(page, "form[aria-label^='Propose new terms']")
        await in_timeline(page, "proposal", 2)
        for who in (responsible, affected):
            await as_person(page, journey, story, who)
            await shown(
                page, "document.querySelector('#consent h3').textContent.includes('version 2')"
            )
            await submit(page, "#consent")
        await in_timeline(page, "agreement")
        await page.screenshot("journey-repair-agreed", scale=0.7)

        # Follow-up's clock passes the due date: the commitment lapses; its owner renegotiates.
        await advance_followup(journey, "P3D")
        await as_person(page, journey, story, responsible)
        await shown(page, "document.querySelector('#commitments [data-status=lapsed]')", timeout=90)
        await page.fill(
            "#commitments form[aria-label=Renegotiate] input[type=datetime-local]",
            local(datetime.now(UTC) + timedelta(days=10)),
        )
        await page.fill(
            "#commitments form[aria-label=Renegotiate] textarea[data-field=reason]",
            "The team lead was on leave.",
        )
        await submit_folded(page, "#commitments form[aria-label=Renegotiate]")
        await in_timeline(page, "proposal", 3)
        for who in (responsible, affected):
            await as_person(page, journey, story, who)
            await shown(
                page, "document.querySelector('#consent h3').textContent.includes('version 3')"
            )
            await submit(page, "#consent")
        await as_person(page, journey, story, responsible)
        await shown(page, "document.querySelector('#commitments [data-status=open]')")
        await submit(page, "#commitments form[aria-label='Mark as kept']")
        await shown(page, "document.querySelector('#commitments [data-status=kept]')")

        # Follow-up asks the affected whether things were made right; they say yes.
        async def link() -> str | None:
            if journey.inbox.check_in_link() is None:
                await advance_followup(journey, "PT12H")
            return journey.inbox.check_in_link()

        check_in = await eventually(link, timeout=90, interval=2)
        await page.goto(check_in)
        await page.click("input[value=yes]")
        await page.fill("#comment", "We get notice now.")
        await page.screenshot("journey-check-in", scale=0.7)
        await page.click("button[type=submit]")
        await page.wait_for("document.title === 'Thank you'")

        # The facilitator closes it as repaired.
        await as_person(page, journey, story, facilitator)
        await in_timeline(page, "check-in")
        await page.fill(
            "form[aria-label='Close the repair'] select[data-field=outcome]", "repaired"
        )
        await submit(page, "form[aria-label='Close the repair']")
        await in_timeline(page, "closed")
        await page.screenshot("journey-repair-closed", scale=0.55)
        assert "Repair closed: repaired" in await page.text("#timeline")

        # The change team's dashboard has moved.
        await as_person(page, journey, "/dashboard", change_team)
        await page.screenshot("journey-dashboard", scale=0.7)
    after = await figures(journey)
    assert after["repairsOpened"] == before["repairsOpened"] + 1
    assert after["completion"]["settled"] == before["completion"]["settled"] + 1
