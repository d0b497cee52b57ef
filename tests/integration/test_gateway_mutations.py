"""Facilitators' mutations through the gateway, forwarded to a real agreements app.

Agreements runs in-process on the same broker and database (its own schema); the gateway
reaches it over an ASGI transport instead of the network. The read model then hears of
each change through Kafka, as in production.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from bridgework.agreements.app import create_app as create_agreements_app
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.contracts import Contract
from bridgework.common.events import Event
from bridgework.graphql_gateway.app import create_app
from tests.factories import T0, incident_reported
from tests.gateway_factories import SECRET, bearer, gateway_settings, token
from tests.infra import Infrastructure, eventually, produce, running

pytestmark = pytest.mark.integration

FACILITATOR = token("p-hr-009", "facilitator", department="hr")
RESPONSIBLE = token("p-it-7", "participant", department="it")
AFFECTED = token("p-fin-2", "participant", department="finance")
ANOTHER_FACILITATOR = token("p-hr-010", "facilitator", department="hr")
CHANGE_TEAM = token("p-chg-001", "change_team")
FINANCE_LEAD = token("p-fin-lead", "department_lead", department="finance")
ESTATES_LEAD = token("p-est-lead", "department_lead", department="estates")
THE_FACILITATOR = {"personId": "p-hr-009", "department": "hr"}

RESULT = """
  __typename
  ... on RepairChanged { repairId closed responseMode agreementStatus agreementVersion }
  ... on ValidationFailed { fields { field reason } }
  ... on NotAllowed { code detail }
  ... on NotFound { code detail }
  ... on Conflict { code detail }
  ... on ServiceUnavailable { detail }
