"""The people's workspace through GraphQL: the facilitation queue, my work, a repair's story,
on the hand-made organisation of tests/gateway_factories.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bridgework.common.clock import ManualClock
from bridgework.graphql_gateway.app import create_app
from tests.gateway_factories import bearer, organisation, token
from tests.gateway_read_model import fold_into
from tests.infra import Infrastructure, running
from tests.integration.test_gateway_access import Gateway, settings_for

pytestmark = pytest.mark.integration

QUEUE = "{ facilitationQueue { id departments incidentCount pendingOffers offeredByYou } }"
STORY = """query($id: UUID!) { repairStory(id: $id) {
  yourRoles actions next { waitingFor onDepartments dueAt on { personId } }
  proposals { version pending awaiting { personId } commitments { action } }
  pendingProposal { version }
  facilitationOffers { person { personId } decision } repair { id } } }"""
MY_WORK = """{ myWork { repairs { repair { id } next { waitingFor } }
  commitments { id status } awaitingYourConsent { repairId version } } }"""


@pytest.fixture
async def gateway(
    infra: Infrastructure, database_url: str, namespace: str
) -> AsyncIterator[Gateway]:
    org = organisation()
    settings = settings_for(infra, database_url, namespace)
    async with running(create_app(settings, clock=ManualClock(org.now))) as client:
        await fold_into(database_url, org.events())
        yield Gateway(client=client, org=org)


async def ask(gateway: Gateway, as_token: str, query: str, **variables: Any) -> Any:
    response = await gateway.client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=bearer(as_token)
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_any_facilitator_sees_the_repairs_nobody_facilitates_yet(gateway: Gateway) -> None:
    d = gateway.org.d
    body = await ask(gateway, token("p-hr-077", "facilitator", department="hr"), QUEUE)

    queue = body["data"]["facilitationQueue"]
    # B and D have no facilitator joined (A and E do; C was closed).
    waiting = {entry["id"]: entry for entry in queue}
    assert str(d.repair_id) in waiting
    assert str(gateway.org.a.repair_id) not in waiting
    assert str(gateway.org.e.repair_id) not in waiting
    assert waiting[str(d.repair_id)] == {
        "id": str(d.repair_id),
        "departments": ["estates", "it"],
        "incidentCount": 1,
        "pendingOffers": 1,
        "offeredByYou": True,
    }


async def test_a_lead_sees_the_queue_of_their_departments_and_a_participant_none(
    gateway: Gateway,
) -> None:
    lead = await ask(gateway, token("p-est-lead", "department_lead", department="estates"), QUEUE)
    assert [e["id"] for e in lead["data"]["facilitationQueue"]] == [str(gateway.org.d.repair_id)]

    participant = await ask(gateway, token("p-it-001", "participant", department="it"), QUEUE)
    assert participant["data"] is None
    assert participant["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_repair_story_shows_the_pending_proposal_and_who_has_yet_to_consent(
    gateway: Gateway,
) -> None:
    e = gateway.org.e
    facilitator = token(e.facilitator.person_id, "facilitator", department="hr")

    story = (await ask(gateway, facilitator, STORY, id=str(e.repair_id)))["data"]["repairStory"]

    assert story["yourRoles"] == ["facilitator"]
    assert story["pendingProposal"] == {"version": 1}
    [proposal] = story["proposals"]
    assert proposal["pending"] is True
    # Terms were put to the people named, but only the facilitator has joined yet.
    assert story["next"]["waitingFor"] == "participants"
    assert story["next"]["on"] == [{"personId": e.facilitator.person_id}]
    # The responsible consented; the affected declined, so their consent is still awaited.
    assert {p["personId"] for p in proposal["awaiting"]} == {e.affected.person_id}
    assert "propose_agreement" in story["actions"]
    assert "invite_participant" in story["actions"]
    assert story["facilitationOffers"] == [
        {"person": {"personId": e.facilitator.person_id}, "decision": "approved"}
    ]


async def test_a_repair_story_hides_its_people_from_the_change_team(gateway: Gateway) -> None:
    e = gateway.org.e
    story = (await ask(gateway, token(), STORY, id=str(e.repair_id)))["data"]["repairStory"]

    assert story["yourRoles"] == []
    assert story["proposals"][0]["commitments"] is None
    assert story["proposals"][0]["awaiting"] is None
    assert story["next"]["on"] is None
    assert "assign_facilitator" in story["actions"]
    assert "propose_agreement" not in story["actions"]


async def test_a_repair_story_is_null_for_whoever_may_not_see_it(gateway: Gateway) -> None:
    outsider = token("p-mkt-099", "participant", department="marketing")
    body = await ask(gateway, outsider, STORY, id=str(gateway.org.a.repair_id))

    assert body["data"]["repairStory"] is None


async def test_my_work_orders_my_repairs_by_next_step_and_lists_my_commitments(
    gateway: Gateway,
) -> None:
    org = gateway.org
    responsible = token(org.a.responsible.person_id, "participant", department="it")

    work = (await ask(gateway, responsible, MY_WORK))["data"]["myWork"]

    steps = [(r["repair"]["id"], r["next"]["waitingFor"]) for r in work["repairs"]]
    # B waits for its lapsed commitment to be renegotiated; A is closed, so last.
    assert steps == [(str(org.b.repair_id), "renegotiation"), (str(org.a.repair_id), "nothing")]
    assert [c["status"] for c in work["commitments"]] == ["lapsed", "kept", "kept"]
    assert work["awaitingYourConsent"] == []
