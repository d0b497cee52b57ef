"""Every dashboard figure of a hand-made organisation, through Kafka, the read model and GraphQL.

The five repairs are told in tests/gateway_factories.py (`organisation()`); the expected
numbers below are worked out by hand from that story and the definitions in
docs/metrics.md. The period is November 2026; the clock stands at 2 December.
"""

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
from tests.gateway_factories import Organisation, bearer, gateway_settings, organisation, token
from tests.infra import Infrastructure, create_database, drop_database, eventually, produce, running

pytestmark = pytest.mark.integration

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}

DASHBOARD = """
query Dashboard($department: String, $period: PeriodInput) {
  dashboard(department: $department, period: $period) {
    department period { from to } repairsOpened
    responseModes { with to for not pending restorativeRate }
    completion { keptOnTime keptLate partial lapsed inProgress settled keptRate keptOnTimeRate }
    commitments { keptOnTime keptLate lapsed open released renegotiated keptRate }
    timeToAgreement { count p50Hours p90Hours }
    timeToRepair { count p50Hours p90Hours }
    participation { named joined rate byRole { role people } }
    consent { requested given declined rate declinedRate }
    nudgeEffectiveness { kinds { kind nudged keptAfter rate } unnudged keptUnnudged
      unnudgedKeptRate sent { category count } }
    returnToPunitive { closed returned rate reasons { reasonCode count } repaired unrepaired }
    checkIns { yes partly no }
    incidentsByCategory { category count }
    relationships { departmentA departmentB repairs openHarms repairsClosed closedRepaired
      returnedToFormalProcess commitments commitmentsKept keptRate recurrencesWithin90Days
      recurrencesWithin180Days confirmedByAffected checkIns { yes partly no } status }
  }
}
"""


@dataclass
class Populated:
    client: httpx.AsyncClient
    org: Organisation
    database_url: str

    async def query(self, query: str, *, as_token: str | None = None, **variables: Any) -> Any:
        response = await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers=bearer(as_token or token()),
        )
        assert response.status_code == 200, response.text
        return response.json()


async def applied_events(database_url: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        count: int = await connection.fetchval("SELECT count(*) FROM gateway.inbox")
    finally:
        await connection.close()
    return count


@pytest.fixture(scope="module")
async def populated(infra: Infrastructure) -> AsyncIterator[Populated]:
    """The gateway after every event of the organisation arrived, worst order first:
    follow-ups, then repairs, then the incidents they were opened for."""
    database_url = await create_database(infra)
    org = organisation()
    settings = gateway_settings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=f"tdash{id(org) % 10**8}",
    )
    events = org.events()
    by_stream: dict[str, list[Event[Contract]]] = {"incidents": [], "repairs": [], "followups": []}
    for event in events:
        by_stream[event.data.stream].append(event)
    try:
        async with running(create_app(settings, clock=ManualClock(org.now))) as client:
            for stream in ("followups", "repairs", "incidents"):
                topic = f"{settings.topic_namespace}.{stream}"
                await produce(infra.kafka, topic, by_stream[stream])

            async def all_applied() -> bool:
                return await applied_events(database_url) == len(events)

            await eventually(all_applied, timeout=30)
            yield Populated(client=client, org=org, database_url=database_url)
    finally:
        await drop_database(infra, database_url)


