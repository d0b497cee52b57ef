"""The gateway's cost limit, GraphiQL and introspection by mode, and logs without people's data."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, parse

from bridgework.graphql_gateway.app import create_app
from bridgework.graphql_gateway.read.entrypoints.graphql import query as query_module
from bridgework.graphql_gateway.read.entrypoints.graphql.cost import operation_cost
from bridgework.graphql_gateway.read.entrypoints.graphql.schema import build_schema
from bridgework.graphql_gateway.read.use_cases import lists
from bridgework.graphql_gateway.settings import GatewaySettings

STATIC = Path(query_module.__file__).parent.parent / "static"
NESTED = (
    "edges { node { id status incidents { id summary } "
    "commitments { status nudges { kind } } checkIns { outcome } } }"
)


def dashboard_query() -> str:
    """The dashboard page's own query, read from its script."""
    script = (STATIC / "dashboard.js").read_text()
    fields = re.search(r"const FIELDS = `(.*?)`;", script, re.DOTALL)
    assert fields is not None
    return (
        "query Dashboard($department: String, $period: PeriodInput, $granularity: Granularity!) "
        "{ viewer { personId roles department } departments { slug } "
        f"dashboard(department: $department, period: $period) {{ {fields.group(1)} }} }}"
    )


def cost_of(query: str, settings: GatewaySettings) -> float:
    schema = build_schema(settings)._schema
    (operation,) = [d for d in parse(query).definitions if isinstance(d, OperationDefinitionNode)]
    return operation_cost(schema, operation, {}, page_size=settings.graphql_max_page_size)


async def test_fifteen_aliases_of_a_hundred_repairs_with_nested_lists_are_refused_by_cost() -> None:
    settings = GatewaySettings(development_mode=True)
    aliases = " ".join(f"r{n}: repairs(first: 100) {{ {NESTED} }}" for n in range(15))

    result = await build_schema(settings).execute(f"query Greedy {{ {aliases} }}")

    assert result.errors is not None
    (error,) = result.errors
    assert "over the limit of 20,000" in error.message
    assert error.extensions == {"code": "QUERY_TOO_COSTLY"}


def test_the_dashboard_pages_query_costs_far_below_the_limit() -> None:
    settings = GatewaySettings(development_mode=True)

    cost = cost_of(dashboard_query(), settings)

    assert cost == 650  # docs/gateway.md quotes it
    assert cost * 20 < settings.graphql_max_cost


def test_cost_counts_pages_lists_and_aliases() -> None:
    settings = GatewaySettings(development_mode=True)
    page = "repairs(first: 10) { edges { node { id incidents { id } } } }"

    one = cost_of(f"{{ {page} }}", settings)
    two = cost_of(f"{{ a: {page} b: {page} }}", settings)
    default_page = cost_of("{ repairs { edges { node { id } } } }", settings)
    variable_page = cost_of(
        "query($n: Int!) { repairs(first: $n) { edges { node { id } } } }", settings
    )

    # repairs 1 + 10 * (edges 1 + node 1 + id 1 + incidents (1 + 10 * id 1))
    assert one == 1 + 10 * (1 + 1 + 1 + (1 + 10 * 1))
    assert two == 2 * one
    assert default_page == 1 + 20 * 3  # `first` defaults to 20
    assert variable_page == 1 + 100 * 3  # unknown at validation: the page-size cap


async def test_graphiql_and_introspection_are_on_in_development_mode() -> None:
    settings = GatewaySettings(development_mode=True)

    result = await build_schema(settings).execute("{ __schema { queryType { name } } }")
    page = await get_graphiql(settings)

    assert settings.graphql_ide is True
    assert result.errors is None
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


async def test_graphiql_and_introspection_are_off_outside_development_mode() -> None:
    settings = GatewaySettings(development_mode=False)

    result = await build_schema(settings).execute("{ __schema { queryType { name } } }")
    page = await get_graphiql(settings)

    assert settings.graphql_ide is False
    assert result.errors is not None
    assert "introspection has been disabled" in result.errors[0].message
    assert "graphiql" not in page.text.lower()


@pytest.mark.parametrize("development_mode", [True, False])
def test_an_explicit_setting_wins_over_the_mode(development_mode: bool) -> None:
    settings = GatewaySettings(
        development_mode=development_mode,
        graphql_ide=not development_mode,
        graphql_introspection=not development_mode,
    )

    assert settings.graphql_ide is not development_mode
    assert settings.graphql_introspection is not development_mode


async def get_graphiql(settings: GatewaySettings) -> httpx.Response:
    app = create_app(settings)
    app.state.runtime = SimpleNamespace(pool=None)  # GraphiQL needs no database
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get("/graphql", headers={"accept": "text/html"})


async def test_a_failing_query_logs_no_variables(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def choking(**kwargs: Any) -> list[object]:
        # As database drivers do: the message quotes the input it could not use.
        raise ValueError(f"invalid input for query argument: {kwargs!r}")

    monkeypatch.setattr(lists, "repairs_page", choking)
    settings = GatewaySettings(development_mode=True)
    context = SimpleNamespace(pool=None, viewer=None, settings=settings)
    query = (
        "query Leaky($department: String, $after: String) "
        "{ repairs(first: 5, department: $department, after: $after) { edges { cursor } } }"
    )

    with caplog.at_level(logging.DEBUG):
        result = await build_schema(settings).execute(
            query,
            variable_values={"department": "ada.lovelace@example.org", "after": "Ada Lovelace"},
            context_value=context,
        )

    assert result.errors is not None
    assert result.errors[0].message == "Unexpected error."
    logged = "\n".join(
        record.getMessage() + (record.exc_text or "") + str(record.exc_info or "")
        for record in caplog.records
    )
    assert "Leaky" in logged
    assert "ValueError" in logged
    assert "example.org" not in logged
    assert "Lovelace" not in logged
    assert all(record.exc_info is None for record in caplog.records)
