"""The corrected figures and the drill-down through GraphQL, on the real projection and
Postgres: the hand-made organisation of tests/gateway_factories.py (five repairs of
November 2026, clock on 2 December), every expected value worked out by hand below from
docs/metrics.md."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bridgework.common.clock import ManualClock
from bridgework.graphql_gateway.app import create_app
from tests.gateway_factories import Organisation, bearer, gateway_settings, organisation, token
from tests.gateway_read_model import fold_into
from tests.infra import Infrastructure, create_database, drop_database, running

pytestmark = pytest.mark.integration

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
BEHIND = """query($figure: DashboardFigure!, $key: String, $department: String,
    $pair: DepartmentPairInput, $period: PeriodInput, $first: Int = 20, $after: String) {
  repairsBehind(figure: $figure, key: $key, department: $department, pair: $pair,
      period: $period, first: $first, after: $after) {
    edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"""


@dataclass
class Folded:
    client: httpx.AsyncClient
    org: Organisation

    async def query(self, document: str, *, as_token: str | None = None, **variables: Any) -> Any:
        response = await self.client.post(
            "/graphql",
            json={"query": document, "variables": variables},
            headers=bearer(as_token or token()),
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def behind(self, figure: str, key: str | None = None, **variables: Any) -> set[str]:
        variables.setdefault("period", NOVEMBER)
        body = await self.query(BEHIND, figure=figure, key=key, **variables)
        assert "errors" not in body, body
        return {edge["node"]["id"] for edge in body["data"]["repairsBehind"]["edges"]}

    def ids(self, *names: str) -> set[str]:
        return {str(getattr(self.org, name).repair_id) for name in names}


@pytest.fixture(scope="module")
async def folded(infra: Infrastructure) -> AsyncIterator[Folded]:
    """The gateway over a read model the projection folded the organisation into."""
    database_url = await create_database(infra)
    org = organisation()
    settings = gateway_settings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=f"tdrill{id(org) % 10**8}",
    )
    try:
        async with running(create_app(settings, clock=ManualClock(org.now))) as client:
            await fold_into(database_url, org.events())
            yield Folded(client=client, org=org)
    finally:
        await drop_database(infra, database_url)


ROLES = """query($department: String, $period: PeriodInput) {
  dashboard(department: $department, period: $period) { participation { byRole { role people } } } }"""


async def test_by_role_counts_distinct_people(folded: Folded) -> None:
    # p-hr-009 facilitates A, B and E; p-it-001 is responsible and p-fin-014 affected in A
    # and B: one person each (the per-repair sums said 3, 2 and 2).
    for department in (None, "finance"):
        body = await folded.query(ROLES, department=department, period=NOVEMBER)
        assert body["data"]["dashboard"]["participation"]["byRole"] == [
            {"role": "affected", "people": 1},
            {"role": "facilitator", "people": 1},
            {"role": "responsible", "people": 1},
        ], department
    # Estates' only repair, D, has nobody who joined.
    body = await folded.query(ROLES, department="estates", period=NOVEMBER)
    assert body["data"]["dashboard"]["participation"]["byRole"] == []


async def test_shadow_it_is_counted_and_trended_per_department_pair(folded: Folded) -> None:
    body = await folded.query(
        """query($period: PeriodInput) { dashboard(period: $period) { relationships {
            departmentA departmentB shadowIt status
            weeks: shadowItTrend(granularity: WEEK) { start count }
            months: shadowItTrend(granularity: MONTH) { start count } } } }""",
        period=NOVEMBER,
    )
    pairs = {
        (r["departmentA"], r["departmentB"]): r for r in body["data"]["dashboard"]["relationships"]
    }

    # B: IT's shadow IT bore on finance, reported Sunday 22 November (the week of the 16th);
    # C: marketing's bore on IT, Thursday 5 November (the week of the 2nd).
    assert {pair: r["shadowIt"] for pair, r in pairs.items()} == {
        ("estates", "it"): 0, ("finance", "hr"): 0, ("finance", "it"): 1, ("it", "marketing"): 1,
    }  # fmt: skip
    weeks = ["2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30"]
    assert pairs[("finance", "it")]["weeks"] == [
        {"start": w, "count": int(w == "2026-11-16")} for w in weeks
    ]
    assert pairs[("it", "marketing")]["weeks"] == [
        {"start": w, "count": int(w == "2026-11-02")} for w in weeks
    ]
    assert pairs[("estates", "it")]["months"] == [{"start": "2026-11-01", "count": 0}]
    assert pairs[("it", "marketing")]["months"] == [{"start": "2026-11-01", "count": 1}]


async def test_each_figure_lists_the_repairs_behind_it(folded: Folded) -> None:
    behind = folded.behind
    ids = folded.ids

    assert await behind("REPAIRS_OPENED") == ids("a", "b", "c", "d", "e")
    assert await behind("RESPONSE_MODE", "with") == ids("a", "b")
    assert await behind("RESPONSE_MODE", "to") == ids("c")
    # D waited past its 14-day window with no agreement: `not` by the clock, not pending.
    assert await behind("RESPONSE_MODE", "not") == ids("d")
    assert await behind("RESPONSE_MODE", "pending") == ids("e")
    assert await behind("COMPLETION", "kept") == ids("a", "c")
    assert await behind("COMPLETION", "keptLate") == ids("a")
    assert await behind("COMPLETION") == ids("a", "b", "c")
    assert await behind("COMMITMENTS", "lapsed") == ids("b")
    assert await behind("TIME_TO_AGREEMENT") == ids("a", "b")
    assert await behind("TIME_TO_REPAIR") == ids("a")
    assert await behind("PARTICIPATION", "facilitator") == ids("a", "b", "e")
    assert await behind("PARTICIPATION", "joined") == ids("a", "b")
    assert await behind("CONSENT", "declined") == ids("e")
    assert await behind("NUDGES", "any") == ids("a", "b")
    assert await behind("NUDGES", "unnudged") == ids("a", "c")
    assert await behind("CLOSURES", "returned") == ids("c")
    assert await behind("CLOSURES", "reason:security_board") == ids("c")
    assert await behind("CHECK_INS", "partly") == ids("b")
    assert await behind("INCIDENTS", "shadow_it") == ids("b", "c")


async def test_a_relationship_lists_its_repairs(folded: Folded) -> None:
    pair = {"departmentA": "it", "departmentB": "finance"}  # any order

    assert await folded.behind("RELATIONSHIP", pair=pair) == folded.ids("a", "b")
    assert await folded.behind("RELATIONSHIP", "openHarms", pair=pair) == folded.ids("b")
    assert await folded.behind("RELATIONSHIP", "recurrencesWithin90Days", pair=pair) == (
        folded.ids("b")
    )
    assert await folded.behind("RELATIONSHIP", "confirmedByAffected", pair=pair) == (
        folded.ids("a")
    )
    assert await folded.behind("INCIDENTS", "shadow_it", pair=pair) == folded.ids("b")


async def test_a_trend_bucket_lists_only_its_own_days(folded: Folded) -> None:
    week = {"from": "2026-11-16", "to": "2026-11-22"}

    assert await folded.behind("RESPONSE_MODE", "with", period=week) == folded.ids("b")
    assert await folded.behind("INCIDENTS", "shadow_it", period=week) == folded.ids("b")


async def test_the_drill_down_agrees_with_the_figures_it_explains(folded: Folded) -> None:
    body = await folded.query(
        """query($period: PeriodInput) { dashboard(period: $period) {
            responseModes { with to for not pending }
            completion { keptOnTime keptLate partial lapsed inProgress released }
            returnToPunitive { closed returned repaired unrepaired } } }""",
        period=NOVEMBER,
    )
    board = body["data"]["dashboard"]

    for figure, counts in (
        ("RESPONSE_MODE", board["responseModes"]),
        ("COMPLETION", board["completion"]),
        ("CLOSURES", board["returnToPunitive"]),
    ):
        for key, count in counts.items():
            assert len(await folded.behind(figure, key)) == count, (figure, key)


async def test_pages_follow_the_cursor(folded: Folded) -> None:
    first = await folded.query(BEHIND, figure="REPAIRS_OPENED", period=NOVEMBER, first=2)
    page = first["data"]["repairsBehind"]
    rest = await folded.query(
        BEHIND, figure="REPAIRS_OPENED", period=NOVEMBER, first=10,
        after=page["pageInfo"]["endCursor"],
    )  # fmt: skip

    seen = [e["node"]["id"] for e in page["edges"]]
    seen += [e["node"]["id"] for e in rest["data"]["repairsBehind"]["edges"]]
    assert page["pageInfo"]["hasNextPage"] is True
    # Newest opening first: E (27th), B (22nd), C (5th), D (3rd), A (2nd).
    assert seen == [str(getattr(folded.org, name).repair_id) for name in "ebcda"]


async def test_a_lead_drills_into_their_own_department_only(folded: Folded) -> None:
    lead = token("p-fin-001", "department_lead", department="finance")

    own = await folded.query(BEHIND, as_token=lead, figure="REPAIRS_OPENED", period=NOVEMBER)
    other = await folded.query(
        BEHIND, as_token=lead, figure="REPAIRS_OPENED", department="it", period=NOVEMBER
    )
    outside = await folded.query(
        BEHIND, as_token=lead, figure="RELATIONSHIP", period=NOVEMBER,
        pair={"departmentA": "it", "departmentB": "marketing"},
    )  # fmt: skip

    assert {e["node"]["id"] for e in own["data"]["repairsBehind"]["edges"]} == folded.ids(
        "a", "b", "e"
    )
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert outside["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    for role in ("participant", "facilitator"):
        person = token("p-fin-014", role, department="finance")
        refused = await folded.query(BEHIND, as_token=person, figure="REPAIRS_OPENED")
        assert refused["data"] is None
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_key_the_figure_does_not_have_is_refused_naming_it(folded: Folded) -> None:
    body = await folded.query(BEHIND, figure="COMPLETION", key="kept_on_time")

    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "keptOnTime" in error["message"]
