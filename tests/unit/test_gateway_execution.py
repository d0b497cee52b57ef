"""The gateway's short path for plain values answers exactly as graphql-core does.

Each query runs twice on the same schema: with GatewayExecutionContext and with
strawberry's own execution context; data, errors, their paths and messages must match.
"""

from __future__ import annotations

import json
from datetime import date
from enum import Enum
from typing import Any

import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionResult

from bridgework.graphql_gateway.read.entrypoints.graphql.execution import GatewayExecutionContext
from bridgework.graphql_gateway.read.entrypoints.graphql.schema import build_schema
from bridgework.graphql_gateway.settings import GatewaySettings


@strawberry.enum
class Colour(Enum):
    RED = "red"
    GREEN = "green"


@strawberry.type
class Mix:
    with_: int = strawberry.field(name="with")
    rate: float | None
    label: str


@strawberry.type
class Point:
    start: date
    modes: Mix
    maybe: Mix | None
    colour: Colour
    tags: list[str]
    counts: list[int | None]

    @strawberry.field
    def doubled(self) -> int:
        return self.modes.with_ * 2


class Exploding:
    """A source whose attribute raises: graphql-core reports it, at its path."""

    @property
    def start(self) -> date:
        raise ValueError("no start today")


def point(n: int, **changes: Any) -> Any:
    values: dict[str, Any] = {
        "start": date(2025, 1, 1 + n),
        "modes": Mix(with_=n, rate=None if n % 2 else n / 3, label=f"m{n}"),
        "maybe": None if n % 2 else Mix(with_=-n, rate=0.5, label="x"),
        "colour": Colour.RED if n % 2 else Colour.GREEN,
        "tags": ["a", "b"][: n % 3],
        "counts": [n, None, 2],
    }
    values.update(changes)
    return Point(**values)


@strawberry.type
class Query:
    @strawberry.field
    async def points(self) -> list[Point]:
        return [point(n) for n in range(5)]

    @strawberry.field
    def first(self) -> Point:
        first: Point = point(1)
        return first

    @strawberry.field
    def null_in_non_null(self) -> list[Point]:
        return [point(1), point(2, modes=Mix(with_=1, rate=None, label=None))]  # type: ignore[arg-type]

    @strawberry.field
    def too_big(self) -> list[Mix]:
        return [Mix(with_=1, rate=1.0, label="ok"), Mix(with_=2**31, rate=1.0, label="big")]

    @strawberry.field
    def not_a_number(self) -> list[Mix]:
        return [Mix(with_="seven", rate=float("inf"), label="x")]  # type: ignore[arg-type]

    @strawberry.field
    def exploding(self) -> list[Point | None]:
        return [point(0), Exploding()]

    @strawberry.field
    def nullable_points(self) -> list[Point | None] | None:
        return [None, point(3)]

    @strawberry.field
    def a_tuple(self) -> list[int]:
        return (1, 2, 3)  # type: ignore[return-value]


def schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    fast = strawberry.Schema(query=Query, execution_context_class=GatewayExecutionContext)
    plain = strawberry.Schema(
        query=Query, execution_context_class=StrawberryGraphQLCoreExecutionContext
    )
    return fast, plain


def answer(result: ExecutionResult) -> str:
    errors = [
        {"message": e.message, "path": e.path, "locations": str(e.locations)}
        for e in result.errors or []
    ]
    return json.dumps({"data": result.data, "errors": errors}, default=str)


FIELDS = "start modes { with rate label } maybe { with label } colour tags counts doubled"
QUERIES = [
    f"{{ points {{ {FIELDS} }} }}",
    f"{{ first {{ {FIELDS} }} }}",
    "{ points { s: start start m: modes { w: with } modes { label } } }",
    "{ points { ...P modes { ...M } } } fragment P on Point { start colour } "
    "fragment M on Mix { with rate }",
    "query($skip: Boolean!) { points { start @skip(if: $skip) modes @include(if: $skip) "
    "{ with } } }",
    "{ points { __typename start modes { __typename with } } }",
    "{ nullInNonNull { start modes { with label } } }",
    "{ tooBig { with rate label } }",
    "{ notANumber { with } }",
    "{ notANumber { rate } }",
    "{ exploding { start colour } }",
    "{ nullablePoints { start maybe { with } } }",
    "{ aTuple }",
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("skip", [True, False])
async def test_the_short_path_answers_as_graphql_core_does(query: str, skip: bool) -> None:
    fast, plain = schemas()
    variables = {"skip": skip} if "$skip" in query else None
    expected = await plain.execute(query, variable_values=variables)
    got = await fast.execute(query, variable_values=variables)
    assert answer(got) == answer(expected)


async def test_the_gateway_schema_executes_with_the_short_path() -> None:
    schema = build_schema(GatewaySettings())
    assert schema.execution_context_class is GatewayExecutionContext


class Shout(strawberry.extensions.SchemaExtension):
    """A resolve hook (middleware): every field goes graphql-core's way, hook included."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        value = _next(root, info, *args, **kwargs)
        return value.upper() if isinstance(value, str) else value


async def test_resolve_middleware_still_runs_for_every_field() -> None:
    schema = strawberry.Schema(
        query=Query, extensions=[Shout], execution_context_class=GatewayExecutionContext
    )
    result = await schema.execute("{ points { modes { label } } }")
    assert result.errors is None
    assert result.data == {"points": [{"modes": {"label": f"M{n}"}} for n in range(5)]}
