"""A planned change's engagement through the gateway: the calls agree with agreements' OpenAPI
document, every mutation forwards the person's own token and a body naming no actor, answers
with the engagement or exactly why not, and the page is offered only the actions that fit.

Agreements is a mock transport here (no infrastructure); the browser test
(tests/e2e/test_change_pages_browser.py) runs the real one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

from bridgework.common.clock import ManualClock
from bridgework.graphql_gateway.read.clients.agreements import AgreementsClient
from bridgework.graphql_gateway.read.clients.agreements_changes import CHANGE_CALLS
from bridgework.graphql_gateway.read.domain.change_engagement import (
    EngagementFacts,
    Taking,
    engagement_actions,
)
from bridgework.graphql_gateway.read.domain.viewer import Role, Viewer
from bridgework.graphql_gateway.read.entrypoints.graphql.context import Context
from bridgework.graphql_gateway.read.entrypoints.graphql.schema import build_schema
from bridgework.graphql_gateway.settings import GatewaySettings
from tests.unit.test_gateway_agreements_contract import Schema, problems_of

NOW = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
CHANGE = uuid4()
FINANCE_REP = Viewer("p-fin-2", "finance", frozenset({Role.DEPARTMENT_LEAD}), "fin.token")


@pytest.fixture(scope="module")
def document() -> Schema:
    from bridgework.agreements.app import create_app
    from bridgework.agreements.settings import AgreementsSettings

    spec: Schema = create_app(AgreementsSettings()).openapi()
    return spec


@pytest.mark.parametrize("call", CHANGE_CALLS, ids=lambda c: f"{c.method} {c.path}")
def test_the_change_calls_and_agreements_document_agree(call: Any, document: Schema) -> None:
    assert problems_of(call, document) == []


def change_view(**overrides: Any) -> dict[str, Any]:
    """A change as agreements' GET /v1/changes/{id} shows it."""
    view: dict[str, Any] = {
        "change_id": str(CHANGE),
        "title": "MFA on the payroll portal",
        "kind": "control",
        "owner": {"person_id": "p-it-7", "department": "it"},
        "affected_departments": ["finance", "hr"],
        "planned_go_live": (NOW + timedelta(days=20)).isoformat(),
        "live": False,
        "went_live_at": None,
        "response_mode": None,
        "people": [
            {
                "person": {"person_id": "p-fin-2", "department": "finance"},
                "role": "representative",
                "joined_at": NOW.isoformat(),
            }
        ],
        "departments": [
            {
                "department": "finance",
                "told_at": NOW.isoformat(),
                "representatives": ["p-fin-2"],
                "answered": True,
                "word": "objected",
                "reason": "Month end falls on go-live.",
            },
            {
                "department": "hr",
                "told_at": NOW.isoformat(),
                "representatives": [],
                "answered": False,
                "word": None,
                "reason": None,
            },
        ],
        "current_proposal": {
            "version": 1,
            "proposed_by": {"person_id": "p-it-7", "department": "it"},
            "proposed_at": NOW.isoformat(),
            "adjustments": [],
        },
        "agreed_version": None,
    }
    view.update(overrides)
    return view


Handler = Callable[[httpx.Request], httpx.Response]


async def run(query: str, answer: Handler, viewer: Viewer = FINANCE_REP) -> dict[str, Any]:
    agreements = AgreementsClient(
        "http://agreements", timeout=1, transport=httpx.MockTransport(answer)
    )
    settings = GatewaySettings()
    context = Context(
        pool=None,  # type: ignore[arg-type]  # nothing here reads the read model
        settings=settings,
        clock=ManualClock(NOW),
        changes=None,  # type: ignore[arg-type]
        agreements=agreements,
        keys=None,  # type: ignore[arg-type]
        signed_in=viewer,
    )
    result = await build_schema(settings).execute(query, context_value=context)
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


async def test_an_objection_is_forwarded_with_the_persons_token_and_no_actor() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json=change_view())

    data = await run(
        f"""mutation {{ answerChangeProposal(changeId: "{CHANGE}", department: "finance",
        version: 1, decision: object, reason: "Month end falls on go-live.") {{
          __typename ... on ChangeEngagement {{ yourActions
            departments {{ department word reason }} }} }} }}""",
        answer,
    )

    [request] = seen
    assert request.method == "POST"
    assert request.url.path == f"/v1/changes/{CHANGE}/consents"
    assert request.headers["authorization"] == "Bearer fin.token"
    assert json.loads(request.content) == {
        "department": "finance",
        "version": 1,
        "decision": "object",
        "reason": "Month end falls on go-live.",
    }
    changed = data["answerChangeProposal"]
    assert changed["__typename"] == "ChangeEngagement"
    assert changed["departments"][0] == {
        "department": "finance",
        "word": "objected",
        "reason": "Month end falls on go-live.",
    }
    assert changed["yourActions"] == ["answer_questions", "propose", "answer_proposal"]


