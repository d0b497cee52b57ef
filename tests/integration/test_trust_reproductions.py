"""The Trust issue's findings on limits, tokens and logs, reproduced against the real services.

Each service runs in-process with its lifespan, on the real database and broker. The other
findings have their named tests beside the feature they belong to; docs/security.md maps
every finding to its test.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from bridgework.agreements.app import create_app as agreements_app
from bridgework.common.clock import ManualClock
from bridgework.followup.app import create_app as followup_app
from bridgework.graphql_gateway.app import create_app as gateway_app
from tests.agreements_factories import agreements_settings
from tests.followup_factories import MONDAY, followup_settings
from tests.gateway_factories import Organisation, bearer, gateway_settings, organisation, token
from tests.gateway_read_model import fold_into
from tests.infra import Infrastructure, running

pytestmark = pytest.mark.integration

MIB = 1024 * 1024
NESTED = "participants { person { personId } } commitments { ownerDepartment }"


@pytest.fixture
async def org_gateway(
    infra: Infrastructure, database_url: str, namespace: str, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[httpx.AsyncClient, Organisation]]:
    """The gateway with the test organisation's events folded into its read model."""
    extra: dict[str, Any] = getattr(request, "param", {})
    org = organisation()
    settings = gateway_settings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=namespace,
        **extra,
    )
    async with running(gateway_app(settings, clock=ManualClock(org.now))) as client:
        await fold_into(database_url, org.events())
        yield client, org


def _app_of(service: str, infra: Infrastructure, database_url: str, namespace: str) -> FastAPI:
    where: dict[str, Any] = {
        "kafka_bootstrap_servers": infra.kafka,
        "database_url": database_url,
        "topic_namespace": namespace,
    }
    if service == "gateway":
        return gateway_app(gateway_settings(**where))
    if service == "agreements":
        return agreements_app(agreements_settings(**where))
    return followup_app(
        followup_settings(infra, database_url, namespace), clock=ManualClock(MONDAY)
    )


@pytest.mark.parametrize(
    ("service", "path"),
    [
        ("gateway", "/graphql"),
        ("agreements", "/v1/repairs/00000000-0000-0000-0000-000000000001/participants"),
        ("followup", "/v1/contacts/p-it-001"),
    ],
)
async def test_an_eight_mebibyte_body_is_refused_before_it_is_read_whole(
    service: str, path: str, infra: Infrastructure, database_url: str, namespace: str
) -> None:
    """Found: gateway, agreements and followup took 8 MiB bodies."""
    body = b'{"padding": "' + b"x" * (8 * MIB) + b'"}'
    async with running(_app_of(service, infra, database_url, namespace)) as client:
        method = "PUT" if service == "followup" else "POST"
        response = await client.request(
            method,
            path,
            content=body,
            headers={"content-type": "application/json", **bearer(token())},
        )

    assert response.status_code == 413, response.text
    assert "body" in response.text.lower()


async def test_json_nested_a_hundred_thousand_deep_is_a_client_error_not_a_500(
    org_gateway: tuple[httpx.AsyncClient, Organisation],
) -> None:
    """Found: a 500 from the gateway."""
    client, _ = org_gateway
    deep = "[" * 100_000 + "]" * 100_000
    body = '{"query": "{ __typename }", "variables": {"x": ' + deep + "}}"

    response = await client.post(
        "/graphql",
        content=body,
        headers={"content-type": "application/json", **bearer(token())},
    )

    assert response.status_code == 422, response.text
    assert "deep" in response.text.lower()


async def test_fifteen_aliases_of_a_hundred_repairs_are_refused_before_they_run(
    org_gateway: tuple[httpx.AsyncClient, Organisation],
) -> None:
    """Found: 15 aliases x `repairs(first: 100)` with nested lists returned 654 KB in 1.4 s."""
    client, _ = org_gateway
    aliases = " ".join(
        f"r{n}: repairs(first: 100) {{ edges {{ node {{ {NESTED} }} }} }}" for n in range(15)
    )

    response = await client.post(
        "/graphql", json={"query": f"{{ {aliases} }}"}, headers=bearer(token())
    )

    body = response.json()
    assert body.get("data") is None, "a refused query returns no data at all"
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert len(response.content) < 2_000


@pytest.mark.parametrize("org_gateway", [{"rate_limit_per_minute": 5}], indirect=True)
async def test_a_caller_over_its_rate_is_told_when_to_come_back(
    org_gateway: tuple[httpx.AsyncClient, Organisation],
) -> None:
    """Found: no rate limit anywhere."""
    client, _ = org_gateway
    caller, other = bearer(token("p-chg-001")), bearer(token("p-chg-002"))
    query = {"query": "{ __typename }"}

    statuses = [
        (await client.post("/graphql", json=query, headers=caller)).status_code for _ in range(5)
    ]
    over = await client.post("/graphql", json=query, headers=caller)
    someone_else = await client.post("/graphql", json=query, headers=other)

    assert statuses == [200] * 5
    assert over.status_code == 429
    assert int(over.headers["retry-after"]) >= 1
    assert someone_else.status_code == 200, "the limit is per credential"


async def test_a_graphql_variable_holding_an_address_and_a_name_stays_out_of_the_log(
    org_gateway: tuple[httpx.AsyncClient, Organisation], caplog: pytest.LogCaptureFixture
) -> None:
    """Found: a variable carrying an e-mail address and a name was logged at ERROR."""
    client, _ = org_gateway
    query = (
        "query Leaky($id: UUID!, $d: String) { repair(id: $id) { id }"
        " repairs(first: 1, department: $d) { edges { cursor } } }"
    )
    variables = {"id": "ada.lovelace@example.org", "d": "Ada Lovelace"}

    with caplog.at_level(logging.DEBUG):
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=bearer(token())
        )

    (error,) = response.json()["errors"]
    assert "$id" in error["message"], "the bad variable is the client's mistake, and told so"
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    assert "example.org" not in logged
    assert "Lovelace" not in logged
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], (
        "a client's mistake is not an ERROR line"
    )


async def test_a_token_that_lives_longer_than_allowed_is_refused_by_the_gateway(
    org_gateway: tuple[httpx.AsyncClient, Organisation],
) -> None:
    """Found: the gateway accepted tokens of any lifetime."""
    client, _ = org_gateway
    year = 365 * 24 * 3600

    response = await client.post(
        "/graphql",
        json={"query": "{ repairs(first: 1) { edges { cursor } } }"},
        headers=bearer(token(expires_in=year)),
    )

    assert response.status_code == 401, response.text
    assert "longer than" in response.text


async def test_follow_up_admin_routes_answer_nothing_without_a_credential(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    """Found: with BRIDGEWORK_ADMIN_TOKEN unset (the default), contacts, policies, webhooks,
    repair views and the demo clock answered anyone. Outside development mode they refuse."""
    settings = followup_settings(
        infra, database_url, namespace, development_mode=False, admin_token=None
    )
    routes = [
        ("GET", "/v1/contacts/p-it-001"),
        ("GET", "/v1/departments/it/policy"),
        ("GET", "/v1/departments/it/webhook"),
        ("GET", "/v1/repairs/00000000-0000-0000-0000-000000000001"),
    ]
    async with running(followup_app(settings, clock=ManualClock(MONDAY))) as client:
        answers = {
            path: (await client.request(method, path)).status_code for method, path in routes
        }

    assert answers == dict.fromkeys(answers, 401)