async def test_the_organisation_dashboard_matches_the_hand_computed_figures(
    populated: Populated,
) -> None:
    body = await populated.query(DASHBOARD, period=NOVEMBER)
    assert "errors" not in body, body
    board = body["data"]["dashboard"]

    assert board["department"] is None
    assert board["period"] == NOVEMBER
    assert board["repairsOpened"] == 5
    # A and B agreed (with), C imposed (to), D's window passed unagreed (not), E waits.
    assert board["responseModes"] == {
        "with": 2, "to": 1, "for": 0, "not": 1, "pending": 1, "restorativeRate": 0.5,
    }  # fmt: skip
    # A: every commitment kept, one late; B: lapsed; C: kept on time (imposed plan).
    assert board["completion"] == {
        "keptOnTime": 1, "keptLate": 1, "partial": 0, "lapsed": 1, "inProgress": 0,
        "settled": 3, "keptRate": 0.6667, "keptOnTimeRate": 0.3333,
    }  # fmt: skip
    # a1 and c1 on time, a2 late, b1 lapsed; E's commitment was only proposed.
    assert board["commitments"] == {
        "keptOnTime": 2, "keptLate": 1, "lapsed": 1, "open": 0, "released": 0,
        "renegotiated": 0, "keptRate": 0.75,
    }  # fmt: skip
    # A: 48 h from report to agreement, B: 24 h; nearest rank of 2: p50 = 24, p90 = 48.
    assert board["timeToAgreement"] == {"count": 2, "p50Hours": 24.0, "p90Hours": 48.0}
    # A: agreed on the 4th, confirmed on the 12th: 192 h, in the bucket up to 240 h.
    assert board["timeToRepair"] == {"count": 1, "p50Hours": 240.0, "p90Hours": 240.0}
    # Every incident names two people; A and B had both join, C, D and E neither. By role,
    # distinct people: p-hr-009 facilitates A, B and E, p-it-001 (responsible) and
    # p-fin-014 (affected) are the same two people in A and B.
    assert board["participation"] == {
        "named": 10,
        "joined": 4,
        "rate": 0.4,
        "byRole": [
            {"role": "affected", "people": 1},
            {"role": "facilitator", "people": 1},
            {"role": "responsible", "people": 1},
        ],
    }
    # A and B: 2 of 2 each; E: one consent, one decline.
    assert board["consent"] == {
        "requested": 6, "given": 5, "declined": 1, "rate": 0.8333, "declinedRate": 0.1667,
    }  # fmt: skip
    # a1 kept after its reminder; b1 reminded and offered a renegotiation, yet lapsed;
    # a2 and c1 were never nudged and both kept.
    assert board["nudgeEffectiveness"] == {
        "kinds": [
            {"kind": "any", "nudged": 2, "keptAfter": 1, "rate": 0.5},
            {"kind": "reminder", "nudged": 2, "keptAfter": 1, "rate": 0.5},
            {"kind": "lapse_offer", "nudged": 1, "keptAfter": 0, "rate": 0.0},
        ],
        "unnudged": 2,
        "keptUnnudged": 2,
        "unnudgedKeptRate": 1.0,
        "sent": [{"category": "lapse_offer", "count": 1}, {"category": "reminder", "count": 2}],
    }
    assert board["returnToPunitive"] == {
        "closed": 2,
        "returned": 1,
        "rate": 0.5,
        "reasons": [{"reasonCode": "security_board", "count": 1}],
        "repaired": 1,
        "unrepaired": 0,
    }
    assert board["checkIns"] == {"yes": 1, "partly": 1, "no": 0}
    assert board["incidentsByCategory"] == [
        {"category": "access_restriction", "count": 1},
        {"category": "data_handling", "count": 1},
        {"category": "outage", "count": 1},
        {"category": "shadow_it", "count": 2},
    ]
    relationships = {(r["departmentA"], r["departmentB"]): r for r in board["relationships"]}
    assert set(relationships) == {
        ("estates", "it"), ("finance", "hr"), ("finance", "it"), ("it", "marketing"),
    }  # fmt: skip
    assert relationships[("finance", "it")] == {
        "departmentA": "finance",
        "departmentB": "it",
        "repairs": 2,
        "openHarms": 1,
        "repairsClosed": 1,
        "closedRepaired": 1,
        "returnedToFormalProcess": 0,
        "commitments": 3,
        "commitmentsKept": 2,
        "keptRate": 0.6667,
        "recurrencesWithin90Days": 1,
        "recurrencesWithin180Days": 1,
        "confirmedByAffected": 1,
        "checkIns": {"yes": 1, "partly": 1, "no": 0},
        "status": "mending",
    }
    marketing = relationships[("it", "marketing")]
    assert (marketing["repairsClosed"], marketing["returnedToFormalProcess"]) == (1, 1)
    assert marketing["status"] == "unrepaired"
    assert relationships[("estates", "it")]["openHarms"] == 1


async def test_a_department_dashboard_counts_only_repairs_that_concern_it(
    populated: Populated,
) -> None:
    body = await populated.query(DASHBOARD, department="finance", period=NOVEMBER)
    board = body["data"]["dashboard"]

    # finance: A, B (with IT) and E (with HR).
    assert board["department"] == "finance"
    assert board["repairsOpened"] == 3
    assert board["responseModes"]["with"] == 2
    assert board["responseModes"]["pending"] == 1
    assert board["responseModes"]["not"] == 0
    assert board["completion"]["keptLate"] == 1
    assert board["completion"]["lapsed"] == 1
    assert board["completion"]["keptOnTime"] == 0
    assert {(r["departmentA"], r["departmentB"]) for r in board["relationships"]} == {
        ("finance", "hr"),
        ("finance", "it"),
    }


async def test_a_period_counts_only_its_own_days(populated: Populated) -> None:
    # 2-15 November: A, C, D opened; B (22nd) and E (27th) fall outside.
    body = await populated.query(DASHBOARD, period={"from": "2026-11-02", "to": "2026-11-15"})
    board = body["data"]["dashboard"]

    assert board["repairsOpened"] == 3
    assert board["responseModes"]["with"] == 1
    assert board["timeToAgreement"]["count"] == 1
    assert board["checkIns"] == {"yes": 1, "partly": 0, "no": 0}


