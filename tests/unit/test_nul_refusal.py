"""U+0000 is refused at every edge with the field named: in any string of an event contract,
and in a request's JSON or form body, query string or path, in every service.

Postgres text and jsonb cannot hold it, so anything that let it through failed later.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Annotated, Any
from uuid import uuid4

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from graphql import build_schema, parse, validate
from hypothesis import given
from hypothesis import strategies as st
from pydantic import StringConstraints, ValidationError

from bridgework.agreements.app import create_app as create_agreements
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import SystemClock
from bridgework.common.contracts import (
    Answer,
    Contract,
    ConversationRecordedV1,
    IncidentUpdatedV1,
    ParticipantRole,
    PersonRef,
    Question,
)
from bridgework.common.contracts.base import NUL_FREE_PATTERNS
from bridgework.common.events import Event, InvalidEventError, from_kafka, to_kafka
from bridgework.common.nul_characters import form_nul_field, holds_nul_escape, json_nul_field
from bridgework.common.service_app import create_service_app
from bridgework.common.settings import ServiceSettings
from bridgework.followup.app import create_app as create_followup
from bridgework.followup.settings import FollowupSettings
from bridgework.graphql_gateway.app import create_app as create_gateway
from bridgework.graphql_gateway.read.entrypoints.graphql.nul import NoNulCharacters
from bridgework.graphql_gateway.settings import GatewaySettings
from bridgework.intake.app import create_app as create_intake
from bridgework.intake.settings import IntakeSettings
from tests.factories import T0, incident_reported, sealed, submission_json

REFUSED = "must not hold the NUL character (U+0000)"


def nul_errors(error: ValidationError) -> list[tuple[tuple[str | int, ...], str]]:
    return [(tuple(e["loc"]), e["msg"]) for e in error.errors() if e["type"] == "nul_character"]


# --- event contracts -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "location"),
    [
        ({"summary": "USB\x00 ports"}, ("summary",)),
        ({"source": {"tool": "native", "reference": "r\x00"}}, ("source", "reference")),
        ({"answers": {"what_happened": "\x00"}}, ("answers", "what_happened")),
    ],
)
def test_a_contract_refuses_nul_in_any_string_naming_the_field(
    overrides: dict[str, Any], location: tuple[str, ...]
) -> None:
    with pytest.raises(ValidationError) as refused:
        incident_reported(**overrides)

    assert nul_errors(refused.value) == [(location, REFUSED)]


def test_nul_in_a_list_of_strings_or_a_list_of_contracts_is_named_by_its_index() -> None:
    updated = incident_reported().model_dump() | {
        "revision": 2,
        "updated_at": T0,
        "changed_fields": ["summary", "sev\x00erity"],
    }
    with pytest.raises(ValidationError) as in_strings:
        IncidentUpdatedV1.model_validate(updated)
    answers = [
        Answer(question=Question.HARDEST_THING, text=sealed("fine")),
        # A sealed text is base64url: its pattern refuses NUL before the NUL check runs.
        {
            "question": "needs_to_happen",
            "text": {"key_id": str(uuid4()), "ciphertext": "a\x00" * 20},
        },
    ]
    with pytest.raises(ValidationError) as in_contracts:
        ConversationRecordedV1.model_validate(
            {
                "repair_id": uuid4(),
                "participant": {"person_id": "p-1", "department": "finance"},
                "role": ParticipantRole.AFFECTED,
                "answers": answers,
                "recorded_at": T0,
            }
        )

    assert nul_errors(in_strings.value) == [(("changed_fields", 1), REFUSED)]
    assert [e["loc"] for e in in_contracts.value.errors()] == [("answers", 1, "text", "ciphertext")]


def test_a_record_carrying_nul_is_an_invalid_event_naming_the_field() -> None:
    record = to_kafka(Event.new(incident_reported(), source="/t", time=T0))
    value = record.value.replace(b'"summary":"USB', b'"summary":"USB\\u0000')

    with pytest.raises(InvalidEventError) as refused:
        from_kafka(record.headers, value)

    assert refused.value.reason == (
        f"body does not match bridgework.incident.reported.v1: summary: {REFUSED}"
    )


def test_an_escaped_backslash_before_u0000_is_text_and_passes() -> None:
    record = to_kafka(Event.new(incident_reported(), source="/t", time=T0))
    value = record.value.replace(b'"summary":"USB', b'"summary":"C:\\\\u0000 USB')

    decoded = from_kafka(record.headers, value)

    assert isinstance(decoded.data, Contract)
    assert decoded.data.summary.startswith("C:\\u0000 USB")  # type: ignore[attr-defined]


def test_a_contract_whose_strings_the_check_cannot_reach_is_refused_when_written() -> None:
    with pytest.raises(TypeError, match=r"Unchecked\.labels: strings in this shape"):

        class Unchecked(Contract):
            labels: dict[str, Annotated[str, StringConstraints(max_length=9)]]


@given(st.text(), st.text())
def test_the_patterns_the_check_trusts_match_no_string_holding_nul(head: str, tail: str) -> None:
    # Fields held to these patterns are not read by the check: the pattern must refuse NUL.
    for pattern in NUL_FREE_PATTERNS:
        assert re.search(pattern, f"{head}\x00{tail}") is None
        assert re.search(pattern, "p") is not None  # the same pattern, without a NUL


def test_a_pattern_held_field_refuses_nul_by_its_pattern() -> None:
    with pytest.raises(ValidationError) as refused:
        PersonRef(person_id="p-it-7\x00", department="it")

    assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [
        (("person_id",), "string_pattern_mismatch")
    ]


# --- the escape search, against a parser ---------------------------------------------------

TEXT = st.text(alphabet='\\u0\x00a"', max_size=8)
JSON = st.recursive(
    st.none() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=12,
)


def holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(holds_nul(v) for v in value)
    if isinstance(value, dict):
        return any("\x00" in k or holds_nul(v) for k, v in value.items())
    return False


@given(JSON)
def test_the_escape_search_agrees_with_a_parser(value: object) -> None:
    body = json.dumps(value).encode()

    assert holds_nul_escape(body) == holds_nul(value)
    assert (json_nul_field(body) is not None) == holds_nul(value)


def test_the_first_nul_is_named_by_its_path_in_the_body() -> None:
    body = b'{"a": "ok", "incidents": [{"s": "x"}, {"s": "y\\u0000"}], "z": "\\u0000"}'

    assert json_nul_field(body) == ("incidents.1.s", REFUSED)
    assert json_nul_field(b'"\\u0000"') == ("(body)", REFUSED)
    assert json_nul_field(b'{"a\\u0000": 1}') == ("a\\u0000", "a name here " + REFUSED)
    assert json_nul_field(b'{"a": "\\u0000"') is None  # not JSON: its parser says so later


def test_a_query_or_form_parameter_holding_nul_is_named() -> None:
    assert form_nul_field(b"since=2026-01-01&first=20") is None
    assert form_nul_field(b"a=1&department=it%00") == ("department", REFUSED)
    assert form_nul_field(b"variables=%7B%22t%22%3A%22%5Cu0000%22%7D") == ("variables.t", REFUSED)
    assert form_nul_field(b"q=%5Cu0000") is None  # not JSON: the text `\u0000`


# --- every service's HTTP side -------------------------------------------------------------


def echo_app() -> FastAPI:
    router = APIRouter()

    @router.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"read": len(await request.body())}

    return create_service_app(
        ServiceSettings(development_mode=True),
        clock=SystemClock(),
        title="echo",
        description="echo",
        migrations_package="bridgework.common",
        routers=[router],
    )


SERVICES: dict[str, Callable[[], FastAPI]] = {
    "intake": lambda: create_intake(IntakeSettings(development_mode=True)),
    "agreements": lambda: create_agreements(AgreementsSettings(development_mode=True)),
    "followup": lambda: create_followup(FollowupSettings(development_mode=True)),
    "gateway": lambda: create_gateway(GatewaySettings(development_mode=True)),
}


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def refusal(field: str, reason: str = REFUSED) -> dict[str, Any]:
    return {"error": "validation_failed", "fields": [{"field": field, "reason": reason}]}


@pytest.mark.parametrize("service", SERVICES)
async def test_every_service_refuses_nul_in_a_json_body_naming_the_field(service: str) -> None:
    body = json.dumps(submission_json(summary="USB\x00")).encode()
    async with client(SERVICES[service]()) as http:
        response = await http.post(
            "/v1/incidents", content=body, headers={"content-type": "application/json"}
        )

    assert response.status_code == 422
    assert response.json() == refusal("summary")


@pytest.mark.parametrize("service", SERVICES)
async def test_every_service_refuses_nul_in_the_query_string_and_the_path(service: str) -> None:
    async with client(SERVICES[service]()) as http:
        in_query = await http.get("/v1/repairs", params={"status": "open\x00"})
        in_path = await http.get("/v1/repairs/a%00b")

    assert (in_query.status_code, in_query.json()) == (422, refusal("status"))
    assert (in_path.status_code, in_path.json()) == (422, refusal("(path)"))


async def test_nul_in_a_form_body_and_in_graphql_get_variables_is_refused() -> None:
    gateway = create_gateway(GatewaySettings(development_mode=True))
    variables = json.dumps({"department": "it\x00"})
    async with client(gateway) as http:
        form = await http.post("/graphql", data={"query": "{ viewer { personId } }\x00"})
        get = await http.get("/graphql", params={"query": "{ x }", "variables": variables})

    assert (form.status_code, form.json()) == (422, refusal("query"))
    assert (get.status_code, get.json()) == (422, refusal("variables.department"))


async def test_bodies_without_a_nul_reach_the_route_whole() -> None:
    body = json.dumps({"path": "C:\\u0000", "nested": [{"a": "\\\\u0000"}]}).encode()
    async with client(echo_app()) as http:
        response = await http.post(
            "/echo", content=body, headers={"content-type": "application/json"}
        )

    assert "\\\\u0000" in body.decode()
    assert response.json() == {"read": len(body)}


# --- GraphQL string literals (variables are JSON: the middleware's) -----------------------

GRAPHQL = build_schema("input P { a: String } type Query { f(x: String, p: P): Int }")


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ('{ f(x: "a\\u0000") }', "x"),
        ('{ f(p: {a: "\\u0000"}) }', "p.a"),
        ('query($v: String = "\\u0000") { f(x: $v) }', "$v"),
    ],
)
def test_the_gateway_refuses_nul_in_a_graphql_string_naming_its_argument(
    document: str, named: str
) -> None:
    errors = validate(GRAPHQL, parse(document), [NoNulCharacters])

    assert [e.message for e in errors] == [f"{named}: {REFUSED}"]
    assert validate(GRAPHQL, parse('{ f(x: "a\\\\u0000") }'), [NoNulCharacters]) == []
