"""Agreements verifies the person's own token and takes the actor from it: the findings of the
"Trust" issue, reproduced against the real broker and database.

The service here checks issuer and audience, as it must outside development mode.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from bridgework.agreements.app import create_app
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import ManualClock
from bridgework.common.identity import development_token
from tests.agreements_factories import (
    AFFECTED,
    CHANGE_TEAM,
    FACILITATOR,
    NOW,
    SECRET,
    agreements_settings,
    person_json,
    repair_opened_for,
)
from tests.infra import Infrastructure, create_database, drop_database, running

pytestmark = pytest.mark.integration

ISSUER = "https://id.bridgework.test"
AUDIENCE = "bridgework"
OUTSIDER = {"person_id": "p-x-9", "department": "estates"}
_PROVIDER = ec.generate_private_key(ec.SECP256R1())
_PROVIDER_PEM = (
    _PROVIDER.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


def bearer(
    person: dict[str, str] | str, *roles: str, issuer: str = ISSUER, audience: str = AUDIENCE
) -> dict[str, str]:
    """A development token for this module's issuer and audience (or others)."""
    sub, department = (person, None) if isinstance(person, str) else person.values()
    raw = development_token(
        SECRET,
        sub=sub,
        roles=list(roles) or ["participant"],
        department=department,
        issuer=issuer,
        audience=audience,
    )
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture(scope="module")
async def settings(infra: Infrastructure) -> AsyncIterator[AgreementsSettings]:
    database_url = await create_database(infra)
    yield agreements_settings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=f"t{uuid4().hex[:10]}",
        outbox_poll_seconds=0.2,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        jwt_rs256_public_key=_PROVIDER_PEM,
    )
    await drop_database(infra, database_url)


@pytest.fixture(scope="module")
async def agreements(settings: AgreementsSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings, ManualClock(NOW))) as client:
        client.headers.update(bearer(CHANGE_TEAM, "change_team"))
        yield client


async def facilitated_repair(agreements: httpx.AsyncClient, settings: AgreementsSettings) -> str:
    """A repair its facilitator has taken, with the affected in it."""
    repair: dict[str, Any] = await repair_opened_for(agreements, settings)
    repair_id = str(repair["repair_id"])
    assigned = await agreements.post(
        f"/v1/repairs/{repair_id}/facilitators",
        json={"facilitator": person_json(FACILITATOR)},
        headers=bearer(CHANGE_TEAM, "change_team"),
    )
    assert assigned.status_code == 201, assigned.text
    response = await agreements.post(
        f"/v1/repairs/{repair_id}/participants",
        json={"participant": person_json(AFFECTED), "role": "affected"},
        headers=bearer(person_json(FACILITATOR), "facilitator"),
    )
    assert response.is_success, response.text
    return repair_id


async def test_reading_a_conversation_with_only_an_actor_header_is_refused(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await facilitated_repair(agreements, settings)
    recorded = await agreements.post(
        f"/v1/repairs/{repair_id}/conversation",
        json={
            "participant": person_json(AFFECTED),
            "answers": [{"question": "hardest_thing", "text": "Nobody asked us first."}],
        },
        headers=bearer(person_json(AFFECTED)),
    )
    assert recorded.status_code == 201, recorded.text

    response = await agreements.get(
        f"/v1/repairs/{repair_id}/conversation",
        headers={"Authorization": "", "X-Bridgework-Actor": FACILITATOR.person_id},
    )

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"] == "unauthenticated"
    assert "Nobody asked" not in response.text


async def test_an_outsider_cannot_add_themselves_as_a_participant(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await facilitated_repair(agreements, settings)
    path = f"/v1/repairs/{repair_id}/participants"
    themselves = {"participant": OUTSIDER, "role": "affected"}

    # Their own valid token, even with the facilitator role: not a facilitator of this repair,
    # which, facilitated already, does not exist for them.
    own_token = await agreements.post(
        path, json=themselves, headers=bearer(OUTSIDER, "facilitator")
    )
    # Naming the facilitator as actor in the body is no longer a field at all.
    naming_the_facilitator = await agreements.post(
        path,
        json={**themselves, "actor": person_json(FACILITATOR)},
        headers=bearer(OUTSIDER, "facilitator"),
    )
    # The facilitator's id as a header, without a token, proves nothing.
    header_only = await agreements.post(
        path,
        json=themselves,
        headers={"Authorization": "", "X-Bridgework-Actor": FACILITATOR.person_id},
    )
    seen = (await agreements.get(f"/v1/repairs/{repair_id}")).json()

    assert own_token.status_code == 404
    assert own_token.json()["error"] == "unknown_repair"
    assert naming_the_facilitator.status_code == 422
    assert header_only.status_code == 401
    assert OUTSIDER["person_id"] not in {p["person_id"] for p in seen["participants"]}


async def test_a_token_from_another_issuer_or_audience_is_refused(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await facilitated_repair(agreements, settings)
    path = f"/v1/repairs/{repair_id}"
    provider_token = jwt.encode(
        {
            "sub": CHANGE_TEAM,
            "roles": ["change_team"],
            "iss": ISSUER,
            "aud": AUDIENCE,
            **_now_claims(),
        },
        _PROVIDER,
        algorithm="ES256",
    )

    other_issuer = await agreements.get(
        path, headers=bearer(CHANGE_TEAM, "change_team", issuer="https://evil.example")
    )
    other_audience = await agreements.get(
        path, headers=bearer(CHANGE_TEAM, "change_team", audience="another-app")
    )
    by_the_provider = await agreements.get(
        path, headers={"Authorization": f"Bearer {provider_token}"}
    )

    assert other_issuer.status_code == 401
    assert "another issuer" in other_issuer.json()["detail"]
    assert other_audience.status_code == 401
    assert "another audience" in other_audience.json()["detail"]
    assert by_the_provider.status_code == 200, by_the_provider.text


async def test_a_token_that_lives_longer_than_allowed_is_refused(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await facilitated_repair(agreements, settings)
    thirteen_hours = development_token(
        SECRET,
        sub=CHANGE_TEAM,
        roles=["change_team"],
        lifetime_seconds=13 * 3600,
        issuer=ISSUER,
        audience=AUDIENCE,
    )

    response = await agreements.get(
        f"/v1/repairs/{repair_id}", headers={"Authorization": f"Bearer {thirteen_hours}"}
    )

    assert response.status_code == 401
    assert "longer than the 43200 seconds allowed" in response.json()["detail"]


async def test_a_person_who_takes_no_part_reads_no_repair(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await facilitated_repair(agreements, settings)

    outsider = await agreements.get(f"/v1/repairs/{repair_id}", headers=bearer(OUTSIDER))
    affected = await agreements.get(
        f"/v1/repairs/{repair_id}", headers=bearer(person_json(AFFECTED))
    )
    listing = await agreements.get("/v1/repairs", headers=bearer(OUTSIDER, "facilitator"))

    assert outsider.status_code == 404
    assert affected.status_code == 200
    assert listing.status_code == 403


def _now_claims() -> dict[str, int]:
    """Tokens are checked by the wall clock (not the service's manual clock)."""
    now = int(time.time())
    return {"iat": now, "exp": now + 600}
