"""A live update in the dashboard page, in headless chromium: a repair opened on the real
topic reaches the page over the subscription while a keyboard user has a figure focused and
has typed a date not yet shown. The redraw keeps their focus on the figure (Enter then opens
its drill-down) and leaves the typed date alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bridgework.common.clock import ManualClock
from bridgework.common.topics import Topics
from bridgework.graphql_gateway.app import create_app
from tests.browser_actions import press
from tests.browser_session import chromium_page
from tests.gateway_factories import (
    DAY,
    HOUR,
    Organisation,
    RepairStory,
    as_events,
    gateway_settings,
    organisation,
    person,
    token,
)
from tests.gateway_read_model import fold_into
from tests.infra import Infrastructure, create_database, drop_database, free_port, produce, served

pytestmark = pytest.mark.e2e

FIGURE = "#figures button[data-key='repairs-opened']"


@dataclass
class Live:
    url: str
    org: Organisation
    topics: Topics
    kafka: str


@pytest.fixture
async def live_dashboard(infra: Infrastructure) -> AsyncIterator[Live]:
    database_url = await create_database(infra)
    org, topics = organisation(), Topics(f"tlivepage{free_port()}")
    settings = gateway_settings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=topics.namespace,
    )
    try:
        async with served(create_app(settings, clock=ManualClock(org.now)), lifespan=True) as base:
            await fold_into(database_url, org.events())
            yield Live(f"{base}/dashboard#token={token()}", org, topics, infra.kafka)
    finally:
        await drop_database(infra, database_url)


async def test_a_live_update_keeps_the_keyboard_users_place_and_typed_dates(
    chromium: str, live_dashboard: Live
) -> None:
    async with chromium_page(1280, 1600) as page:
        await page.goto(live_dashboard.url)
        await page.wait_for("document.body.dataset.state === 'ready'")
        assert await page.evaluate(f"document.querySelector({FIGURE!r}).textContent") == (
            "5repairs opened"
        )
        shown_from = await page.evaluate("document.getElementById('from').value")
        await page.fill("#from", "2026-11-20")
        focused = await page.evaluate(
            f"(() => {{ const e = document.querySelector({FIGURE!r}); e.focus();"
            " return document.activeElement === e; })()"
        )
        assert focused

        yesterday = live_dashboard.org.now - DAY
        story = RepairStory(
            responsible=person("p-it-001", "it"),
            affected=person("p-est-002", "estates"),
            reported_at=yesterday,
            opened_at=yesterday + HOUR,
        )
        await produce(live_dashboard.kafka, live_dashboard.topics.repairs, as_events(story.facts))
        await page.wait_for(
            f"document.querySelector({FIGURE!r}).textContent === '6repairs opened'", timeout=60
        )

        # The redraw replaced the button; its twin has the focus, and the typed date stayed.
        assert await page.evaluate(f"document.activeElement === document.querySelector({FIGURE!r})")
        assert await page.evaluate("document.getElementById('from').value") == "2026-11-20"
        assert shown_from != "2026-11-20"
        assert await page.evaluate("document.getElementById('preset').value") == "custom"

        # Enter on the focused figure lists the six repairs of the shown period.
        await page.evaluate("document.body.dataset.drill = ''")
        await press(page, FIGURE)
        await page.wait_for("document.body.dataset.drill === 'ready'")
        listed = await page.evaluate(
            "[...document.querySelectorAll('#drill-table tbody tr')].map((r) => r.dataset.repair)"
        )
        assert str(story.repair_id) in listed
        assert len(listed) == 6
