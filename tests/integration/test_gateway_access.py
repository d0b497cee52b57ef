"""Who sees what: roles, person-level detail, introspection and GraphiQL switches."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bridgework.common.clock import ManualClock
from bridgework.graphql_gateway.app import create_app
from bridgework.graphql_gateway.settings import GatewaySettings
from tests.gateway_factories import Organisation, bearer, gateway_settings, organisation, token
from tests.gateway_read_model import fold_into
from tests.infra import Infrastructure, hold_test_key, running

pytestmark = pytest.mark.integration

REPAIR = """query($id: UUID!) { repair(id: $id) { id peopleVisible
  participants { person { personId } role }
  conversation { person { personId } answers { question text } }
  commitments { ownerDepartment owner { personId } }
  checkIns { outcome person { personId } comment }
  incidents { responsible { personId } } } }"""
REPAIR_IDS = "{ repairs(first: 50) { edges { node { id } } } }"


@dataclass
class Gateway:
    client: httpx.AsyncClient
    org: Organisation

    async def query(self, as_token: str, query: str, **variables: Any) -> Any:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=bearer(as_token)
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def visible_repairs(self, as_token: str) -> set[str]:
        body = await self.query(as_token, REPAIR_IDS)
        return {e["node"]["id"] for e in body["data"]["repairs"]["edges"]}


def settings_for(
    infra: Infrastructure, database_url: str, namespace: str, **extra: Any
) -> GatewaySettings:
    return gateway_settings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=namespace,
        **extra,
    )


@pytest.fixture
async def gateway(
    infra: Infrastructure, database_url: str, namespace: str
) -> AsyncIterator[Gateway]:
    org = organisation()
    settings = settings_for(infra, database_url, namespace)
    async with running(create_app(settings, clock=ManualClock(org.now))) as client:
        await hold_test_key(database_url)  # the story's texts are sealed with it
        await fold_into(database_url, org.events())
        yield Gateway(client=client, org=org)


async def test_the_facilitator_sees_the_people_and_their_words(gateway: Gateway) -> None:
    story = gateway.org.a
    facilitator = token(story.facilitator.person_id, "facilitator", department="hr")

    body = await gateway.query(facilitator, REPAIR, id=str(story.repair_id))

    repair = body["data"]["repair"]
    assert "errors" not in body
    assert repair["peopleVisible"] is True
    assert {p["person"]["personId"] for p in repair["participants"]} == {
        "p-hr-009", "p-it-001", "p-fin-014",
    }  # fmt: skip
    assert repair["conversation"][0]["answers"] == [
        {"question": "hardest_thing", "text": "Missing the month end."}
    ]
    assert {c["owner"]["personId"] for c in repair["commitments"]} == {"p-it-001"}
    assert repair["checkIns"][0]["comment"] == "Thank you for asking."
    assert repair["incidents"][0]["responsible"] == [{"personId": "p-it-001"}]


async def test_the_change_team_sees_departments_not_people(gateway: Gateway) -> None:
    story = gateway.org.a

    body = await gateway.query(token(), REPAIR, id=str(story.repair_id))

    repair = body["data"]["repair"]
    assert repair["peopleVisible"] is False
    assert repair["participants"] is None
    assert repair["conversation"] is None
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    assert {tuple(e["path"][-1:]) for e in body["errors"]} == {("participants",), ("conversation",)}
    assert repair["commitments"] == [
        {"ownerDepartment": "it", "owner": None},
        {"ownerDepartment": "it", "owner": None},
    ]
    assert repair["checkIns"] == [{"outcome": "yes", "person": None, "comment": None}]
    assert repair["incidents"] == [{"responsible": None}]


async def test_a_participant_sees_only_the_repairs_they_take_part_in(gateway: Gateway) -> None:
    org = gateway.org
    affected = token("p-fin-014", "participant", department="finance")

    assert await gateway.visible_repairs(affected) == {str(org.a.repair_id), str(org.b.repair_id)}
    hidden = await gateway.query(affected, REPAIR, id=str(org.c.repair_id))
    assert hidden["data"]["repair"] is None


async def test_a_department_lead_lists_their_departments_repairs(gateway: Gateway) -> None:
    org = gateway.org
    lead = token("p-est-001", "department_lead", department="estates")

    assert await gateway.visible_repairs(lead) == {str(org.d.repair_id)}


async def test_a_token_without_a_known_role_sees_nothing(gateway: Gateway) -> None:
    stranger = token("p-x-001", "auditor")

    assert await gateway.visible_repairs(stranger) == set()


async def test_graphiql_and_introspection_follow_the_settings(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    open_settings = settings_for(infra, database_url, namespace)
    closed_settings = settings_for(
        infra, database_url, namespace, graphql_ide=False, graphql_introspection=False
    )
    introspect = {"query": "{ __schema { queryType { name } } }"}
    browser = {"accept": "text/html"}

    async with running(create_app(open_settings)) as client:
        page = await client.get("/graphql", headers=browser)
        schema = await client.post("/graphql", json=introspect, headers=bearer(token()))
        assert page.status_code == 200
        assert "graphiql" in page.text.lower()
        assert schema.json()["data"]["__schema"]["queryType"]["name"] == "Query"

    async with running(create_app(closed_settings)) as client:
        page = await client.get("/graphql", headers={**browser, **bearer(token())})
        schema = await client.post("/graphql", json=introspect, headers=bearer(token()))
        assert "graphiql" not in page.text.lower()
        assert schema.json()["data"] is None
        assert "introspection" in schema.json()["errors"][0]["message"].lower()
