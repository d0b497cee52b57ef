"""The gateway's agreements client and agreements' OpenAPI document agree, call by call.

For every call the client makes (read.clients.agreements.CALLS): the method and path exist;
agreements asks for the person's bearer token (the client forwards it on every call);
every field the client sends exists in the request body's schema with a compatible type
(so no field agreements does not know, `actor` included),
and every field agreements requires is sent; every field the client reads exists in the
success answer's schema, with a type the client can read. Nested objects and lists are
compared field by field, so a renamed field on either side fails here, not in production.
"""

from __future__ import annotations

from typing import Any

import pytest

from bridgework.agreements.app import create_app
from bridgework.agreements.settings import AgreementsSettings
from bridgework.graphql_gateway.read.clients.agreements import CALLS, Call

Schema = dict[str, Any]


@pytest.fixture(scope="module")
def document() -> Schema:
    spec: Schema = create_app(AgreementsSettings()).openapi()
    return spec


class Resolver:
    """Follows `$ref`s into a document's components."""

    def __init__(self, document: Schema) -> None:
        self.document = document

    def __call__(self, schema: Schema) -> Schema:
        while "$ref" in schema:
            node: Any = self.document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def variants(self, schema: Schema) -> list[Schema]:
        """The alternatives a value may take (anyOf/oneOf/allOf of one), refs resolved."""
        schema = self(schema)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return [v for option in schema[key] for v in self.variants(option)]
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self.variants(schema["allOf"][0])
        return [schema]


def kinds(resolve: Resolver, schema: Schema) -> set[str]:
    """The JSON types a schema allows ('integer' also counts as 'number')."""
    found: set[str] = set()
    for variant in resolve.variants(schema):
        if "const" in variant or "enum" in variant:
            values = variant.get("enum", [variant.get("const")])
            found.update("null" if v is None else _json_type(v) for v in values)
        elif "type" in variant:
            types = variant["type"] if isinstance(variant["type"], list) else [variant["type"]]
            found.update(types)
        elif "properties" in variant:
            found.add("object")
        else:
            found.add("any")
    if "integer" in found:
        found.add("number")
    return found


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


def enum_values(resolve: Resolver, schema: Schema) -> set[Any] | None:
    """The values an enum allows, None when the schema is not (only) an enum."""
    values: set[Any] = set()
    for variant in resolve.variants(schema):
        if "enum" in variant:
            values.update(variant["enum"])
        elif "const" in variant:
            values.add(variant["const"])
        elif variant.get("type") == "null":
            values.add(None)
        else:
            return None
    return values


def formats(resolve: Resolver, schema: Schema) -> set[str]:
    return {v["format"] for v in resolve.variants(schema) if "format" in v}


def part(resolve: Resolver, schema: Schema, kind: str) -> Schema | None:
    """The object (or array) variant of a schema, if it has one."""
    for variant in resolve.variants(schema):
        if variant.get("type") == kind or (kind == "object" and "properties" in variant):
            return variant
    return None


def compare(
    where: str,
    writer: tuple[Resolver, Schema],
    reader: tuple[Resolver, Schema],
    *,
    sending: bool,
) -> list[str]:
    """Where a value the writer's schema allows may not fit the reader's."""
    (w_resolve, w_schema), (r_resolve, r_schema) = writer, reader
    problems: list[str] = []
    written, readable = kinds(w_resolve, w_schema), kinds(r_resolve, r_schema)
    if "any" not in readable and not written - {"any"} <= readable:
        problems.append(f"{where}: sends {sorted(written)}, read as {sorted(readable)}")
    w_enum, r_enum = enum_values(w_resolve, w_schema), enum_values(r_resolve, r_schema)
    if r_enum is not None and (w_enum is None or not w_enum <= r_enum):
        problems.append(f"{where}: values {w_enum or 'any string'} but only {r_enum} accepted")
    w_formats, r_formats = formats(w_resolve, w_schema), formats(r_resolve, r_schema)
    if w_formats and r_formats and not w_formats <= r_formats:
        problems.append(f"{where}: format {w_formats} read as {r_formats}")
    w_object, r_object = part(w_resolve, w_schema, "object"), part(r_resolve, r_schema, "object")
    if w_object is not None and r_object is not None:
        problems += compare_objects(where, (w_resolve, w_object), (r_resolve, r_object), sending)
    w_array, r_array = part(w_resolve, w_schema, "array"), part(r_resolve, r_schema, "array")
    if w_array is not None and r_array is not None:
        problems += compare(
            f"{where}[]",
            (w_resolve, w_array.get("items", {})),
            (r_resolve, r_array.get("items", {})),
            sending=sending,
        )
    return problems


