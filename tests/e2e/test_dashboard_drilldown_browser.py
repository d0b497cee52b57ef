"""Acting in the dashboard page in headless chromium (tests/browser_session.py): drill down
from a figure and from a relationship to the repairs behind them, download CSV files and
read them, switch the period preset. The gateway serves the hand-made organisation of
tests/gateway_factories.py (November 2026; the clock on 2 December). Screenshots of the page
with a drill-down open and after the preset are written to test-output/screenshots/."""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bridgework.common.clock import ManualClock
from bridgework.graphql_gateway.app import create_app
from tests.browser_actions import allow_downloads, download, press
from tests.browser_session import Page, chromium_page
from tests.gateway_factories import Organisation, gateway_settings, organisation, token
from tests.gateway_read_model import fold_into
from tests.infra import Infrastructure, create_database, drop_database, free_port, served

pytestmark = pytest.mark.e2e

# The default period: the 365 days up to the gateway's today.
DEFAULT_PERIOD = "2025-12-03_to_2026-12-02"


@dataclass
class Served:
    url: str
    org: Organisation


@pytest.fixture
async def served_dashboard(infra: Infrastructure) -> AsyncIterator[Served]:
    database_url = await create_database(infra)
    org = organisation()
    settings = gateway_settings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=f"tdrillpage{free_port()}",
    )
    try:
        async with served(create_app(settings, clock=ManualClock(org.now)), lifespan=True) as base:
            await fold_into(database_url, org.events())
            yield Served(url=f"{base}/dashboard#token={token()}", org=org)
    finally:
        await drop_database(infra, database_url)


async def drilled(page: Page) -> set[str]:
    """The repairs the drill-down lists once it has loaded."""
    await page.wait_for("document.body.dataset.drill === 'ready'")
    ids: list[str] = await page.evaluate(
        "[...document.querySelectorAll('#drill-table tbody tr')].map((r) => r.dataset.repair)"
    )
    return set(ids)


async def read_csv(page: Page, button: str, folder: Path) -> tuple[str, list[list[str]], bytes]:
    path = await download(page, button, folder)
    raw = await asyncio.to_thread(path.read_bytes)
    return path.name, list(csv.reader(io.StringIO(raw.decode("utf-8"), newline=""))), raw


async def test_drilling_down_exporting_and_switching_the_period_in_the_browser(
    chromium: str, served_dashboard: Served
) -> None:
    ids = {name: str(getattr(served_dashboard.org, name).repair_id) for name in "abcde"}
    with tempfile.TemporaryDirectory(prefix="bw-downloads-") as downloads:
        async with chromium_page(1280, 1600) as page:
            await allow_downloads(page, Path(downloads))
            await page.goto(served_dashboard.url)
            await act_in_the_page(page, ids, Path(downloads))


async def act_in_the_page(page: Page, ids: dict[str, str], folder: Path) -> None:
    """Drill down from a figure and a relationship, export three tables, switch the preset."""
    await page.wait_for("document.body.dataset.state === 'ready'")

    # Dates carry their year on the axes.
    axis = await page.evaluate("document.getElementById('shadow-trend').textContent")
    assert "2026" in axis, axis

    # A figure, by keyboard: "agreements kept in full" = A (kept late) and C (on time).
    await page.evaluate("document.body.dataset.drill = ''")
    await press(page, "#figures button[data-key='agreements-kept']")
    assert await drilled(page) == {ids["a"], ids["c"]}
    name, rows, raw = await read_csv(page, "#drill-csv", folder)
    assert name == f"bridgework-repairs-behind-COMPLETION-organisation-{DEFAULT_PERIOD}.csv"
    assert raw.count(b"\r\n") == 3, "a header, two repairs, CRLF line ends"
    assert rows[0][:3] == ["repair", "opened", "category"]
    assert {row[0] for row in rows[1:]} == {ids["a"], ids["c"]}
    assert {row[3] for row in rows[1:]} == {"finance it", "it marketing"}

    # A relationship, from the map by keyboard: finance and IT strained by A and B.
    await page.evaluate("document.body.dataset.drill = ''")
    await press(page, "#relationships line[data-key='finance|it']")
    assert await drilled(page) == {ids["a"], ids["b"]}
    # ... and its shadow IT from the table: B.
    await page.evaluate("document.body.dataset.drill = ''")
    await page.click("tr[data-pair='finance|it'] button[data-drill='shadow_it']")
    assert await drilled(page) == {ids["b"]}
    await page.screenshot("dashboard-drilldown")

    # The relationships table as CSV: one row per pair, shadow IT beside the repairs.
    name, rows, _ = await read_csv(page, "button[data-export='relationships']", folder)
    assert name == f"bridgework-relationships-organisation-{DEFAULT_PERIOD}.csv"
    header, *pairs = rows
    by_pair = {(r[0], r[1]): dict(zip(header, r, strict=True)) for r in pairs}
    assert set(by_pair) == {
        ("estates", "it"), ("finance", "hr"), ("finance", "it"), ("it", "marketing"),
    }  # fmt: skip
    assert by_pair[("finance", "it")]["repairs"] == "2"
    assert by_pair[("finance", "it")]["shadow IT"] == "1"
    assert by_pair[("it", "marketing")]["status"] == "unrepaired"

    # A preset: the last 30 days (3 November to 2 December) leave out A, opened the 2nd.
    await page.fill("#preset", "30d")
    await page.wait_for("document.getElementById('from').value === '2026-11-03'")
    await page.wait_for(
        "document.querySelector(\"#figures [data-key='repairs-opened'] .value\")"
        ".textContent === '4'"
    )
    name, rows, _ = await read_csv(page, "button[data-export='figures']", folder)
    assert name == "bridgework-key-figures-organisation-2026-11-03_to_2026-12-02.csv"
    assert ["repairs-opened", "repairs opened", "4"] in rows
    await page.screenshot("dashboard-last-30-days")