@pytest.mark.parametrize(
    ("status", "body", "typename"),
    [
        (
            422,
            {"error": "validation_failed", "detail": "no", "fields": [
                {"field": "department", "reason": "the change does not affect hr"}]},
            "ValidationFailed",
        ),
        (403, {"error": "not_a_representative", "detail": "not yours"}, "NotAllowed"),
        (404, {"error": "unknown_change", "detail": "no such change"}, "NotFound"),
        (409, {"error": "stale_version", "detail": "version 2 is current"}, "Conflict"),
        (503, {"error": "unavailable", "detail": "down"}, "ServiceUnavailable"),
    ],
)  # fmt: skip
async def test_a_refusal_is_answered_as_the_repairs_mutations_answer_it(
    status: int, body: dict[str, Any], typename: str
) -> None:
    data = await run(
        f"""mutation {{ joinChange(changeId: "{CHANGE}", role: representative) {{ __typename
          ... on ValidationFailed {{ fields {{ field reason }} }} }} }}""",
        lambda _: httpx.Response(status, json=body),
    )
    assert data["joinChange"]["__typename"] == typename
    if typename == "ValidationFailed":
        assert data["joinChange"]["fields"] == [
            {"field": "department", "reason": "the change does not affect hr"}
        ]


async def test_joining_names_the_viewer_themselves_unless_someone_is_named() -> None:
    bodies: list[Any] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(201, json=change_view())

    await run(f'mutation {{ joinChange(changeId: "{CHANGE}", role: representative) '
              "{ __typename } }", answer)  # fmt: skip
    assert bodies == [
        {"participant": {"person_id": "p-fin-2", "department": "finance"}, "role": "representative"}
    ]


async def test_a_viewer_with_no_role_is_refused_without_a_call() -> None:
    nobody = Viewer("p-x-1", "finance", frozenset(), "x.token")
    data = await run(
        f"""mutation {{ keepAdjustment(changeId: "{CHANGE}", commitmentId: "{uuid4()}") {{
          __typename ... on NotAllowed {{ code }} }} }}""",
        lambda _: pytest.fail("agreements was called"),
        viewer=nobody,
    )
    assert data["keepAdjustment"] == {"__typename": "NotAllowed", "code": "role_required"}


async def test_the_answers_show_to_the_people_taking_part_only() -> None:
    answers = [
        {
            "representative": {"person_id": "p-fin-2", "department": "finance"},
            "answers": [{"question": "what_worries_you", "text": "Month end."}],
            "answered_at": NOW.isoformat(),
        }
    ]

    def taking_part(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/answers"):
            return httpx.Response(200, json=answers)
        return httpx.Response(200, json=change_view())

    def not_taking_part(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/answers"):
            return httpx.Response(403, json={"error": "not_engaged", "detail": "no"})
        return httpx.Response(200, json=change_view())

    query = f"""{{ changeEngagement(id: "{CHANGE}") {{ ... on ChangeEngagement {{ title
      answers {{ representative {{ personId }} answers {{ question text }} }} }} }} }}"""
    mine = (await run(query, taking_part))["changeEngagement"]
    theirs = (await run(query, not_taking_part))["changeEngagement"]

    assert mine["answers"] == [
        {
            "representative": {"personId": "p-fin-2"},
            "answers": [{"question": "what_worries_you", "text": "Month end."}],
        }
    ]
    assert theirs == {"title": "MFA on the payroll portal", "answers": None}


def facts(**overrides: Any) -> EngagementFacts:
    values: dict[str, Any] = {
        "live": False,
        "owner_department": "it",
        "affected_departments": ("finance", "hr"),
        "people": (),
        "proposal_version": None,
        "agreed_version": None,
        "adjustments_open": 0,
    }
    values.update(overrides)
    return EngagementFacts(**values)


def test_the_actions_offered_follow_who_takes_part_and_the_proposal() -> None:
    hr_lead = Viewer("p-hr-3", "hr", frozenset({Role.DEPARTMENT_LEAD}), "t")
    owner = Viewer("p-it-7", "it", frozenset({Role.PARTICIPANT}), "t")
    rep = Taking("p-hr-3", "hr", "representative")
    owning = Taking("p-it-7", "it", "owner")

    assert engagement_actions(hr_lead, facts()) == ["join_as_representative"]
    assert engagement_actions(owner, facts()) == ["join_as_owner"]
    assert engagement_actions(hr_lead, facts(people=(rep,))) == ["answer_questions", "propose"]
    assert engagement_actions(owner, facts(people=(owning,), proposal_version=1)) == ["propose"]
    agreed = facts(people=(rep, owning), proposal_version=2, agreed_version=2, adjustments_open=1)
    assert engagement_actions(owner, agreed) == ["propose", "keep_adjustment"]
    # Live: nothing of the engagement changes, but an agreed adjustment may still be kept.
    assert engagement_actions(hr_lead, facts(live=True, people=(rep,))) == []
    assert engagement_actions(owner, replace(agreed, live=True)) == ["keep_adjustment"]