def compare_objects(
    where: str, writer: tuple[Resolver, Schema], reader: tuple[Resolver, Schema], sending: bool
) -> list[str]:
    (w_resolve, w_object), (r_resolve, r_object) = writer, reader
    w_fields, r_fields = w_object.get("properties", {}), r_object.get("properties", {})
    problems: list[str] = []
    # Sending: every field the gateway sends must exist; reading: every field it reads.
    ours = w_fields if sending else r_fields
    theirs = r_fields if sending else w_fields
    for name in ours:
        if name not in theirs:
            side = "agreements' request" if sending else "agreements' answer"
            problems.append(f"{where}.{name}: not in {side}")
            continue
        problems += compare(
            f"{where}.{name}",
            (w_resolve, w_fields[name]),
            (r_resolve, r_fields[name]),
            sending=sending,
        )
    if sending:
        always_sent = set(w_object.get("required", []))
        for name in r_object.get("required", []):
            if name not in always_sent:
                problems.append(f"{where}.{name}: required by agreements, not always sent")
    else:
        always_there = set(w_object.get("required", []))
        for name in r_object.get("required", []):
            if name not in always_there:
                problems.append(f"{where}.{name}: the gateway needs it, agreements may omit it")
    return problems


def problems_of(call: Call[Any], document: Schema) -> list[str]:
    """Every way `call` and agreements' document disagree."""
    theirs = Resolver(document)
    name = f"{call.method} {call.path}"
    operation = document["paths"].get(call.path, {}).get(call.method.lower())
    if operation is None:
        return [f"{name}: no such operation in agreements' document"]
    problems: list[str] = []
    # The gateway forwards the person's token on every call; agreements must ask for it.
    if not operation.get("security"):
        problems.append(f"{name}: agreements documents no bearer token for it")
    request = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if call.sends is None:
        # The client sends no body: agreements must not need one.
        if operation.get("requestBody", {}).get("required"):
            problems.append(f"{name}: agreements requires a body the client does not send")
    elif request is None:
        problems.append(f"{name}: agreements takes no JSON body")
    else:
        sends = call.sends.model_json_schema(mode="serialization", ref_template="#/$defs/{model}")
        problems += compare(
            f"{name} request",
            (Resolver(sends), sends),
            (theirs, request["schema"]),
            sending=True,
        )
    success = [r for code, r in operation.get("responses", {}).items() if code.startswith("2")]
    reads = call.reads.model_json_schema(mode="validation", ref_template="#/$defs/{model}")
    ours_read = Resolver(reads)
    answers = [r["content"]["application/json"]["schema"] for r in success if "content" in r]
    if not answers:
        problems.append(f"{name}: agreements documents no JSON answer")
    for answer in answers:
        problems += compare(f"{name} answer", (theirs, answer), (ours_read, reads), sending=False)
    return problems


@pytest.mark.parametrize("call", CALLS, ids=lambda c: f"{c.method} {c.path}")
def test_the_client_and_agreements_document_agree(call: Call[Any], document: Schema) -> None:
    assert problems_of(call, document) == []


def test_the_comparison_sees_a_renamed_field(document: Schema) -> None:
    """A check that could never fail would prove nothing: a field renamed on one side fails."""
    from pydantic import create_model

    from bridgework.graphql_gateway.read.clients import agreements as client

    drifted_request = create_model(
        "JoinRepairDrifted",
        __base__=client.Sent,
        actor=(client.Person, ...),
        person=(client.Person, ...),  # agreements calls it `participant`
        role=(str, ...),
    )
    drifted_answer = create_model(
        "RepairReadDrifted", __base__=client.Read, repair=(str, ...), status=(str, ...)
    )
    drifted = Call("POST", client.JOIN.path, drifted_request, drifted_answer)

    problems = problems_of(drifted, document)

    assert any(".person: not in agreements' request" in p for p in problems), problems
    # The actor is the token's subject: a client that still sends one fails here.
    assert any(".actor: not in agreements' request" in p for p in problems), problems
    assert any("participant: required by agreements" in p for p in problems), problems
    assert any(".repair: not in agreements' answer" in p for p in problems), problems


def test_the_comparison_sees_a_body_the_client_leaves_out(document: Schema) -> None:
    """A call sent without a body fails against an operation that requires one."""
    from bridgework.graphql_gateway.read.clients import agreements as client

    bodiless = Call("POST", client.ASSIGN.path, None, client.RepairRead)

    assert any("requires a body" in p for p in problems_of(bodiless, document))


async def test_the_client_forwards_the_persons_token_and_names_no_actor() -> None:
    """Agreements takes the actor from the token: every call carries it, no body names one."""
    import json
    from uuid import uuid4

    import httpx

    from bridgework.common.contracts import ParticipantRole
    from bridgework.graphql_gateway.read.clients import agreements as client

    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(403, json={"error": "not_the_facilitator", "detail": "no"})

    agreements = client.AgreementsClient(
        "http://agreements", timeout=1, transport=httpx.MockTransport(answer)
    )
    body = client.JoinRepair(
        participant=client.Person(person_id="p-fin-2", department="finance"),
        role=ParticipantRole.AFFECTED,
    )

    outcome = await agreements.call(client.JOIN, body, token="the.person.token", repair_id=uuid4())

    assert isinstance(outcome, client.Refused)
    (request,) = seen
    assert request.headers["Authorization"] == "Bearer the.person.token"
    assert "actor" not in json.loads(request.content)
