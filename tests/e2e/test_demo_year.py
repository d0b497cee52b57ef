"""The demo year: the seeder moves all four services' clocks from a year back to today,
through their public APIs, and every dashboard figure has something to say: the repairs'
and the planned changes' (the calendar, the proactive window, the harm that followed, less
after changes made WITH people than after imposed ones). The year is seeded once for the
module; headless Chromium then opens the dashboard over the whole year and finds no card
empty (screenshot: test-output/screenshots/dashboard-demo-year.png).

A reduced year (`--scale`) keeps the run short; the full year's timing is in
docs/operations.md ("The demo year").
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

from tests.browser_session import Page, open_page
from tests.e2e.system import System
from tests.gateway_factories import SECRET, bearer, token
from tests.infra import (
    Infrastructure,
    create_database,
    delete_topics,
    drop_database,
    eventually,
    free_port,
)

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SEEDER = ROOT / "deploy" / "local" / "seed_demo.py"
DEPARTMENTS = ("it", "finance", "hr", "marketing", "estates", "legal")
SCALE = "0.3"  # ~90 incidents: every kind of ending still happens (demo/story.py)


@dataclass(frozen=True)
class MailSink:
    folder: Path
    port: int


@pytest.fixture(scope="module")
def mail_sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailSink]:
    """A real SMTP server filing every message into a Maildir, as `make run`'s sink does."""
    folder = tmp_path_factory.mktemp("demo") / "mail"
    for part in ("tmp", "new", "cur"):
        (folder / part).mkdir(parents=True)
    port = free_port()
    controller = Controller(Mailbox(folder), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield MailSink(folder, port)
    finally:
        controller.stop()


@pytest.fixture(scope="module")
async def demo_system(infra: Infrastructure, mail_sink: MailSink) -> AsyncIterator[System]:
    """The four services on clocks that start a year back, follow-up mailing the sink."""
    database_url = await create_database(infra)
    namespace = f"e2e{uuid4().hex[:8]}"
    system = System.configure(kafka=infra.kafka, database_url=database_url, namespace=namespace)
    for service in system.services.values():
        service.env |= {
            "BRIDGEWORK_JWT_HS256_SECRET": SECRET,
            "BRIDGEWORK_TIME_TRAVEL": "true",
            "BRIDGEWORK_TIME_TRAVEL_START": "-P365D",
            "BRIDGEWORK_SMTP_HOST": "127.0.0.1",
            "BRIDGEWORK_SMTP_PORT": str(mail_sink.port),
            "BRIDGEWORK_SMTP_SECURITY": "none",
            "BRIDGEWORK_SCHEDULER_POLL_SECONDS": "0.3",
            "BRIDGEWORK_DELIVERY_POLL_SECONDS": "0.3",
        }
    try:
        await system.start()
        yield system
    finally:
        system.stop()
        await drop_database(infra, database_url)
        await delete_topics(infra.kafka, namespace)


def seed(system: System, state: Path, maildir: Path) -> subprocess.CompletedProcess[str]:
    """`make run`'s seeding, at a reduced size."""
    command = [sys.executable, str(SEEDER), "--scale", SCALE, "--step-days", "3"]
    for service, flag in (
        ("intake", "--intake-url"),
        ("agreements", "--agreements-url"),
        ("followup", "--followup-url"),
        ("graphql_gateway", "--gateway-url"),
    ):
        command += [flag, system.url(service)]
    for department in DEPARTMENTS:
        command += ["--token", f"{department}={system.intake_token(department)}"]
    command += ["--state-dir", str(state), "--maildir", str(maildir)]
    env = system.services["intake"].env | {"BRIDGEWORK_JWT_HS256_SECRET": SECRET}
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        command, env=env, capture_output=True, text=True, timeout=900, check=False
    )


DASHBOARD = """
query ($period: PeriodInput) {
  dashboard(period: $period) {
    repairsOpened
    commitments { keptOnTime keptLate lapsed released renegotiated }
    responseModes { with to for not }
    checkIns { yes partly no }
    returnToPunitive { returned }
    relationships {
      departmentA departmentB recurrencesWithin180Days status
      shadowItTrend(granularity: MONTH) { start count }
    }
  }
  changeDashboard(period: $period) {
    calendar { id engagementState }
    proactiveWindow { responseMode changes }
    harmThatFollowed { responseMode changes incidents incidentsPerChange }
  }
}
"""
MODES = ("with", "to", "for", "not")


