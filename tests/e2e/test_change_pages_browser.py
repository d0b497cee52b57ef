"""A planned change engaged WITH the departments it affects, done in the browser pages, against
the four services running as processes on real Kafka and Postgres (tests/e2e/system.py).

A change arrives from IT's ServiceNow (a change_request, as its business rule posts it); the
change team finds it on the dashboard's calendar and follows its link; the owner and the
representatives of finance and HR act only through the change's page: they join, answer the
proactive questions, and the owner proposes adjustments; finance consents, HR objects with a
reason; a revised proposal is agreed by both and its adjustment kept. ServiceNow closes the
change request, which intake reports as go-live; the page shows the mode `with`, HR's lead
answers follow-up's check-in through its signed link, and the page and the dashboard show it.
Screenshots of the change's page go to test-output/screenshots/.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

from tests.browser_session import Page, chromium_page
from tests.e2e.system import System
from tests.e2e.test_workspace_journey import ADMIN_TOKEN, Inbox, local, shown, submit
from tests.e2e.test_workspace_pages import LANDMARKS, UNLABELLED
from tests.gateway_factories import SECRET, bearer, token
from tests.infra import Infrastructure, create_database, delete_topics, drop_database, eventually
from tests.infra import served as serve_app
from tests.intake_change_factories import glide, servicenow_change_request, servicenow_closed

pytestmark = pytest.mark.e2e

OWNER = ("p-it-7", "it")
FINANCE = ("p-fin-2", "finance")
HR = ("p-hr-3", "hr")
SERVICENOW = "{intake}/v1/webhooks/servicenow/it/changes"  # IT's business rule posts here
GUIDE_SCALE = 0.7


class Changes:
    def __init__(self, system: System, inbox: Inbox, hook_url: str) -> None:
        self.system = system
        self.inbox = inbox
        self.hook_url = hook_url

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
async def changes(infra: Infrastructure) -> AsyncIterator[Changes]:
    """The four services; follow-up asks a live change's leads within seconds, by webhook."""
    inbox = Inbox()
    database_url = await create_database(infra)
    namespace = f"e2echange{uuid4().hex[:8]}"
    system = System.configure(kafka=infra.kafka, database_url=database_url, namespace=namespace)
    followup = system.services["followup"]
    followup.env |= {
        "BRIDGEWORK_ADMIN_TOKEN": ADMIN_TOKEN,
        "BRIDGEWORK_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "BRIDGEWORK_PUBLIC_BASE_URL": followup.url,
        "BRIDGEWORK_GATEWAY_PUBLIC_URL": system.url("graphql_gateway"),
        # The check-in after go-live comes seconds after it, not 14 days.
        "BRIDGEWORK_CHANGE_CHECK_IN_DELAY": "PT2S",
        # Every day, no quiet hours: the test must not depend on the time of day it runs.
        "BRIDGEWORK_NUDGE_WORKING_DAYS": '["mon","tue","wed","thu","fri","sat","sun"]',
        "BRIDGEWORK_NUDGE_QUIET_HOURS_START": "00:00",
        "BRIDGEWORK_NUDGE_QUIET_HOURS_END": "00:00",
        "BRIDGEWORK_SCHEDULER_POLL_SECONDS": "0.3",
        "BRIDGEWORK_DELIVERY_POLL_SECONDS": "0.3",
    }
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
            yield Changes(system, inbox, f"{hook_base}/hook")
    finally:
        exit_codes = system.stop()
        await drop_database(infra, database_url)
        await delete_topics(infra.kafka, namespace)
    assert all(code in (0, -signal.SIGTERM) for code in exit_codes.values()), exit_codes


async def as_person(page: Page, changes: Changes, path: str, who: str) -> None:
    """Open a page signed in as someone (the token travels in the fragment, never the query)."""
    await page.goto("about:blank")
    await page.goto(f"{changes.gateway}{path}#token={who}")
    await page.wait_for("document.body.dataset.state === 'ready'")