async def test_trends_bucket_by_week_and_month(populated: Populated) -> None:
    body = await populated.query(
        """query($period: PeriodInput) { dashboard(period: $period) {
            incidentTrend(granularity: WEEK) { start count }
            outages: incidentTrend(granularity: WEEK, category: "outage") { start count }
            access: incidentTrend(granularity: MONTH, category: "access_restriction") {
              start count }
            responseModeTrend(granularity: MONTH) { start modes { with to not pending } }
            completionTrend(granularity: MONTH) { start completion { keptOnTime keptLate lapsed } }
        } }""",
        period=NOVEMBER,
    )
    board = body["data"]["dashboard"]

    # Shadow IT: C reported Thursday 5 November, B Sunday 22 November (weeks from Monday).
    assert board["incidentTrend"] == [
        {"start": "2026-10-26", "count": 0},
        {"start": "2026-11-02", "count": 1},
        {"start": "2026-11-09", "count": 0},
        {"start": "2026-11-16", "count": 1},
        {"start": "2026-11-23", "count": 0},
        {"start": "2026-11-30", "count": 0},
    ]
    # Other categories by name (each trend reads only its own category's rows): D's outage
    # on Tuesday 3 November, A's access restriction on Monday 2 November.
    assert [p["count"] for p in board["outages"]] == [0, 1, 0, 0, 0, 0]
    assert board["access"] == [{"start": "2026-11-01", "count": 1}]
    assert board["responseModeTrend"] == [
        {"start": "2026-11-01", "modes": {"with": 2, "to": 1, "not": 1, "pending": 1}}
    ]
    assert board["completionTrend"] == [
        {"start": "2026-11-01", "completion": {"keptOnTime": 1, "keptLate": 1, "lapsed": 1}}
    ]


async def test_a_department_lead_sees_only_their_department(populated: Populated) -> None:
    lead = token("p-fin-001", "department_lead", department="finance")

    own = await populated.query(DASHBOARD, as_token=lead, period=NOVEMBER)
    other = await populated.query(DASHBOARD, as_token=lead, department="it", period=NOVEMBER)

    assert own["data"]["dashboard"]["department"] == "finance"
    assert own["data"]["dashboard"]["repairsOpened"] == 3
    assert other["data"] is None
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_participant_gets_no_aggregates(populated: Populated) -> None:
    participant = token("p-fin-014", "participant", department="finance")

    body = await populated.query(DASHBOARD, as_token=participant, period=NOVEMBER)

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_repairs_filter_by_status_category_department_and_period(
    populated: Populated,
) -> None:
    query = """query($status: RepairStatus, $category: IncidentCategory, $department: String,
        $period: PeriodInput) { repairs(first: 10, status: $status, category: $category,
        department: $department, period: $period) { edges { node { id status responseMode } } } }"""
    org = populated.org

    async def ids(**filters: Any) -> set[str]:
        body = await populated.query(query, **filters)
        return {e["node"]["id"] for e in body["data"]["repairs"]["edges"]}

    assert await ids(status="closed") == {str(org.a.repair_id), str(org.c.repair_id)}
    assert await ids(category="shadow_it") == {str(org.b.repair_id), str(org.c.repair_id)}
    assert await ids(department="estates") == {str(org.d.repair_id)}
    assert await ids(period={"from": "2026-11-20", "to": "2026-11-30"}) == {
        str(org.b.repair_id),
        str(org.e.repair_id),
    }
    body = await populated.query(query, department="estates")
    assert body["data"]["repairs"]["edges"][0]["node"]["responseMode"] == "not"


async def test_nested_lists_are_loaded_in_batches(populated: Populated) -> None:
    body = await populated.query(
        """{ repairs(first: 10) { edges { node { id
            incidents { id category repairs { id } }
            commitments { status keptOnTime nudges { kind } }
            checkIns { outcome }
            agreement { version responseMode } } } } }"""
    )
    nodes = {e["node"]["id"]: e["node"] for e in body["data"]["repairs"]["edges"]}
    a = nodes[str(populated.org.a.repair_id)]

    assert sorted(c["status"] for c in a["commitments"]) == ["kept", "kept"]
    assert sorted(n["kind"] for c in a["commitments"] for n in c["nudges"]) == ["reminder"]
    assert a["agreement"] == {"version": 1, "responseMode": "with"}
    assert a["incidents"][0]["repairs"] == [{"id": str(populated.org.a.repair_id)}]
    assert nodes[str(populated.org.b.repair_id)]["checkIns"] == [{"outcome": "partly"}]


async def test_commitments_nudges_and_check_ins_are_listed_with_filters(
    populated: Populated,
) -> None:
    body = await populated.query(
        """{ lapsed: commitments(first: 10, status: lapsed) { edges { node { id ownerDepartment } } }
            reminders: nudges(first: 10, kind: reminder) { edges { node { kind recipientDepartment } } }
            yes: checkIns(first: 10, outcome: yes) { edges { node { outcome department } } }
            shadow: incidents(first: 10, category: shadow_it) { edges { node { department } } }
            departments { slug } }"""
    )
    data = body["data"]

    assert [e["node"]["ownerDepartment"] for e in data["lapsed"]["edges"]] == ["it"]
    assert len(data["reminders"]["edges"]) == 2
    assert data["yes"]["edges"] == [{"node": {"outcome": "yes", "department": "finance"}}]
    assert sorted(e["node"]["department"] for e in data["shadow"]["edges"]) == ["it", "marketing"]
    assert [d["slug"] for d in data["departments"]] == [
        "estates",
        "finance",
        "hr",
        "it",
        "marketing",
    ]