async def dashboard(system: System, days_back: int = 366, length: int = 367) -> dict[str, Any]:
    """The figures of `length` days starting `days_back` days before today (default: the year)."""
    today = datetime.now(UTC).date()
    start = today - timedelta(days=days_back)
    end = min(today, start + timedelta(days=length - 1))
    period = {"from": start.isoformat(), "to": end.isoformat()}
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{system.url('graphql_gateway')}/graphql",
            json={"query": DASHBOARD, "variables": {"period": period}},
            headers=bearer(token()),
        )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    figures: dict[str, Any] = body["data"]["dashboard"]
    return figures | {"changes": body["data"]["changeDashboard"]}


def every_figure_speaks(figures: dict[str, Any]) -> list[str]:
    """The figures still empty (none, when the demo year tells its whole story)."""
    empty = [
        f"{group}.{name}"
        for group, names in (
            ("commitments", ("keptOnTime", "keptLate", "lapsed", "released", "renegotiated")),
            ("responseModes", ("with", "to", "for", "not")),
            ("returnToPunitive", ("returned",)),
        )
        for name in names
        if not figures[group][name]
    ]
    if not figures["checkIns"]["yes"] or not (
        figures["checkIns"]["partly"] + figures["checkIns"]["no"]
    ):
        empty.append("checkIns: confirmed and not")
    if not any(r["recurrencesWithin180Days"] for r in figures["relationships"]):
        empty.append("relationships.recurrencesWithin180Days")
    changes = figures["changes"]
    if not changes["calendar"]:
        empty.append("changes.calendar")
    window = {m["responseMode"]: m["changes"] for m in changes["proactiveWindow"]}
    empty += [f"changes.proactiveWindow.{mode}" for mode in MODES if not window.get(mode)]
    harm = harm_by_mode(figures)
    empty += [
        f"changes.harmThatFollowed.{mode}"
        for mode in MODES
        if mode not in harm
        or harm[mode]["incidentsPerChange"] is None
        # every imposed or untold change is followed by harm in the story
        or (mode != "with" and not harm[mode]["incidents"])
    ]
    return empty


