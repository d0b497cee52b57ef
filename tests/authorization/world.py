"""The organisation the matrix runs against: agreements, follow-up and the gateway on one
database and one topic namespace, seeded once through their own APIs and topics.

Repair A involves finance (and IT) and has its facilitator, responsible and affected, and an
agreement in force; B (IT and estates) has another facilitator and participant; C (IT and
finance) has no facilitator yet. Spare repairs, opened with them, become fresh copies of A
or C for cases whose request would change the seed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
from fastapi import FastAPI

from bridgework.agreements.app import create_app as create_agreements
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import ManualClock
from bridgework.common.contracts import Contract, IncidentReportedV1, PersonRef
from bridgework.common.events import Event
from bridgework.followup.app import create_app as create_followup
from bridgework.followup.domain.check_in_links import CheckInClaim, sign
from bridgework.followup.settings import FollowupSettings
from bridgework.graphql_gateway.app import create_app as create_gateway
from bridgework.graphql_gateway.settings import GatewaySettings
from tests.authorization.change_seeding import seed_change
from tests.authorization.matrix import Credential, Target
from tests.authorization.people import (
    ADMIN_TOKEN,
    AFFECTED,
    FACILITATOR,
    OTHER_AFFECTED,
    OTHER_FACILITATOR,
    OTHER_RESPONSIBLE,
    RESPONSIBLE,
    SECRET,
    UNASSIGNED_FACILITATOR,
    bearer,
    person_of,
    token_for,
    token_of,
)
from tests.authorization.seeding import asked_check_in, fold_followup_news
from tests.factories import incident_reported
from tests.infra import Infrastructure, eventually, produce, running

NOW = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
SPARES = 8
CHANGE_TEAM = bearer(token_of(Credential.CHANGE_TEAM))
CHECK_IN_SECRET = "matrix-check-in-secret"
FORGED_LINK = sign(CheckInClaim(uuid4(), NOW + timedelta(days=30)), b"not-follow-up-s-secret")


def shared(kafka: str, database_url: str, namespace: str) -> dict[str, Any]:
    """Settings every service of the world shares; development mode takes HS256 tokens."""
    return {
        "development_mode": True,
        "jwt_hs256_secret": SECRET,
        "kafka_bootstrap_servers": kafka,
        "database_url": database_url,
        "topic_namespace": namespace,
        "outbox_poll_seconds": 0.1,
        "rate_limit_per_minute": 0,  # the matrix sends hundreds of requests per token
    }


def agreements_settings(**common: Any) -> AgreementsSettings:
    return AgreementsSettings(**common)


def followup_settings(**common: Any) -> FollowupSettings:
    # The admin token closes development's open door; time travel serves the clock routes.
    return FollowupSettings(
        **common,
        admin_token=ADMIN_TOKEN,
        time_travel=True,
        check_in_secret=CHECK_IN_SECRET,
        public_base_url="https://followup.example.org",
    )


def gateway_settings(**common: Any) -> GatewaySettings:
    return GatewaySettings(**common, subscription_min_interval_seconds=0.05)


@dataclass
class World:
    """The running services and the seeded repairs (see the module's docstring)."""

    agreements: httpx.AsyncClient
    followup: httpx.AsyncClient
    gateway: httpx.AsyncClient
    gateway_app: FastAPI
    a: Target
    c: Target
    spares: list[tuple[UUID, UUID]] = field(default_factory=list)
    check_in_link: str = ""

    def target(self, credential: Credential) -> Target:
        """The repair a credential acts on: C for the unassigned facilitator, else A. Only the
        check-in link's holder has the genuine link; the others try one we did not sign."""
        base = self.c if credential is Credential.UNASSIGNED_FACILITATOR else self.a
        link = self.check_in_link if credential is Credential.CHECK_IN_LINK else FORGED_LINK
        return replace(base, actor=person_of(credential), check_in_link=link)

    async def fresh(self, credential: Credential) -> Target:
        """A new repair shaped like the credential's target, for a case that changes it."""
        assert self.spares, "every spare repair is used: raise SPARES in world.py"
        repair_id, incident_id = self.spares.pop()
        base = replace(self.target(credential), repair_id=repair_id, incident_id=incident_id)
        if not base.has_facilitator:
            return base
        return replace(base, commitment_id=await facilitated(self.agreements, repair_id))


def _person(person: PersonRef) -> dict[str, str]:
    return {"person_id": person.person_id, "department": person.department}


async def _post(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    response = await client.post(path, json=body, headers=headers)
    assert response.is_success, f"seeding {path}: {response.status_code} {response.text}"
    answer: dict[str, Any] = response.json()
    return answer


async def assign(client: httpx.AsyncClient, repair_id: UUID, facilitator: PersonRef) -> None:
    """The change team assigns the facilitator."""
    body = {"facilitator": _person(facilitator)}
    await _post(client, f"/v1/repairs/{repair_id}/facilitators", body, CHANGE_TEAM)


async def add_people(
    client: httpx.AsyncClient, repair_id: UUID, facilitator: PersonRef, *people: PersonRef
) -> None:
    """The facilitator adds the responsible, then the affected."""
    as_facilitator = bearer(token_for(facilitator, "facilitator"))
    for person, role in zip(people, ("responsible", "affected"), strict=True):
        body = {"participant": _person(person), "role": role}
        await _post(client, f"/v1/repairs/{repair_id}/participants", body, as_facilitator)


async def facilitated(client: httpx.AsyncClient, repair_id: UUID) -> UUID:
    """Repair A's story on a repair: facilitator, responsible, affected, an agreement in
    force. Returns its commitment's id."""
    path = f"/v1/repairs/{repair_id}"
    await assign(client, repair_id, FACILITATOR)
    await add_people(client, repair_id, FACILITATOR, RESPONSIBLE, AFFECTED)
    commitment = {
        "owner": _person(RESPONSIBLE),
        "owed_to": [_person(AFFECTED)],
        "owed_to_departments": ["finance"],
        "action": "Give finance a week's notice before any change to device access.",
        "due_at": (NOW + timedelta(days=30)).isoformat(),
    }
    as_facilitator = bearer(token_for(FACILITATOR, "facilitator"))
    view = await _post(client, f"{path}/agreement", {"commitments": [commitment]}, as_facilitator)
    consent = {"version": view["agreement"]["pending"]["version"], "decision": "give"}
    for person in (RESPONSIBLE, AFFECTED):
        token = token_for(person, "participant")
        view = await _post(client, f"{path}/agreement/consents", consent, bearer(token))
    return UUID(view["agreement"]["commitments"][0]["commitment_id"])


async def opened(
    client: httpx.AsyncClient, kafka: str, namespace: str, incidents: list[IncidentReportedV1]
) -> list[UUID]:
    """Report the incidents on Kafka, as intake does; the repairs agreements opened."""
    events: list[Event[Contract]] = [
        Event.new(incident, source="/bridgework/intake", time=NOW) for incident in incidents
    ]
    await produce(kafka, f"{namespace}.incidents", events)

    async def repair_of(incident: IncidentReportedV1) -> UUID | None:
        found = await client.get(
            f"/v1/incidents/{incident.incident_id}/repair", headers=CHANGE_TEAM
        )
        return UUID(found.json()["repair_id"]) if found.status_code == 200 else None

    async def all_opened() -> list[UUID] | None:
        found = [await repair_of(incident) for incident in incidents]
        return None if None in found else [r for r in found if r is not None]

    repairs: list[UUID] = await eventually(all_opened, timeout=60)
    return repairs


async def _seen(client: httpx.AsyncClient, path: str, person: PersonRef, role: str) -> bool:
    response = await client.get(path, headers=bearer(token_for(person, role)))
    return response.status_code == 200


async def _in_read_model(gateway: httpx.AsyncClient, a: UUID, c: UUID) -> bool:
    query = """query($a: UUID!, $c: UUID!) { a: repair(id: $a) { participants { role }
      commitments { status } } c: repair(id: $c) { id } }"""
    response = await gateway.post(
        "/graphql",
        json={"query": query, "variables": {"a": str(a), "c": str(c)}},
        headers=bearer(token_for(FACILITATOR, "facilitator")),
    )
    seen = (response.json().get("data") or {}).get("a")
    return bool(seen and len(seen["participants"]) == 3 and seen["commitments"])


@asynccontextmanager
async def open_world(
    infra: Infrastructure, database_url: str, namespace: str
) -> AsyncIterator[World]:
    """Start the three services and seed repairs A, B, C and the spares."""
    common = shared(infra.kafka, database_url, namespace)
    agreements_app = create_agreements(agreements_settings(**common), ManualClock(NOW))
    followup_app = create_followup(followup_settings(**common), ManualClock(NOW))
    transport = httpx.ASGITransport(app=agreements_app)
    gateway_app = create_gateway(
        gateway_settings(**common), ManualClock(NOW), agreements_transport=transport
    )
    async with (
        running(agreements_app) as agreements,
        running(followup_app) as followup,
        running(gateway_app) as gateway,
    ):
        world = await _seed(agreements, followup, gateway, gateway_app, infra.kafka, namespace)
        await fold_followup_news(
            gateway_app.state.runtime.pool,
            repair_id=world.a.repair_id,
            commitment_id=world.a.commitment_id,
            person=AFFECTED,
            at=NOW,
        )
        world.check_in_link = await asked_check_in(
            followup_app.state.runtime.pool,
            repair_id=world.a.repair_id,
            person=AFFECTED,
            at=NOW,
            secret=CHECK_IN_SECRET,
        )
        yield world


async def _seed(
    agreements: httpx.AsyncClient,
    followup: httpx.AsyncClient,
    gateway: httpx.AsyncClient,
    gateway_app: FastAPI,
    kafka: str,
    namespace: str,
) -> World:
    like_a = {
        "responsible": [RESPONSIBLE],
        "affected_people": [AFFECTED],
        "affected_departments": ["finance"],
    }
    incidents = [incident_reported(**like_a) for _ in range(2 + SPARES)]
    incidents.insert(
        1,
        incident_reported(
            responsible=[OTHER_RESPONSIBLE],
            affected_people=[OTHER_AFFECTED],
            affected_departments=["estates"],
        ),
    )
    a, b, c, *spares = await opened(agreements, kafka, namespace, incidents)
    await seed_change(agreements, kafka, namespace)
    # An offer made while A had no facilitator stays pending: the answering rows' subject.
    as_offerer = bearer(token_for(UNASSIGNED_FACILITATOR, "facilitator"))
    await _post(agreements, f"/v1/repairs/{a}/facilitation-offers", {}, as_offerer)
    commitment_id = await facilitated(agreements, a)
    await assign(agreements, b, OTHER_FACILITATOR)
    await add_people(agreements, b, OTHER_FACILITATOR, OTHER_RESPONSIBLE, OTHER_AFFECTED)

    async def followed() -> bool:
        path = f"/v1/repairs/{a}"
        return await _seen(followup, path, AFFECTED, "participant") and await _seen(
            followup, path, FACILITATOR, "facilitator"
        )

    await eventually(followed, timeout=60)
    await eventually(lambda: _in_read_model(gateway, a, c), timeout=60)
    target_a = Target(a, incidents[0].incident_id, commitment_id, AFFECTED)
    target_c = Target(c, incidents[2].incident_id, uuid4(), AFFECTED, has_facilitator=False)
    spare_ids = [(r, i.incident_id) for r, i in zip(spares, incidents[3:], strict=True)]
    return World(agreements, followup, gateway, gateway_app, target_a, target_c, spare_ids)
