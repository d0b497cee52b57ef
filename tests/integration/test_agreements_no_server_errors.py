"""Property: whatever schemathesis makes of agreements' own OpenAPI document, valid requests
and broken ones, the answer is never a 5xx.

Agreements runs in-process on the real database and broker with one repair seeded through
its whole agreement, so drawn path ids sometimes name a real repair, incident and
commitment; requests carry the change team's token, the assigned facilitator's, a
participant's, a wrong one or none.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest
import schemathesis
from hypothesis import strategies as st

from bridgework.agreements.app import create_app
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import ManualClock
from tests.agreements_factories import (
    CHANGE_TEAM,
    FACILITATOR,
    NOW,
    RESPONSIBLE,
    agreed_via_api,
    agreements_settings,
    by,
    repair_opened_for,
)
from tests.infra import Infrastructure, create_database, drop_database, running
from tests.schema_fuzz import Tweak, fuzz_running

pytestmark = [
    pytest.mark.integration,
    # schemathesis' own negative strategies draw from `random`: its matter, not this test's.
    pytest.mark.filterwarnings(
        "ignore:Do not use the `random` module:hypothesis.errors.HypothesisDeprecationWarning"
    ),
]

EXAMPLES = 10  # per operation and mode: agreements has some twenty operations


@pytest.fixture(scope="module")
async def settings(infra: Infrastructure) -> AsyncIterator[AgreementsSettings]:
    database_url = await create_database(infra)
    yield agreements_settings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=f"t{uuid4().hex[:10]}",
        outbox_poll_seconds=0.2,
    )
    await drop_database(infra, database_url)


async def seeded(client: httpx.AsyncClient, settings: AgreementsSettings) -> dict[str, str]:
    """A repair whose agreement is reached: the real ids a drawn path may name."""
    client.headers.update(by(CHANGE_TEAM, "change_team"))
    repair = await repair_opened_for(client, settings)
    view = await agreed_via_api(client, str(repair["repair_id"]))
    del client.headers["Authorization"]  # each drawn request says who it is, if anyone
    return {
        "repair_id": str(repair["repair_id"]),
        "incident_id": str(repair["incident_ids"][0]),
        "commitment_id": str(view["agreement"]["commitments"][0]["commitment_id"]),
        "person_id": FACILITATOR.person_id,
    }


async def test_no_request_made_from_agreements_openapi_document_answers_a_server_error(
    settings: AgreementsSettings,
) -> None:
    async with running(create_app(settings, ManualClock(NOW))) as agreements:
        real = await seeded(agreements, settings)
        document = (await agreements.get("/openapi.json")).json()
        credentials = st.sampled_from(
            [
                by(CHANGE_TEAM, "change_team")["Authorization"],
                by(FACILITATOR)["Authorization"],
                by(FACILITATOR)["Authorization"],
                by(RESPONSIBLE)["Authorization"],
                "Bearer not-a-token",
                "",
            ]
        )

        def tweaks(_: Any) -> st.SearchStrategy[Tweak]:
            return st.builds(
                lambda authorization, path: Tweak(
                    path=path, headers={"Authorization": authorization}
                ),
                credentials,
                st.sampled_from([real, real, {}]),
            )

        schema = schemathesis.openapi.from_dict(document)
        report = await fuzz_running(agreements, schema, examples=EXAMPLES, tweaks=tweaks)

    assert report.failures == []
    # Not vacuous: drawn requests found the seeded repair, and tokens were judged.
    assert 200 in report.answered("GET /v1/repairs/{repair_id}"), report.statuses
    assert 401 in report.answered("GET /v1/repairs/{repair_id}"), report.statuses
