"""Property: whatever schemathesis makes of the gateway's GraphQL schema (and its HTTP routes'
OpenAPI document), the answer is never a 5xx, nor a GraphQL error the gateway masks as
"Unexpected error." (what a resolver's bug answers).

The gateway runs in-process on the real database and broker, once with agreements running
beside it (reached over ASGI, on the same broker and database) and a repair seeded, so drawn
ids sometimes name it; once with agreements unreachable, where a mutation must be a typed
`ServiceUnavailable`, not a failure. Requests carry the change team's token, a facilitator's,
a wrong one or none.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import uuid4

import httpx
import pytest
import schemathesis
from graphql import get_introspection_query
from hypothesis import strategies as st

from bridgework.agreements.app import create_app as create_agreements_app
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.contracts import Contract
from bridgework.common.events import Event
from bridgework.graphql_gateway.app import create_app
from tests.factories import T0, incident_reported
from tests.gateway_factories import SECRET, bearer, gateway_settings, token
from tests.infra import Infrastructure, eventually, free_port, produce, running
from tests.schema_fuzz import BASE_URL, Report, Tweak, fuzz_running, server_error

pytestmark = [
    pytest.mark.integration,
    # schemathesis' own negative strategies draw from `random`: its matter, not this test's.
    pytest.mark.filterwarnings(
        "ignore:Do not use the `random` module:hypothesis.errors.HypothesisDeprecationWarning"
    ),
]

EXAMPLES = 8  # per root field and mode: the gateway has some twenty-five
CHANGE_TEAM = token("p-chg-001", "change_team")
CREDENTIALS = st.sampled_from(
    [
        *[f"Bearer {CHANGE_TEAM}"] * 3,
        f"Bearer {token('p-hr-009', 'facilitator', department='hr')}",
        "Bearer not-a-token",
        "",
    ]
)
STRINGS = re.compile(r'(:\s*")')  # where an argument's string value opens
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def masked_or_server_error(answer: httpx.Response) -> str | None:
    """A 5xx, or a GraphQL error the gateway masked: a resolver raised what it should not."""
    if "Unexpected error." in answer.text:
        return f"{answer.status_code} {answer.text[:500]}"
    return server_error(answer)


def naming(ids: list[str]) -> st.SearchStrategy[Tweak]:
    """Tweaks giving a drawn GraphQL document's ids (sometimes) one of `ids`, its string
    arguments (sometimes) a U+0000 each, and a token."""

    def rewrite(real: str | None, nul: bool) -> Any:
        def body(document: Any) -> Any:
            if not isinstance(document, dict) or (real is None and not nul):
                return None
            query = str(document.get("query", ""))
            query = UUID.sub(real, query) if real is not None else query
            query = STRINGS.sub(r"\1\\u0000", query) if nul else query
            return {**document, "query": query}

        return body

    return st.builds(
        lambda authorization, real, nul: Tweak(
            headers={"Authorization": authorization}, body=rewrite(real, nul)
        ),
        CREDENTIALS,
        st.sampled_from([*ids, None]),
        st.sampled_from([False, False, True]),
    )


async def fuzz_gateway(gateway: httpx.AsyncClient, ids: list[str]) -> Report:
    """Schemathesis over the GraphQL schema (introspected) and the HTTP routes' OpenAPI."""
    introspection = await gateway.post(
        "/graphql", json={"query": get_introspection_query()}, headers=bearer(CHANGE_TEAM)
    )
    graphql = schemathesis.graphql.from_dict(introspection.json())
    report = await fuzz_running(
        gateway,
        graphql,
        examples=EXAMPLES,
        tweaks=lambda _: naming(ids),
        judge=masked_or_server_error,
        base_url=f"{BASE_URL}/graphql",
    )
    routes = schemathesis.openapi.from_dict((await gateway.get("/openapi.json")).json())
    more = await fuzz_running(
        gateway, routes, examples=EXAMPLES, tweaks=lambda _: naming([]), judge=server_error
    )
    report.failures += more.failures
    report.statuses += more.statuses
    return report


