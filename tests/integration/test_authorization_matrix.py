"""Who may do what: every role, every HTTP route and GraphQL operation, own and other
department and repair, against the real services (docs/security.md, "Who may do what").

The rows (tests/authorization/*_rows.py) are the specification. The operations are
enumerated from the apps and the GraphQL schema: an operation without a row, or a row
without an operation, fails here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from uuid import uuid4

import httpx
import pytest
import strawberry
from fastapi import FastAPI

from bridgework.agreements.app import create_app as create_agreements
from bridgework.followup.app import create_app as create_followup
from bridgework.graphql_gateway.app import create_app as create_gateway
from bridgework.graphql_gateway.read.entrypoints.graphql.mutation import Mutation
from bridgework.graphql_gateway.read.entrypoints.graphql.query import Query
from bridgework.graphql_gateway.read.entrypoints.graphql.schema import build_schema
from bridgework.intake.app import create_app as create_intake
from bridgework.intake.domain.mapping import Tool
from bridgework.intake.settings import IntakeSettings
from tests.authorization import (
    agreements_rows,
    followup_rows,
    gateway_change_rows,
    gateway_mutations,
    gateway_rows,
    intake_rows,
)
from tests.authorization.checks import assert_graphql, assert_rest
from tests.authorization.matrix import (
    Call,
    Credential,
    Row,
    Target,
    cases,
    graphql_operations,
    http_operations,
    incomplete_rows,
    missing_rows,
    stale_rows,
)
from tests.authorization.people import AFFECTED, Keys, headers_for
from tests.authorization.websocket import first_answer, serving
from tests.authorization.world import (
    World,
    agreements_settings,
    followup_settings,
    gateway_settings,
    open_world,
    shared,
)
from tests.infra import Infrastructure, create_database, delete_topics, drop_database
from tests.intake_factories import RunningIntake, running_intake

pytestmark = pytest.mark.integration

GATEWAY_ROWS = [*gateway_rows.ROWS, *gateway_mutations.ROWS, *gateway_change_rows.ROWS]
# The apps as the matrix runs them, never started: their routes exist once they are built.
OFFLINE = shared("127.0.0.1:9", "postgresql://matrix@127.0.0.1:9/matrix", "matrix")


def _gateway_schema() -> strawberry.Schema:
    return build_schema(gateway_settings(**OFFLINE))


BUILDERS: dict[str, Callable[[], FastAPI]] = {
    "intake": lambda: create_intake(IntakeSettings(**OFFLINE)),
    "agreements": lambda: create_agreements(agreements_settings(**OFFLINE)),
    "followup": lambda: create_followup(followup_settings(**OFFLINE)),
    "gateway": lambda: create_gateway(gateway_settings(**OFFLINE)),
}
ROWS: dict[str, list[Row]] = {
    "intake": intake_rows.ROWS,
    "agreements": agreements_rows.ROWS,
    "followup": followup_rows.ROWS,
    "gateway": GATEWAY_ROWS,
}


def _operations(service: str) -> tuple[set[str], list[Row]]:
    """What the service really has, and its rows."""
    operations = http_operations(BUILDERS[service]())
    if service == "gateway":
        operations |= graphql_operations(_gateway_schema())
    return operations, ROWS[service]


SERVICES = list(BUILDERS)
COLUMNS = {
    "intake": intake_rows.COLUMNS,
    "agreements": agreements_rows.COLUMNS,
    "followup": followup_rows.COLUMNS,
    "gateway": gateway_rows.COLUMNS,
}


# --- the table covers the services, and only them ---------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_has_a_row(service: str) -> None:
    operations, rows = _operations(service)
    assert missing_rows(operations, rows) == set()


@pytest.mark.parametrize("service", SERVICES)
def test_every_row_names_an_operation_the_service_has(service: str) -> None:
    operations, rows = _operations(service)
    assert stale_rows(operations, rows) == set()


@pytest.mark.parametrize("service", SERVICES)
def test_every_row_says_what_becomes_of_each_credential(service: str) -> None:
    rows = ROWS[service]
    assert incomplete_rows(rows, COLUMNS[service]) == {}
    assert len({row.operation for row in rows}) == len(rows), "one row per operation"


def test_a_new_route_without_a_row_fails_the_matrix() -> None:
    app = BUILDERS["agreements"]()

    async def made_up() -> None: ...

    app.add_api_route("/v1/repairs/{repair_id}/made-up", made_up, methods=["POST"])

    assert missing_rows(http_operations(app), agreements_rows.ROWS) == {
        "POST /v1/repairs/{repair_id}/made-up"
    }


def test_a_new_mutation_without_a_row_fails_the_matrix() -> None:
    @strawberry.type
    class MoreMutation(Mutation):
        @strawberry.mutation
        def made_up(self) -> bool:
            return True

    schema = strawberry.Schema(query=Query, mutation=MoreMutation)

    assert "Mutation.madeUp" in missing_rows(graphql_operations(schema), GATEWAY_ROWS)


def test_a_row_for_an_operation_that_is_gone_fails_the_matrix() -> None:
    operations, rows = _operations("agreements")
    gone = Row("DELETE /v1/repairs/{repair_id}", lambda _: Call("DELETE", "/"), {})

    assert stale_rows(operations, [*rows, gone]) == {"DELETE /v1/repairs/{repair_id}"}


# --- the services running, seeded once per module -------------------------------------------


@dataclass
class Intake:
    running: RunningIntake
    keys: Keys


@pytest.fixture(scope="module")
async def intake(infra: Infrastructure) -> AsyncIterator[Intake]:
    async with running_intake(infra, rate_limit_per_minute=0) as running:
        for department, secrets in intake_rows.SECRETS.items():
            for tool, secret in secrets.items():
                await running.secret(department, Tool(tool), secret)
        keys = Keys(await running.token("finance"), await running.token("estates"))
        await intake_rows.seed(running, keys.department_token)
        yield Intake(running, keys)


@pytest.fixture(scope="module")
async def world(infra: Infrastructure) -> AsyncIterator[World]:
    database_url, namespace = await create_database(infra), f"t{uuid4().hex[:10]}"
    try:
        async with open_world(infra, database_url, namespace) as seeded:
            yield seeded
    finally:
        await drop_database(infra, database_url)
        await delete_topics(infra.kafka, namespace)


@pytest.fixture(scope="module")
async def gateway_socket(world: World) -> AsyncIterator[str]:
    async with serving(world.gateway_app) as url:
        yield url


async def send(client: httpx.AsyncClient, call: Call, headers: dict[str, str]) -> httpx.Response:
    return await client.request(
        call.method,
        call.path,
        json=call.json,
        content=call.content,
        headers={**call.headers, **headers},
    )


async def target_of(world: World, row: Row, credential: Credential) -> Target:
    return await world.fresh(credential) if credential in row.fresh else world.target(credential)


# --- the matrix -------------------------------------------------------------------------------


@pytest.mark.parametrize(("row", "credential"), cases(intake_rows.ROWS, intake_rows.COLUMNS))
async def test_intake(intake: Intake, row: Row, credential: Credential) -> None:
    call = row.call(Target(uuid4(), uuid4(), uuid4(), AFFECTED))
    headers = {
        **headers_for(credential, intake.keys),
        **intake_rows.signature_headers(call, credential),
    }
    response = await send(intake.running.client, call, headers)
    assert_rest(response, row.expect[credential])


@pytest.mark.parametrize(
    ("row", "credential"), cases(agreements_rows.ROWS, agreements_rows.COLUMNS)
)
async def test_agreements(world: World, row: Row, credential: Credential) -> None:
    call = row.call(await target_of(world, row, credential))
    response = await send(world.agreements, call, headers_for(credential, Keys()))
    assert_rest(response, row.expect[credential])


@pytest.mark.parametrize(("row", "credential"), cases(followup_rows.ROWS, followup_rows.COLUMNS))
async def test_followup(world: World, row: Row, credential: Credential) -> None:
    call = row.call(world.target(credential))
    response = await send(world.followup, call, headers_for(credential, Keys()))
    assert_rest(response, row.expect[credential])


@pytest.mark.parametrize(("row", "credential"), cases(GATEWAY_ROWS, gateway_rows.COLUMNS))
async def test_gateway(world: World, gateway_socket: str, row: Row, credential: Credential) -> None:
    target = await target_of(world, row, credential)
    call, headers = row.call(target), headers_for(credential, Keys())
    if row.operation.startswith(("WS ", "Subscription.")):
        response = await first_answer(gateway_socket, headers, call.json)
    else:
        response = await send(world.gateway, call, headers)
    if "/graphql" in row.operation or "." in row.operation.split(" ")[0]:
        assert_graphql(response, row.expect[credential], row, target)
    else:
        assert_rest(response, row.expect[credential])