def harm_by_mode(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {h["responseMode"]: h for h in figures["changes"]["harmThatFollowed"]}


def shadow_it_halves(figures: dict[str, Any], a: str, b: str) -> tuple[int, int]:
    """Shadow IT between a pair in the year's first and last five months."""
    pair = next(
        r for r in figures["relationships"] if {r["departmentA"], r["departmentB"]} == {a, b}
    )
    counts = [point["count"] for point in pair["shadowItTrend"]]
    return sum(counts[:5]), sum(counts[-5:])


@dataclass(frozen=True)
class Seeded:
    system: System
    state: Path
    first: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def seeded(
    demo_system: System, mail_sink: MailSink, tmp_path_factory: pytest.TempPathFactory
) -> Seeded:
    """The year seeded once for the module's tests (seeding is what takes the time)."""
    state = tmp_path_factory.mktemp("demo-state")
    first = seed(demo_system, state, mail_sink.folder)
    assert first.returncode == 0, first.stdout + first.stderr
    print(first.stdout[-2000:])  # the seeder's summary: its timings, in the test's output
    return Seeded(demo_system, state, first)


async def test_a_seeded_year_fills_every_figure_and_a_second_seeding_adds_nothing(
    seeded: Seeded, mail_sink: MailSink
) -> None:
    demo_system, first = seeded.system, seeded.first

    async def settled() -> dict[str, Any] | None:
        figures = await dashboard(demo_system)
        return None if every_figure_speaks(figures) else figures

    try:
        figures: dict[str, Any] = await eventually(settled, timeout=60, interval=1)
    except AssertionError:
        pytest.fail(f"empty figures: {every_figure_speaks(await dashboard(demo_system))}")
    second = seed(demo_system, seeded.state, mail_sink.folder)
    again = await dashboard(demo_system)

    assert "demo year seeded" in first.stdout
    assert second.returncode == 0, second.stdout + second.stderr
    assert "seeded before" in second.stdout
    assert again["repairsOpened"] == figures["repairsOpened"] > 60
    for a, b in (("it", "marketing"), ("finance", "it")):
        early, late = shadow_it_halves(figures, a, b)
        assert early > late, (a, b, early, late)
    # Changes made WITH the affected are followed by less harm than imposed ones.
    harm = harm_by_mode(figures)
    per_change = {mode: harm[mode]["incidentsPerChange"] for mode in MODES}
    assert per_change["with"] < min(per_change["to"], per_change["for"]), per_change
    assert again["changes"]["proactiveWindow"] == figures["changes"]["proactiveWindow"]
    clocks = await _offsets(demo_system)
    assert all(abs(offset) < 5 for offset in clocks.values()), clocks  # the year ends today
    # Relationships repaired: in some quarter, too, the map shows a pair green.
    quarters = [await dashboard(demo_system, days_back=d, length=91) for d in (365, 273, 182, 91)]
    statuses = [{r["status"] for r in q["relationships"]} for q in quarters]
    assert any("repaired" in seen for seen in statuses), statuses
    # Over the year the map tells pairs apart: mostly repaired, a mixed record, mostly not.
    year = {r["status"] for r in figures["relationships"]}
    assert {"repaired", "mending", "unrepaired"} <= year, year


async def test_on_the_seeded_year_no_dashboard_card_is_empty_in_the_browser(
    chromium: str, seeded: Seeded
) -> None:
    empty = await empty_cards_in_the_browser(seeded.system)
    for _ in range(3):  # the read model may still be folding the year's last events
        if not empty:
            break
        await asyncio.sleep(10)
        empty = await empty_cards_in_the_browser(seeded.system)
    assert empty == []


# What the dashboard page shows where a card has nothing to tell: a key figure's en dash
# (dashboard.js), a chart's empty text (charts.js), the change section's (changes.js).
EMPTY_TEXT = (
    r"^(Nothing in this period yet|No settled agreements|No strained relationships"
    r"|No change planned|Planned changes could not be loaded)"
)
EMPTY_CARDS = f"""[...document.querySelectorAll('#figures .figure .value')]
  .filter((v) => ['\u2013', '-', ''].includes(v.textContent.trim()))
  .map((v) => 'figure ' + v.parentElement.dataset.key)
  .concat([...document.querySelectorAll('#board svg text, #changes p')]
    .filter((t) => /{EMPTY_TEXT}/.test(t.textContent.trim()))
    .map((t) => (t.closest('svg') || t.closest('section'))?.id + ': ' + t.textContent))"""


async def empty_cards_in_the_browser(system: System) -> list[str]:
    """The dashboard page in headless Chromium, as the change team, over a period that covers
    the whole seeded year: the key figures and cards that show nothing."""
    url = f"{system.url('graphql_gateway')}/dashboard#token={token()}"
    today = datetime.now(UTC).date()
    async with open_page(url, height=1400) as page:
        await page.wait_for("document.body.dataset.state === 'ready'")
        await choose_period(page, today - timedelta(days=366), today)
        await page.wait_for("document.querySelector('#changes-body h3')")
        empty: list[str] = await page.evaluate(EMPTY_CARDS)
        await page.screenshot("dashboard-demo-year")
    return empty


async def choose_period(page: Page, start: date, end: date) -> None:
    """Type custom dates and press Show, then wait for the board to show that period.

    The dates are typed and sent in one go: the page redraws whenever the live subscription
    brings news, and a redraw puts the period shown back into the date fields (dashboard.js,
    `render`), so dates typed just before one would be lost before Show was pressed."""
    choose = f"""(() => {{
      for (const [id, day] of [['from', '{start.isoformat()}'], ['to', '{end.isoformat()}']]) {{
        const field = document.getElementById(id);
        field.value = day;
        field.dispatchEvent(new Event('input', {{bubbles: true}}));
      }}
      document.getElementById('filters').requestSubmit();
      return document.getElementById('preset').value; }})()"""
    assert await page.evaluate(choose) == "custom"
    await page.wait_for(
        f"document.getElementById('period-label').textContent.startsWith('{start.day} ')"
        f" && document.getElementById('from').value === '{start.isoformat()}'"
    )


async def _offsets(system: System) -> dict[str, float]:
    offsets: dict[str, float] = {}
    async with httpx.AsyncClient(timeout=10) as client:
        for service in ("intake", "agreements", "followup", "graphql_gateway"):
            response = await client.get(
                f"{system.url(service)}/v1/admin/clock", headers=bearer(token())
            )
            assert response.status_code == 200, (service, response.text)
            now = datetime.fromisoformat(response.json()["now"])
            offsets[service] = (now - datetime.now(UTC)).total_seconds()
    return offsets
