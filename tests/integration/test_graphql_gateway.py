"""The gateway against the real broker and database: events in, GraphQL out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from bridgework.common.contracts import Contract, RepairOpenedV1
from bridgework.common.events import Event
from bridgework.graphql_gateway.app import create_app
from bridgework.graphql_gateway.settings import GatewaySettings
from tests.factories import T0, incident_reported, repair_opened
from tests.gateway_factories import bearer, gateway_settings, token
from tests.infra import Infrastructure, eventually, produce, running

pytestmark = pytest.mark.integration

REPAIRS = """
query Repairs($first: Int!, $after: String, $department: String) {
  repairs(first: $first, after: $after, department: $department) {
    edges { cursor node { id status departments
      incidents { id department category summary }
      relationships { departmentA departmentB } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@pytest.fixture
def settings(infra: Infrastructure, database_url: str, namespace: str) -> GatewaySettings:
    return gateway_settings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=namespace,
    )


@pytest.fixture
async def gateway(settings: GatewaySettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings)) as client:
        yield client


async def graphql(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=bearer(token())
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def publish_repairs(settings: GatewaySettings, count: int) -> list[RepairOpenedV1]:
    incidents, repairs = [], []
    for n in range(count):
        incident = incident_reported(summary=f"incident {n}")
        incidents.append(Event.new(incident, source="/bridgework/intake", time=T0))
        repairs.append(
            repair_opened(incident_ids=[incident.incident_id], opened_at=T0 + timedelta(minutes=n))
        )
    repair_events: list[Event[Contract]] = [
        Event.new(r, source="/bridgework/agreements", time=T0) for r in repairs
    ]
    # Repairs first: the read model must cope with topics arriving in any order.
    await produce(settings.kafka_bootstrap_servers, settings.topics.repairs, repair_events)
    await produce(settings.kafka_bootstrap_servers, settings.topics.incidents, incidents)
    return repairs


async def test_a_repair_and_its_incident_are_queryable(
    gateway: httpx.AsyncClient, settings: GatewaySettings
) -> None:
    [repair] = await publish_repairs(settings, 1)

    async def repair_with_incident() -> dict[str, Any] | None:
        body = await graphql(gateway, REPAIRS, first=5)
        edges = body["data"]["repairs"]["edges"]
        return edges[0]["node"] if edges and edges[0]["node"]["incidents"] else None

    node = await eventually(repair_with_incident)
    assert node["id"] == str(repair.repair_id)
    assert node["status"] == "open"
    assert node["departments"] == ["finance", "it"]
    assert node["incidents"] == [
        {
            "id": str(repair.incident_ids[0]),
            "department": "it",
            "category": "access_restriction",
            "summary": "incident 0",
        }
    ]
    assert node["relationships"] == [{"departmentA": "finance", "departmentB": "it"}]


async def test_repairs_page_newest_first_with_cursors(
    gateway: httpx.AsyncClient, settings: GatewaySettings
) -> None:
    repairs = await publish_repairs(settings, 5)

    async def all_arrived() -> bool:
        body = await graphql(gateway, REPAIRS, first=10)
        return len(body["data"]["repairs"]["edges"]) == 5

    await eventually(all_arrived)
    first_page = (await graphql(gateway, REPAIRS, first=3))["data"]["repairs"]
    second_page = (
        await graphql(gateway, REPAIRS, first=3, after=first_page["pageInfo"]["endCursor"])
    )["data"]["repairs"]

    newest_first = [str(r.repair_id) for r in reversed(repairs)]
    assert [e["node"]["id"] for e in first_page["edges"]] == newest_first[:3]
    assert first_page["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["id"] for e in second_page["edges"]] == newest_first[3:]
    assert second_page["pageInfo"]["hasNextPage"] is False


async def test_a_page_larger_than_the_cap_is_refused(gateway: httpx.AsyncClient) -> None:
    body = await graphql(gateway, REPAIRS, first=1000)

    assert body["data"] is None
    assert "between 1 and 100" in body["errors"][0]["message"]


async def test_a_forged_cursor_is_refused(gateway: httpx.AsyncClient) -> None:
    body = await graphql(gateway, REPAIRS, first=5, after="bm90IGEgY3Vyc29y")

    assert "not a cursor this API gave out" in body["errors"][0]["message"]


async def test_an_anonymous_request_gets_401_and_no_data(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/graphql", json={"query": "{ repairs(first: 1) { edges { cursor } } }"}
    )

    assert response.status_code == 401
    assert response.json() == {"error": "unauthenticated", "detail": "a bearer token is required"}
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_token_signed_with_another_secret_gets_401(gateway: httpx.AsyncClient) -> None:
    forged = token(secret="not-the-gateways-secret-but-long-enough-0123")

    response = await gateway.post(
        "/graphql", json={"query": "{ viewer { personId } }"}, headers=bearer(forged)
    )

    assert response.status_code == 401
    assert "not valid" in response.json()["detail"]


async def test_health_needs_no_token(gateway: httpx.AsyncClient) -> None:
    assert (await gateway.get("/health/live")).status_code == 200
    assert (await gateway.get("/health/ready")).json()["status"] == "ready"