@asynccontextmanager
async def with_agreements(
    infra: Infrastructure, common: dict[str, Any]
) -> AsyncIterator[tuple[httpx.AsyncClient, list[str]]]:
    """The gateway with agreements beside it, and the ids of a repair both know."""
    agreements_app = create_agreements_app(
        AgreementsSettings(**common, development_mode=True, jwt_hs256_secret=SECRET)
    )
    async with running(agreements_app):
        transport = httpx.ASGITransport(app=agreements_app)
        async with running(
            create_app(gateway_settings(**common), agreements_transport=transport)
        ) as gateway:
            incident = incident_reported(reported_at=T0, occurred_at=T0)
            events: list[Event[Contract]] = [Event.new(incident, source="/tests", time=T0)]
            await produce(infra.kafka, f"{common['topic_namespace']}.incidents", events)

            async def seen() -> str | None:
                answer = await gateway.post(
                    "/graphql",
                    json={"query": "{ repairs(first: 1) { edges { node { id } } } }"},
                    headers=bearer(CHANGE_TEAM),
                )
                edges = (answer.json().get("data") or {}).get("repairs", {}).get("edges")
                return str(edges[0]["node"]["id"]) if edges else None

            repair_id = await eventually(seen, timeout=30)
            yield gateway, [repair_id, str(incident.incident_id)]


@pytest.fixture
def common(infra: Infrastructure, database_url: str, namespace: str) -> dict[str, Any]:
    return {
        "kafka_bootstrap_servers": infra.kafka,
        "database_url": database_url,
        "topic_namespace": namespace,
        "outbox_poll_seconds": 0.2,
    }


async def test_no_request_to_the_gateway_answers_a_server_error_with_agreements_beside_it(
    infra: Infrastructure, common: dict[str, Any]
) -> None:
    async with with_agreements(infra, common) as (gateway, ids):
        report = await fuzz_gateway(gateway, ids)

    assert report.failures == []
    # Not vacuous: drawn queries were answered, and so were the mutations.
    assert 200 in report.answered("Query.repair"), report.statuses
    assert 200 in report.answered("Mutation.joinRepair"), report.statuses


async def test_no_request_to_the_gateway_answers_a_server_error_with_agreements_unreachable(
    common: dict[str, Any],
) -> None:
    settings = gateway_settings(**common, agreements_url=f"http://127.0.0.1:{free_port()}")
    offer = f'mutation {{ offerToFacilitate(repairId: "{uuid4()}") {{ __typename }} }}'
    async with running(create_app(settings)) as gateway:
        report = await fuzz_gateway(gateway, [])
        facilitator = token("p-hr-009", "facilitator", department="hr")
        answer = await gateway.post("/graphql", json={"query": offer}, headers=bearer(facilitator))

    assert report.failures == []
    assert 200 in report.answered("Mutation.joinRepair"), report.statuses
    # What a mutation answers while agreements is away: a typed result, not a failure.
    assert answer.json() == {"data": {"offerToFacilitate": {"__typename": "ServiceUnavailable"}}}


async def test_a_nul_in_a_graphql_string_argument_is_refused_naming_it(
    common: dict[str, Any],
) -> None:
    # Was "Unexpected error.": Postgres refused the department filter holding U+0000.
    query = '{ repairs(first: 1, department: "it\\u0000") { edges { node { id } } } }'
    async with running(create_app(gateway_settings(**common))) as gateway:
        answer = await gateway.post("/graphql", json={"query": query}, headers=bearer(CHANGE_TEAM))

    assert answer.json()["errors"] == [
        {
            "message": "department: must not hold the NUL character (U+0000)",
            "locations": [{"line": 1, "column": 33}],
            "extensions": {"code": "BAD_USER_INPUT"},
        }
    ]


@pytest.mark.parametrize(
    "query",
    [
        '{ relationships(period: {from: "9999-12-01", to: "9999-12-31"}) { __typename } }',
        '{ repairs(first: 1, period: {from: "9999-12-01", to: "9999-12-31"}) { __typename } }',
    ],
)
async def test_a_period_ending_on_the_calendars_last_day_is_refused_naming_it(
    common: dict[str, Any], query: str
) -> None:
    async with running(create_app(gateway_settings(**common))) as gateway:
        answer = await gateway.post("/graphql", json={"query": query}, headers=bearer(CHANGE_TEAM))

    [error] = answer.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert "period.to" in error["message"]
