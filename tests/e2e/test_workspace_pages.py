"""The people's pages in headless chromium, on the hand-made organisation of
tests/gateway_factories.py (November 2026): what each person sees, that every control is
labelled and reachable by keyboard, and that a page asks for a sign-in without a token.
Screenshots go to test-output/screenshots/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bridgework.common.clock import ManualClock
from bridgework.graphql_gateway.app import create_app
from tests.browser_session import Page, chromium_page
from tests.gateway_factories import Organisation, gateway_settings, organisation, token
from tests.gateway_read_model import fold_into
from tests.infra import Infrastructure, create_database, drop_database, free_port, served

pytestmark = pytest.mark.e2e

# Every form control has a label that names it, and the page has its landmarks.
UNLABELLED = """[...document.querySelectorAll('main input, main select, main textarea')]
  .filter((c) => !c.labels || !c.labels.length || !c.labels[0].textContent.trim())
  .map((c) => c.outerHTML)"""
LANDMARKS = """[!!document.querySelector('header nav'), !!document.querySelector('main h1'),
  document.querySelectorAll('main h2').length > 0, document.documentElement.lang]"""


# The guides in docs/guides/ use these pictures: small enough to keep in the repository.
GUIDE_SCALE = 0.7


@dataclass
class Served:
    base: str
    org: Organisation


@pytest.fixture
async def pages(infra: Infrastructure) -> AsyncIterator[Served]:
    database_url = await create_database(infra)
    org = organisation()
    settings = gateway_settings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=f"tpages{free_port()}",
    )
    try:
        async with served(create_app(settings, clock=ManualClock(org.now)), lifespan=True) as base:
            await fold_into(database_url, org.events())
            yield Served(base=base, org=org)
    finally:
        await drop_database(infra, database_url)


async def signed_in(page: Page, url: str, who: str) -> None:
    await page.goto("about:blank")
    await page.goto(f"{url}#token={who}")
    await page.wait_for("document.body.dataset.state === 'ready'")


async def accessible(page: Page) -> None:
    assert await page.evaluate(UNLABELLED) == []
    assert await page.evaluate(LANDMARKS) == [True, True, True, "en"]
    # The token was taken from the address and is kept for the tab only.
    assert "token" not in await page.evaluate("location.href")


async def test_a_facilitator_sees_the_queue_and_can_offer_by_keyboard(
    chromium: str, pages: Served
) -> None:
    d = f"#waiting article[data-repair='{pages.org.d.repair_id}']"
    async with chromium_page() as page:
        await signed_in(
            page, f"{pages.base}/queue", token("p-hr-078", "facilitator", department="hr")
        )
        await accessible(page)
        queued = await page.evaluate(
            "[...document.querySelectorAll('#waiting article')].map((a) => a.dataset.repair)"
        )
        # Only D has no facilitator yet (B's joined with everyone; C is closed).
        assert queued == [str(pages.org.d.repair_id)]
        await page.screenshot("queue-facilitator", scale=GUIDE_SCALE)
        button = f"{d} button[type=submit]"
        await page.press(button)  # focus reaches the offer, and Enter sends it
        # No agreements service answers in this test: the refusal shows on the form.
        await page.wait_for(f'document.querySelector("{d} .form-error").textContent.length > 0')

        # The facilitator who offered already sees their offer waiting, and no button.
        await signed_in(
            page, f"{pages.base}/queue", token("p-hr-077", "facilitator", department="hr")
        )
        assert "yours among them" in await page.text(d)
        assert await page.evaluate(f'document.querySelectorAll("{d} form").length') == 0


async def test_a_repair_page_tells_the_whole_story_to_its_facilitator(
    chromium: str, pages: Served
) -> None:
    a = pages.org.a
    async with chromium_page() as page:
        await signed_in(
            page,
            f"{pages.base}/repairs/{a.repair_id}",
            token(a.facilitator.person_id, "facilitator", department="hr"),
        )
        await accessible(page)
        kinds = await page.evaluate(
            "[...document.querySelectorAll('#timeline li')].map((li) => li.dataset.kind)"
        )
        for kind in ("incident", "opened", "joined", "conversation", "agreement", "kept"):
            assert kind in kinds, kinds
        assert kinds[-1] == "closed"
        assert kinds.index("incident") < kinds.index("agreement") < kinds.index("closed")
        story = await page.text("#timeline")
        assert "Missing the month end." in story or "erased" in story
        assert "Repair closed: repaired" in story
        # Closed: nothing is left to do.
        assert "Nothing for you to do here now." in await page.text("#actions")
        await page.screenshot("repair-facilitator", scale=GUIDE_SCALE)


async def test_the_change_team_sees_the_story_without_the_people(
    chromium: str, pages: Served
) -> None:
    e = pages.org.e
    async with chromium_page() as page:
        await signed_in(page, f"{pages.base}/repairs/{e.repair_id}", token())
        await accessible(page)
        story = await page.text("#timeline")
        assert "someone from finance declined version 1" in story
        assert "shown to the repair's people only" in story
        assert e.affected.person_id not in story
        # The change team may assign a facilitator here.
        assert await page.evaluate(
            "!!document.querySelector('form[aria-label=\"Assign a facilitator\"]')"
        )
        await page.screenshot("repair-change-team-view", scale=GUIDE_SCALE)


async def test_a_participant_sees_their_commitments_and_repairs(
    chromium: str, pages: Served
) -> None:
    org = pages.org
    async with chromium_page() as page:
        await signed_in(
            page,
            f"{pages.base}/me",
            token(org.a.responsible.person_id, "participant", department="it"),
        )
        await accessible(page)
        statuses = await page.evaluate(
            "[...document.querySelectorAll('#commitments tr[data-status]')].map((r) => r.dataset.status)"
        )
        assert statuses == ["lapsed", "kept", "kept"]
        waiting = await page.evaluate(
            "[...document.querySelectorAll('#repairs tr[data-repair]')].map((r) => r.dataset.waiting)"
        )
        assert waiting == ["renegotiation", "nothing"]
        assert "Nothing waits for your consent." in await page.text("#consent")
        await page.screenshot("me-participant", scale=GUIDE_SCALE)


async def test_a_page_asks_for_a_sign_in_without_a_token(chromium: str, pages: Served) -> None:
    async with chromium_page() as page:
        await page.goto(f"{pages.base}/me")
        await page.wait_for("document.body.dataset.state === 'signed-out'")
        assert await page.evaluate("document.getElementById('signin').hidden") is False
        assert await page.evaluate("document.getElementById('token').labels.length") == 1
