"""Every service refuses bodies too large or nested too deep, and callers too eager, with a 4xx."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from hypothesis import given
from hypothesis import strategies as st

from bridgework.agreements.app import create_app as create_agreements
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import SystemClock
from bridgework.common.http_limits import deep_parameter
from bridgework.common.json_depth import nests_deeper_than
from bridgework.common.service_app import create_service_app
from bridgework.common.settings import ServiceSettings
from bridgework.followup.app import create_app as create_followup
from bridgework.followup.settings import FollowupSettings
from bridgework.graphql_gateway.app import create_app as create_gateway
from bridgework.graphql_gateway.settings import GatewaySettings
from bridgework.intake.app import create_app as create_intake
from bridgework.intake.settings import IntakeSettings

MIB = 1024 * 1024


def echo_app(**settings: object) -> FastAPI:
    """A service app from common's `create_service_app` with one route reading its body."""
    router = APIRouter()

    @router.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"read": len(await request.body())}

    return create_service_app(
        ServiceSettings(development_mode=True, **settings),  # type: ignore[arg-type]
        clock=SystemClock(),
        title="echo",
        description="echo",
        migrations_package="bridgework.common",
        routers=[router],
    )


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


SERVICES: dict[str, Callable[[], FastAPI]] = {
    "intake": lambda: create_intake(IntakeSettings(development_mode=True)),
    "agreements": lambda: create_agreements(AgreementsSettings(development_mode=True)),
    "followup": lambda: create_followup(FollowupSettings(development_mode=True)),
    "gateway": lambda: create_gateway(GatewaySettings(development_mode=True)),
}


@pytest.mark.parametrize("service", SERVICES)
async def test_every_service_refuses_a_body_over_a_mebibyte(service: str) -> None:
    async with client(SERVICES[service]()) as http:
        response = await http.post("/v1/anything", content=b"x" * (8 * MIB))

    assert response.status_code == 413
    assert response.json() == {
        "error": "body_too_large",
        "detail": f"request bodies here are limited to {MIB} bytes",
    }


@pytest.mark.parametrize("service", SERVICES)
async def test_every_service_refuses_json_nested_too_deep(service: str) -> None:
    async with client(SERVICES[service]()) as http:
        response = await http.post(
            "/v1/anything", content=nested(33), headers={"content-type": "application/json"}
        )

    assert response.status_code == 422
    assert response.json() == {
        "error": "validation_failed",
        "fields": [{"field": "(body)", "reason": "JSON nests deeper than 32 levels"}],
    }


async def test_json_nested_a_hundred_thousand_deep_is_refused_not_a_server_error() -> None:
    gateway = create_gateway(GatewaySettings(development_mode=True))
    variables = b"[" * 100_000 + b"]" * 100_000
    body = b'{"query": "{ viewer { personId } }", "variables": {"deep": ' + variables + b"}}"

    async with client(gateway) as http:
        response = await http.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )

    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "(body)"


async def test_json_nested_too_deep_in_a_get_parameter_is_refused_too() -> None:
    gateway = create_gateway(GatewaySettings(development_mode=True))
    variables = '{"deep": ' + "[" * 5000 + "]" * 5000 + "}"
    params = {"query": "{ viewer { personId } }", "variables": variables}

    async with client(gateway) as http:
        response = await http.get("/graphql", params=params)

    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "variables"


def test_query_strings_without_deep_json_pass() -> None:
    assert deep_parameter(b"", 2) is None
    assert deep_parameter(b"since=2026-01-01&first=20", 2) is None
    assert deep_parameter(b"query=%7B+viewer+%7B+personId+%7D+%7D", 2) is None
    assert deep_parameter(b"variables=%7B%22a%22%3A%5B%5B1%5D%5D%7D", 2) == "variables"


async def test_intake_keeps_its_larger_limit_for_batches() -> None:
    intake = create_intake(IntakeSettings(development_mode=True))
    async with client(intake) as http:
        batch = await http.post("/v1/incidents/batch", content=b"x" * (2 * MIB))
        single = await http.post("/v1/incidents", content=b"x" * (2 * MIB))

    assert batch.status_code != 413  # past the limit: refused later, for what it says
    assert single.status_code == 413


async def test_bodies_within_the_limits_reach_the_route_whole() -> None:
    body = json.dumps({"a": [[{"b": "]]]]]]"}]] * 1000}).encode()
    async with client(echo_app()) as http:
        response = await http.post(
            "/echo", content=body, headers={"content-type": "application/json"}
        )

    assert response.json() == {"read": len(body)}


async def test_too_many_requests_get_429_with_retry_after() -> None:
    app = echo_app(rate_limit_per_minute=3)
    async with client(app) as http:
        answers = [
            await http.post("/echo", headers={"authorization": "Bearer a"}) for _ in range(4)
        ]
        other_token = await http.post("/echo", headers={"authorization": "Bearer b"})
        health = await http.get("/health/live", headers={"authorization": "Bearer a"})

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.json()["error"] == "too_many_requests"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert other_token.status_code == 200
    assert health.status_code == 200


async def test_callers_without_a_token_are_counted_by_address() -> None:
    app = echo_app(rate_limit_per_minute=2)
    async with client(app) as http:
        codes = [(await http.post("/echo")).status_code for _ in range(3)]

    assert codes == [200, 200, 429]


async def test_a_rate_limit_of_zero_is_no_limit() -> None:
    app = echo_app(rate_limit_per_minute=0)
    async with client(app) as http:
        codes = {(await http.post("/echo")).status_code for _ in range(50)}

    assert codes == {200}


def depth_of(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    return 0


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab\n'),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(alphabet='[]{}"\\a', max_size=3), inner, max_size=3)
    ),
    max_leaves=30,
)


@given(JSON, st.integers(min_value=1, max_value=8))
def test_the_depth_scan_agrees_with_a_parser(value: object, limit: int) -> None:
    body = json.dumps(value).encode()

    assert nests_deeper_than(body, limit) == (depth_of(value) > limit)


def test_brackets_in_strings_and_escapes_do_not_count() -> None:
    assert not nests_deeper_than(b'{"a": "[[[[[[[[\\\\\\"[[[["}', 1)
    assert nests_deeper_than(b'[[["\\\\"]]]', 2)
    assert not nests_deeper_than(b"[[[", 3)  # malformed: the parser reports it