async def graphql(changes: Changes, query: str, who: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{changes.gateway}/graphql", json={"query": query}, headers=bearer(who)
        )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_a_change_engaged_with_two_departments_in_the_browser(changes: Changes) -> None:
    owner = token(OWNER[0], "participant", department=OWNER[1])
    finance = token(FINANCE[0], "department_lead", department=FINANCE[1])
    hr = token(HR[0], "department_lead", department=HR[1])
    change_team = token()
    intake = changes.system.url("intake")
    it_tool = bearer(changes.system.intake_token("it"))
    go_live = datetime.now(UTC) + timedelta(days=21)

    async with httpx.AsyncClient(timeout=10) as client:
        # HR's lead is reached on their own channel, where follow-up sends the check-in link.
        for lead, name in ((HR, "Hana Three"), (FINANCE, "Fin Two")):
            contact = await client.put(
                f"{changes.system.url('followup')}/v1/contacts/{lead[0]}",
                json={
                    "display_name": name,
                    "webhook_url": changes.hook_url,
                    "department": lead[1],
                    "roles": ["department_lead"],
                },
                headers=bearer(ADMIN_TOKEN),
            )
            assert contact.is_success, contact.text
        # The change arrives from IT's ServiceNow: its business rule posts the change_request.
        change_request = servicenow_change_request(
            short_description="Multi-factor authentication for the payroll portal",
            state="-2",  # Scheduled
            start_date=glide(go_live),
            affected="Finance, HR",
            sys_updated_on=glide(datetime.now(UTC) - timedelta(seconds=1)),
        )
        posted = await client.post(
            SERVICENOW.format(intake=intake), json=change_request, headers=it_tool
        )
        assert posted.status_code == 202, posted.text
        change_id = posted.json()["change_id"]
    page_path = f"/changes/{change_id}"

    async def on_calendar() -> bool:
        board = await graphql(changes, "{ changeDashboard { calendar { id } } }", change_team)
        return change_id in [c["id"] for c in board["changeDashboard"]["calendar"]]

    await eventually(on_calendar, timeout=60, interval=0.5)

    async with chromium_page() as page:
        # The change team finds it on the dashboard's calendar and follows its link.
        await as_person(page, changes, "/dashboard", change_team)
        link = f"#changes a[data-change='{change_id}']"
        await shown(page, f'document.querySelector("{link}")')
        await page.click(link)
        await page.wait_for(f"location.pathname === '{page_path}'")
        await page.wait_for("document.body.dataset.state === 'ready'")
        assert "Multi-factor authentication" in await page.text("h1")
        assert await page.evaluate("document.getElementById('engagement').dataset.state") == (
            "not engaged"
        )

        # HR's lead finds it on their own page, awaiting their department's word.
        await as_person(page, changes, "/me", hr)
        await page.wait_for(f"document.querySelector('#changes tr[data-change=\"{change_id}\"]')")
        assert (
            await page.evaluate(
                f"document.querySelector('#changes tr[data-change=\"{change_id}\"]').dataset.awaiting"
            )
            == "yes"
        )

        # The owner and both representatives take part, each through the page.
        for taking_part, (who, form) in enumerate(
            (
                (owner, 'form[aria-label="Take part on the owner\'s side"]'),
                (finance, "form[aria-label='Take part for finance']"),
                (hr, "form[aria-label='Take part for hr']"),
            ),
            start=1,
        ):
            await as_person(page, changes, page_path, who)
            await submit(page, form)
            await page.wait_for(f"document.querySelectorAll('#people li').length === {taking_part}")
        assert await page.evaluate(
            "[...document.querySelectorAll('#people li')].map((li) => li.dataset.role)"
        ) == ["owner", "representative", "representative"]

        # The owner, who leads nothing, finds it on their own page and follows its link; HR's
        # lead now finds it among the changes they take part in, listed once.
        mine = f"#my-changes tr[data-change='{change_id}']"
        await as_person(page, changes, "/me", owner)
        await shown(page, f'document.querySelector("{mine}")')
        assert "owner (it)" in await page.text(mine)
        await page.click(f"{mine} a[data-change='{change_id}']")
        await page.wait_for(f"location.pathname === '{page_path}'")
        await as_person(page, changes, "/me", hr)
        await shown(page, f'document.querySelector("{mine}[data-awaiting=yes]")')
        assert not await page.evaluate(
            f"!!document.querySelector('#changes [data-change=\"{change_id}\"]')"
        )

        # The representatives answer the proactive questions.
        for who, worry in (
            (finance, "The month end falls on the planned go-live."),
            (hr, "Our part-time staff have no company phones."),
        ):
            await as_person(page, changes, page_path, who)
            form = "form[aria-label='Answer the proactive questions']"
            await page.fill(f"{form} textarea[data-question=what_worries_you]", worry)
            await page.fill(
                f"{form} textarea[data-question=what_would_make_it_work]", "Notice and testers."
            )
            await submit(page, form)
            await page.wait_for(f"document.querySelector('#answers').innerText.includes({worry!r})")

        # The owner reads the answers and proposes an adjustment: notice, owed to both.
        await as_person(page, changes, page_path, owner)
        answers = await page.text("#answers")
        assert "part-time staff" in answers
        assert "month end" in answers
        due = datetime.now(UTC) + timedelta(days=7)
        await page.fill("#propose fieldset.adjustment select[data-field$='.owner']", OWNER[0])
        await page.fill("#propose fieldset.adjustment textarea", "One week's notice to every team.")
        await page.fill("#propose fieldset.adjustment input[type=datetime-local]", local(due))
        await submit(page, "#propose")
        await page.wait_for("document.querySelector('#proposal-state')")

        # Finance consents; HR objects, first forgetting the reason, then saying why.
        await as_person(page, changes, page_path, finance)
        await submit(page, "#consent")
        await page.wait_for(
            "document.querySelector('tr[data-department=finance][data-word=consented]')"
        )
        await as_person(page, changes, page_path, hr)
        await page.fill("#consent select", "object")
        await submit(page, "#consent")
        await page.wait_for(
            "document.querySelector('#consent').innerText.includes('needs a reason')"
        )
        await page.fill("#consent textarea", "One week is not enough to order phones.")
        await submit(page, "#consent")
        await page.wait_for("document.querySelector('tr[data-department=hr][data-word=objected]')")
        assert "order phones" in await page.text("tr[data-department=hr]")
        # Every control is labelled, and the page has its landmarks, with the most forms shown.
        assert await page.evaluate(UNLABELLED) == []
        assert await page.evaluate(LANDMARKS) == [True, True, True, "en"]
        assert await page.evaluate("document.getElementById('engagement').dataset.state") == (
            "objected"
        )
        await page.screenshot("change-objected", scale=GUIDE_SCALE)

        # The owner revises the adjustment; both departments consent to version 2.
        await as_person(page, changes, page_path, owner)
        await page.fill(
            "#propose fieldset.adjustment textarea",
            "Three weeks' notice, and hardware keys for staff without phones.",
        )
        await submit(page, "#propose")
        await page.wait_for("document.querySelector('#proposal').innerText.includes('Version 2')")
        for who in (finance, hr):
            await as_person(page, changes, page_path, who)
            await page.wait_for(
                "document.querySelector('#consent h3').textContent.includes('version 2')"
            )
            await submit(page, "#consent")
        await page.wait_for("document.querySelector('#proposal-state[data-agreed=yes]')")
        assert await page.evaluate("document.getElementById('engagement').dataset.state") == (
            "consented"
        )

        # The owner keeps the agreed adjustment.
        await as_person(page, changes, page_path, owner)
        await submit(page, "#proposal form[aria-label='Mark as kept']")
        await page.wait_for("document.querySelector('#proposal li[data-status=kept]')")
        await page.screenshot("change-agreed", scale=GUIDE_SCALE)

    # ServiceNow closes the change request, successful: intake reports it live at `work_end`.
    went_live = datetime.now(UTC).replace(microsecond=0)
    closed = servicenow_closed(change_request, went_live)
    async with httpx.AsyncClient(timeout=10) as client:
        live = await client.post(SERVICENOW.format(intake=intake), json=closed, headers=it_tool)
        assert live.status_code == 200, live.text
        assert live.json()["status"] == "went_live"

    async with chromium_page() as page:
        await as_person(page, changes, page_path, finance)
        await shown(page, "document.querySelector('#mode[data-mode=with]')")
        assert "It is live" in await page.text("#actions")

        # Follow-up asks the affected leads whether it works for them; the first link's answers.
        async def sent() -> str | None:
            return changes.inbox.check_in_link()

        check_in = await eventually(sent, timeout=90, interval=1)
        await page.goto(check_in)
        await page.click("input[value=yes]")
        await page.fill("#comment", "The hardware keys arrived in time.")
        await page.screenshot("change-check-in", scale=GUIDE_SCALE)
        await page.click("button[type=submit]")
        await page.wait_for("document.title === 'Thank you'")

        # The page shows the department's check-in (from the read model), and the mode.
        await as_person(page, changes, page_path, finance)
        await shown(page, "document.querySelector('td[data-check-in=yes]')")
        await page.screenshot("change-live", scale=GUIDE_SCALE)

        # The dashboard's change section counts it among the changes made WITH people.
        await as_person(page, changes, "/dashboard", change_team)
        await shown(
            page,
            "[...document.querySelectorAll('#changes-body tr')]"
            ".some((r) => r.innerText.replace(/\\s+/g, ' ').trim() === 'with 1')",
        )
        await page.screenshot("change-dashboard", scale=GUIDE_SCALE)

    board = await graphql(
        changes, "{ changeDashboard { proactiveWindow { responseMode changes } } }", change_team
    )
    window = {m["responseMode"]: m["changes"] for m in board["changeDashboard"]["proactiveWindow"]}
    assert window["with"] == 1, window
    seen = await graphql(
        changes,
        f'{{ change(id: "{change_id}") {{ responseMode engagements {{ department checkIn }} }} }}',
        change_team,
    )
    assert seen["change"]["responseMode"] == "with"
    # One lead answered for their department; the other department has not checked in.
    assert sorted(str(e["checkIn"]) for e in seen["change"]["engagements"]) == ["None", "yes"]
