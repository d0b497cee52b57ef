"""Planned changes through Kafka, the read model and GraphQL: the hand-made changes of
tests/gateway_change_factories.py arrive on the changes, engagements and incidents topics
(worst order first: incidents, engagements, then the changes they name), and the three
dashboard figures match the values worked out by hand there and in docs/metrics.md."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from bridgework.common.clock import ManualClock
from bridgework.common.contracts import Contract
from bridgework.common.events import Event
from bridgework.graphql_gateway.app import create_app
from tests.gateway_change_factories import NOW, change_story, cid
from tests.gateway_factories import bearer, gateway_settings, token
from tests.infra import Infrastructure, create_database, drop_database, eventually, produce, running

pytestmark = pytest.mark.integration

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
FIGURES = """query($department: String, $period: PeriodInput, $days: Int = 90) {
  changeDashboard(department: $department, period: $period, days: $days) {
    department period { from to }
    calendar { title plannedGoLive engagementState engagements { department standing } }
    proactiveWindow { responseMode changes }
    harmThatFollowed { responseMode changes incidents incidentsPerChange windowsOpen } } }"""
CHANGES = """query($department: String, $live: Boolean, $first: Int = 20, $after: String) {
  changes(department: $department, live: $live, first: $first, after: $after) {
    edges { node { title } } pageInfo { hasNextPage endCursor } } }"""


@dataclass
class Folded:
    client: httpx.AsyncClient

    async def query(self, document: str, *, as_token: str | None = None, **variables: Any) -> Any:
        response = await self.client.post(
            "/graphql",
            json={"query": document, "variables": variables},
            headers=bearer(as_token or token()),
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, document: str, **variables: Any) -> Any:
        body = await self.query(document, **variables)
        assert "errors" not in body, body
        return body["data"]


async def _applied(database_url: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        count: int = await connection.fetchval("SELECT count(*) FROM gateway.inbox")
    finally:
        await connection.close()
    return count


@pytest.fixture(scope="module")
async def folded(infra: Infrastructure) -> AsyncIterator[Folded]:
    database_url = await create_database(infra)
    events = change_story().events()
    settings = gateway_settings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=f"tchg{id(events) % 10**8}",
    )
    by_stream: dict[str, list[Event[Contract]]] = {}
    for event in events:
        by_stream.setdefault(event.data.stream, []).append(event)
    try:
        async with running(create_app(settings, clock=ManualClock(NOW))) as client:
            for stream in ("incidents", "engagements", "changes"):
                await produce(
                    infra.kafka, f"{settings.topic_namespace}.{stream}", by_stream[stream]
                )

            async def all_applied() -> bool:
                return await _applied(database_url) == len(events)

            await eventually(all_applied, timeout=60)
            yield Folded(client=client)
    finally:
        await drop_database(infra, database_url)


async def test_the_organisation_sees_the_three_change_figures(folded: Folded) -> None:
    board = (await folded.data(FIGURES, period=NOVEMBER))["changeDashboard"]
    assert board["department"] is None
    assert board["period"] == NOVEMBER
    # G (28 Nov, overdue, nobody engaged) then F (moved to 10 Dec by revision 2: finance
    # consented to v2, hr objected to v1 and has yet to speak to v2); H is beyond 90 days.
    assert board["calendar"] == [
        {"title": "Change G", "plannedGoLive": "2026-11-28T09:00:00+00:00",
         "engagementState": "not_engaged", "engagements": [{"department": "it", "standing": "told"}]},
        {"title": "Change F", "plannedGoLive": "2026-12-10T09:00:00+00:00",
         "engagementState": "engaging",
         "engagements": [{"department": "finance", "standing": "consented"},
                         {"department": "hr", "standing": "engaged"}]},
    ]  # fmt: skip
    # A, B, C went live in November with their modes decided; E is live but undecided; D
    # went live in October.
    assert board["proactiveWindow"] == [
        {"responseMode": m, "changes": n}
        for m, n in (("with", 1), ("to", 1), ("for", 1), ("not", 0), ("undecided", 1))
    ]
    # with: A <- i1 (i2 occurred before go-live); to: B <- i3 (day 90) and i5 (named by its
    # ServiceNow number), not i4 (a second late); undecided: E <- i7; D's i6 is October's.
    assert board["harmThatFollowed"] == [
        {"responseMode": m, "changes": c, "incidents": i, "incidentsPerChange": r, "windowsOpen": w}
        for m, c, i, r, w in (
            ("with", 1, 1, 1.0, 1), ("to", 1, 2, 2.0, 1), ("for", 1, 0, 0.0, 1),
            ("not", 0, 0, None, 0), ("undecided", 1, 1, 1.0, 1),
        )
    ]  # fmt: skip


async def test_a_department_dashboard_counts_the_changes_it_owns_or_is_affected_by(
    folded: Folded,
) -> None:
    # Finance is affected by A (with), B (to), D (not, October), F and H (not live).
    lead = token("p-fin-9", "department_lead", department="finance")
    body = await folded.query(FIGURES, as_token=lead, period=NOVEMBER)
    board = body["data"]["changeDashboard"]
    assert board["department"] == "finance"
    assert [c["title"] for c in board["calendar"]] == ["Change F"]
    assert {r["responseMode"]: r["changes"] for r in board["proactiveWindow"]} == {
        "with": 1, "to": 1, "for": 0, "not": 0, "undecided": 0,
    }  # fmt: skip
    # ...and may not read another department's.
    refused = await folded.query(FIGURES, as_token=lead, department="hr", period=NOVEMBER)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_changes_are_listed_as_scoped_and_paged(folded: Folded) -> None:
    everything = await folded.data(CHANGES, first=3)
    page = everything["changes"]
    # Latest planned go-live first: H (Jun 2027), F (10 Dec), G (28 Nov).
    assert [e["node"]["title"] for e in page["edges"]] == ["Change H", "Change F", "Change G"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await folded.data(CHANGES, first=10, after=page["pageInfo"]["endCursor"])
    assert [e["node"]["title"] for e in rest["changes"]["edges"]] == [
        "Change E", "Change C", "Change B", "Change A", "Change D",
    ]  # fmt: skip
    # Estates' lead sees E (affects estates) and G (estates owns it), nothing else.
    lead = token("p-est-1", "department_lead", department="estates")
    mine = await folded.query(CHANGES, as_token=lead)
    assert [e["node"]["title"] for e in mine["data"]["changes"]["edges"]] == [
        "Change G",
        "Change E",
    ]
    live = await folded.data(CHANGES, live=True, department="hr")
    assert [e["node"]["title"] for e in live["changes"]["edges"]] == [
        "Change C", "Change A", "Change D",
    ]  # fmt: skip
    # A participant without a lead's role sees no change; one out of sight is null.
    someone = token("p-fin-2", "participant", department="finance")
    none = await folded.query(CHANGES, as_token=someone)
    assert none["data"]["changes"]["edges"] == []
    hidden = await folded.query(
        "query($id: UUID!) { change(id: $id) { title } }", as_token=lead, id=str(cid("A"))
    )
    assert hidden["data"]["change"] is None
    shown = await folded.data(
        "query($id: UUID!) { change(id: $id) { title responseMode wentLiveAt } }", id=str(cid("A"))
    )
    assert shown["change"] == {
        "title": "Change A", "responseMode": "with", "wentLiveAt": "2026-11-03T09:00:00+00:00",
    }  # fmt: skip


async def test_the_dashboard_page_carries_the_changes_section(folded: Folded) -> None:
    page = await folded.client.get("/dashboard")
    assert '<script src="/dashboard/assets/changes.js"></script>' in page.text
    script = await folded.client.get("/dashboard/assets/changes.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "changeDashboard(department: $department, period: $period)" in script.text
