"""HTTP in, GraphQL out, through all four services running as processes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.system import SERVICES, System
from tests.factories import submission_json
from tests.gateway_factories import SECRET, bearer, token
from tests.infra import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", autouse=True)
def gateway_secret() -> Iterator[None]:
    """The gateway and agreements verify people's tokens with this secret (set before the
    system starts)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BRIDGEWORK_JWT_HS256_SECRET", SECRET)
        yield


REPAIR_OF_INCIDENT = """
{ repairs(first: 50) { edges { node { id status departments incidents { id summary } } } } }
"""


async def test_every_service_is_live_and_ready(system: System) -> None:
    async with httpx.AsyncClient() as client:
        for name in SERVICES:
            live = await client.get(f"{system.url(name)}/health/live")
            ready = await client.get(f"{system.url(name)}/health/ready")
            assert live.status_code == 200, name
            assert ready.json()["status"] == "ready", (name, ready.text)


async def test_an_incident_posted_to_intake_becomes_a_queryable_repair(system: System) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        posted = await client.post(
            f"{system.url('intake')}/v1/incidents",
            json=submission_json(summary="Finance lost access to the shared drive"),
            headers={"authorization": f"Bearer {system.intake_token('it')}"},
        )
        assert posted.status_code == 202, posted.text
        incident_id = posted.json()["incident_id"]

        async def repair_in_graphql() -> dict[str, Any] | None:
            response = await client.post(
                f"{system.url('graphql_gateway')}/graphql",
                json={"query": REPAIR_OF_INCIDENT},
                headers=bearer(token()),
            )
            for edge in response.json()["data"]["repairs"]["edges"]:
                if any(i["id"] == incident_id for i in edge["node"]["incidents"]):
                    node: dict[str, Any] = edge["node"]
                    return node
            return None

        repair = await eventually(repair_in_graphql, timeout=30)
        assert repair["status"] == "open"
        assert repair["departments"] == ["finance", "it"]
        assert repair["incidents"] == [
            {"id": incident_id, "summary": "Finance lost access to the shared drive"}
        ]

        async def followed() -> bool:
            response = await client.get(f"{system.url('followup')}/v1/repairs/{repair['id']}")
            return response.status_code == 200

        assert await eventually(followed, timeout=30)
        # Agreements reads only for a verified person: the change team reads every repair.
        owned = await client.get(
            f"{system.url('agreements')}/v1/incidents/{incident_id}/repair",
            headers=bearer(token()),
        )
        assert owned.json()["repair_id"] == repair["id"]