"""
JOIN = f"""mutation($repair: UUID!, $who: PersonInput!, $role: ParticipantRole!) {{
  joinRepair(repairId: $repair, participant: $who, role: $role) {{ {RESULT} }} }}"""
PROPOSE = f"""mutation($repair: UUID!, $commitments: [CommitmentInput!]!) {{
  proposeAgreement(repairId: $repair, commitments: $commitments) {{ {RESULT} }} }}"""
ANSWER = f"""mutation($repair: UUID!, $version: Int!) {{
  answerProposal(repairId: $repair, version: $version, decision: give) {{ {RESULT} }} }}"""
ASSIGN = f"""mutation($repair: UUID!, $who: PersonInput!) {{
  assignFacilitator(repairId: $repair, facilitator: $who) {{ {RESULT} }} }}"""
OFFER = f"""mutation($repair: UUID!) {{ offerToFacilitate(repairId: $repair) {{ {RESULT} }} }}"""
ANSWER_OFFER = f"""mutation($repair: UUID!, $person: String!, $decision: OfferDecision!) {{
  answerFacilitationOffer(repairId: $repair, personId: $person, decision: $decision) {{
    {RESULT} }} }}"""


@dataclass
class Services:
    gateway: httpx.AsyncClient
    repair_id: str

    async def run(self, as_token: str, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.gateway.post(
            "/graphql", json={"query": query, "variables": variables}, headers=bearer(as_token)
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = next(iter(body["data"].values()))
        return data


def commitment(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "owner": {"personId": "p-it-7", "department": "it"},
        "action": "Announce USB lock-downs a week ahead.",
        "dueAt": "2027-01-15T12:00:00+00:00",
        "owedToDepartments": ["finance"],
    }
    fields.update(overrides)
    return fields


@pytest.fixture
async def services(
    infra: Infrastructure, database_url: str, namespace: str
) -> AsyncIterator[Services]:
    common: dict[str, Any] = {
        "kafka_bootstrap_servers": infra.kafka,
        "database_url": database_url,
        "topic_namespace": namespace,
        "outbox_poll_seconds": 0.2,
    }
    # Agreements verifies the person's own token, forwarded by the gateway: the same secret.
    agreements_app = create_agreements_app(
        AgreementsSettings(**common, development_mode=True, jwt_hs256_secret=SECRET)
    )
    async with running(agreements_app) as agreements:
        agreements.headers.update(bearer(token("p-chg-001", "change_team")))
        transport = httpx.ASGITransport(app=agreements_app)
        async with running(
            create_app(gateway_settings(**common), agreements_transport=transport)
        ) as gateway:
            incident = incident_reported(reported_at=T0, occurred_at=T0)
            events: list[Event[Contract]] = [Event.new(incident, source="/tests", time=T0)]
            await produce(infra.kafka, f"{namespace}.incidents", events)

            async def opened() -> str | None:
                found = await agreements.get(f"/v1/incidents/{incident.incident_id}/repair")
                return str(found.json()["repair_id"]) if found.status_code == 200 else None

            yield Services(gateway=gateway, repair_id=await eventually(opened, timeout=30))


async def test_a_facilitator_brings_a_repair_to_agreement_through_graphql(
    services: Services,
) -> None:
    repair = services.repair_id
    assigned = await services.run(CHANGE_TEAM, ASSIGN, repair=repair, who=THE_FACILITATOR)
    assert assigned["__typename"] == "RepairChanged", assigned
    for who, role, as_token in (
        ({"personId": "p-it-7", "department": "it"}, "responsible", FACILITATOR),
        ({"personId": "p-fin-2", "department": "finance"}, "affected", FACILITATOR),
    ):
        joined = await services.run(as_token, JOIN, repair=repair, who=who, role=role)
        assert joined["__typename"] == "RepairChanged", joined

    proposed = await services.run(FACILITATOR, PROPOSE, repair=repair, commitments=[commitment()])
    assert proposed == {
        "__typename": "RepairChanged", "repairId": repair, "closed": False,
        "responseMode": None, "agreementStatus": "proposed", "agreementVersion": 1,
    }  # fmt: skip
    await services.run(RESPONSIBLE, ANSWER, repair=repair, version=1)
    agreed = await services.run(AFFECTED, ANSWER, repair=repair, version=1)
    assert (agreed["agreementStatus"], agreed["responseMode"]) == ("reached", "with")

    async def in_read_model() -> dict[str, Any] | None:
        body = await services.run(
            FACILITATOR,
            """query($id: UUID!) { repair(id: $id) { status responseMode
                participants { person { personId } role } commitments { action status } } }""",
            id=repair,
        )
        return body if body and body["status"] == "agreed" else None

    seen = await eventually(in_read_model, timeout=30)
    assert seen["responseMode"] == "with"
    assert {p["role"] for p in seen["participants"]} == {"facilitator", "responsible", "affected"}
    assert seen["commitments"] == [
        {"action": "Announce USB lock-downs a week ahead.", "status": "open"}
    ]


async def test_refusals_come_back_as_typed_errors(services: Services) -> None:
    repair = services.repair_id
    too_soon = await services.run(
        FACILITATOR, JOIN, repair=repair, who={"personId": "p-it-7", "department": "it"},
        role="responsible",
    )  # fmt: skip
    await services.run(CHANGE_TEAM, ASSIGN, repair=repair, who=THE_FACILITATOR)

    observer = await services.run(token(), PROPOSE, repair=repair, commitments=[commitment()])
    invalid = await services.run(
        FACILITATOR, PROPOSE, repair=repair, commitments=[commitment(owedToDepartments=[])]
    )
    missing = await services.run(
        FACILITATOR, PROPOSE, repair=str(uuid4()), commitments=[commitment()]
    )
    clash = await services.run(
        FACILITATOR, JOIN, repair=repair, who={"personId": "p-hr-009", "department": "hr"},
        role="supporter",
    )  # fmt: skip
    not_theirs = await services.run(
        ANOTHER_FACILITATOR, JOIN, repair=repair, who={"personId": "p-it-7", "department": "it"},
        role="responsible",
    )  # fmt: skip

    assert observer == {
        "__typename": "NotAllowed", "code": "role_required",
        "detail": "this needs the facilitator role",
    }  # fmt: skip
    assert invalid["__typename"] == "ValidationFailed"
    assert any("owed to at least one" in f["reason"] for f in invalid["fields"]), invalid
    assert missing["__typename"] == "NotFound"
    assert clash["__typename"] == "Conflict"
    assert clash["code"] == "already_participant"
    # Agreements' own rule about who adds people: a facilitator of this repair, once assigned.
    assert (too_soon["__typename"], too_soon["code"]) == (
        "NotAllowed",
        "facilitator_needs_assignment",
    )
    # A facilitated repair does not exist for a facilitator who takes no part in it.
    assert (not_theirs["__typename"], not_theirs["code"]) == ("NotFound", "unknown_repair")


async def test_a_facilitator_cannot_appoint_themselves_through_graphql(
    services: Services,
) -> None:
    repair = services.repair_id

    joined = await services.run(
        FACILITATOR, JOIN, repair=repair, who=THE_FACILITATOR, role="facilitator"
    )
    assigned = await services.run(FACILITATOR, ASSIGN, repair=repair, who=THE_FACILITATOR)

    assert (joined["__typename"], joined["code"]) == ("NotAllowed", "facilitator_needs_assignment")
    # Assigning is for the change team and the leads involved: refused before any call.
    assert (assigned["__typename"], assigned["code"]) == ("NotAllowed", "role_required")


async def test_the_change_team_or_an_involved_lead_assigns_through_graphql(
    services: Services,
) -> None:
    repair = services.repair_id
    other = {"personId": "p-hr-010", "department": "hr"}

    uninvolved = await services.run(ESTATES_LEAD, ASSIGN, repair=repair, who=THE_FACILITATOR)
    by_lead = await services.run(FINANCE_LEAD, ASSIGN, repair=repair, who=THE_FACILITATOR)
    by_change_team = await services.run(CHANGE_TEAM, ASSIGN, repair=repair, who=other)

    assert (uninvolved["__typename"], uninvolved["code"]) == ("NotFound", "unknown_repair")
    assert by_lead["__typename"] == "RepairChanged", by_lead
    assert by_change_team["__typename"] == "RepairChanged", by_change_team

    async def facilitators() -> set[str] | None:
        body = await services.run(
            FACILITATOR,
            """query($id: UUID!) { repair(id: $id) { participants { person { personId } role } } }""",
            id=repair,
        )
        found = {p["person"]["personId"] for p in (body or {}).get("participants") or []}
        return found if len(found) == 2 else None

    assert await eventually(facilitators, timeout=30) == {"p-hr-009", "p-hr-010"}


async def test_an_offer_waits_in_the_read_model_until_approved(services: Services) -> None:
    repair = services.repair_id
    offers_query = """query($id: UUID!) { repair(id: $id) {
        facilitationOffers { person { personId department } offeredAt } } }"""

    offered = await services.run(FACILITATOR, OFFER, repair=repair)
    assert offered["__typename"] == "RepairChanged", offered

    async def waiting() -> list[dict[str, Any]] | None:
        body = await services.run(CHANGE_TEAM, offers_query, id=repair)
        offers: list[dict[str, Any]] = (body or {}).get("facilitationOffers") or []
        return offers or None

    (offer,) = await eventually(waiting, timeout=30)
    assert offer["person"] == THE_FACILITATOR

    approved = await services.run(
        FINANCE_LEAD, ANSWER_OFFER, repair=repair, person="p-hr-009", decision="approve"
    )
    assert approved["__typename"] == "RepairChanged", approved

    async def answered() -> bool:
        body = await services.run(CHANGE_TEAM, offers_query, id=repair)
        return bool(body["facilitationOffers"] == [])

    assert await eventually(answered, timeout=30)
    # Now the facilitator of the repair, they add its people.
    added = await services.run(
        FACILITATOR, JOIN, repair=repair, who={"personId": "p-it-7", "department": "it"},
        role="responsible",
    )  # fmt: skip
    assert added["__typename"] == "RepairChanged", added


async def test_agreements_being_away_is_reported_not_hidden(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    nowhere = gateway_settings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=namespace,
        agreements_url="http://127.0.0.1:9",
        agreements_timeout_seconds=2,
    )
    async with running(create_app(nowhere)) as gateway:
        services = Services(gateway=gateway, repair_id=str(UUID(int=1)))
        result = await services.run(
            FACILITATOR, PROPOSE, repair=services.repair_id, commitments=[commitment()]
        )

    assert result["__typename"] == "ServiceUnavailable"
