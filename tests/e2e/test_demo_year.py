"""The demo year: the seeder moves all four services' clocks from a year back to today,
through their public APIs, and every dashboard figure has something to say.

A reduced year (`--scale`) keeps the run short; the full year's timing is in
docs/operations.md ("The demo year").
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

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
      departmentA departmentB recurrencesWithin180Days
      shadowItTrend(granularity: MONTH) { start count }
    }
  }
}
"""


async def dashboard(system: System) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    period = {"from": (today - timedelta(days=366)).isoformat(), "to": today.isoformat()}
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{system.url('graphql_gateway')}/graphql",
            json={"query": DASHBOARD, "variables": {"period": period}},
            headers=bearer(token()),
        )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    figures: dict[str, Any] = body["data"]["dashboard"]
    return figures


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
    return empty


def shadow_it_halves(figures: dict[str, Any], a: str, b: str) -> tuple[int, int]:
    """Shadow IT between a pair in the year's first and last five months."""
    pair = next(
        r for r in figures["relationships"] if {r["departmentA"], r["departmentB"]} == {a, b}
    )
    counts = [point["count"] for point in pair["shadowItTrend"]]
    return sum(counts[:5]), sum(counts[-5:])


async def test_a_seeded_year_fills_every_figure_and_a_second_seeding_adds_nothing(
    demo_system: System, mail_sink: MailSink, tmp_path: Path
) -> None:
    first = seed(demo_system, tmp_path, mail_sink.folder)
    assert first.returncode == 0, first.stdout + first.stderr

    async def settled() -> dict[str, Any] | None:
        figures = await dashboard(demo_system)
        return None if every_figure_speaks(figures) else figures

    try:
        figures: dict[str, Any] = await eventually(settled, timeout=60, interval=1)
    except AssertionError:
        pytest.fail(f"empty figures: {every_figure_speaks(await dashboard(demo_system))}")
    second = seed(demo_system, tmp_path, mail_sink.folder)
    again = await dashboard(demo_system)

    assert "demo year seeded" in first.stdout
    assert second.returncode == 0, second.stdout + second.stderr
    assert "seeded before" in second.stdout
    assert again["repairsOpened"] == figures["repairsOpened"] > 60
    for a, b in (("it", "marketing"), ("finance", "it")):
        early, late = shadow_it_halves(figures, a, b)
        assert early > late, (a, b, early, late)
    clocks = await _offsets(demo_system)
    assert all(abs(offset) < 5 for offset in clocks.values()), clocks  # the year ends today


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
