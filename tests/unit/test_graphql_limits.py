"""The gateway's query limits refuse a query before any resolver runs (so no database needed)."""

from __future__ import annotations

from bridgework.graphql_gateway.read.entrypoints.graphql.schema import build_schema
from bridgework.graphql_gateway.settings import GatewaySettings


async def test_a_query_deeper_than_the_limit_is_refused() -> None:
    schema = build_schema(GatewaySettings(graphql_max_depth=3))

    result = await schema.execute("{ repairs(first: 1) { edges { node { incidents { id } } } } }")

    assert result.errors is not None
    assert "exceeds maximum operation depth of 3" in result.errors[0].message


async def test_too_many_aliases_are_refused() -> None:
    schema = build_schema(GatewaySettings(graphql_max_aliases=2))
    aliases = " ".join(f'r{n}: repair(id: "{n}") {{ id }}' for n in range(3))

    result = await schema.execute(f"{{ {aliases} }}")

    assert result.errors is not None
    assert "aliases found" in result.errors[0].message


async def test_a_query_with_too_many_tokens_is_refused() -> None:
    schema = build_schema(GatewaySettings(graphql_max_tokens=100))
    fields = " ".join(["id"] * 200)

    result = await schema.execute(f"{{ repairs(first: 1) {{ edges {{ node {{ {fields} }} }} }} }}")

    assert result.errors is not None
    assert "token" in result.errors[0].message.lower()
