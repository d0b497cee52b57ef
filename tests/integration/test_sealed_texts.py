"""Confidential texts sealed at the source (issue 11): what a person says in a repair is sent
to agreements in plain over its API, and from then on exists only as ciphertext: on the
repairs topic, in agreements' tables and in the gateway's read model. Agreements and the
gateway open it for the repair's people only; a destroyed key reads as null; a missing or
wrong key-encryption key stops a service at start.

Agreements and the gateway run in-process on the real broker and one database (each its own
schema, the key store in `privacy`), as in tests/integration/test_gateway_mutations.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from pydantic import SecretStr

from bridgework.agreements.app import create_app as create_agreements_app
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import ManualClock
from bridgework.common.contracts import PersonRef
from bridgework.common.key_store_start import key_store_from
from bridgework.common.privacy import PrivacyConfigError, new_kek_text
from bridgework.followup.app import create_app as create_followup_app
from bridgework.graphql_gateway.app import create_app as create_gateway_app
from tests.agreements_factories import (
    AFFECTED,
    FACILITATOR,
    NOW,
    RESPONSIBLE,
    agreements_settings,
    by,
    commitment_json,
    consent_all,
    join_all,
    person_json,
    post_ok,
    reading_as_the_change_team,
    repair_opened_for,
)
from tests.followup_factories import followup_settings
from tests.gateway_factories import bearer, gateway_settings, token
from tests.infra import Infrastructure, eventually, read_topic, running

pytestmark = pytest.mark.integration

# What the people say; none of it may be found anywhere but in the answers meant for them.
ANSWER = "I could not pay the suppliers for three days and nobody told me why."
ACTION = "Give Finance a week's notice before locking any device, in writing."
DECLINE_REASON = "A week is not enough when the month end falls inside it."
CONFIDENTIAL = (ANSWER, ACTION, DECLINE_REASON)

REPAIR_QUERY = """query($id: UUID!) { repair(id: $id) {
  commitments { action }
  consents { decision reason }
} }"""
CONVERSATION_QUERY = """query($id: UUID!) { repair(id: $id) {
  conversation { answers { question text } }
} }"""


@dataclass
class Running:
    agreements: httpx.AsyncClient
    gateway: httpx.AsyncClient
    settings: AgreementsSettings
    repair_id: str

    async def graphql(self, person: str, query: str) -> dict[str, Any]:
        response = await self.gateway.post(
            "/graphql",
            json={"query": query, "variables": {"id": self.repair_id}},
            headers=bearer(person),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def person_token(person: PersonRef) -> str:
    return token(person.person_id, "participant", department=person.department)


@pytest.fixture
async def running_pair(
    infra: Infrastructure, database_url: str, namespace: str
) -> AsyncIterator[Running]:
    where: dict[str, Any] = {
        "kafka_bootstrap_servers": infra.kafka,
        "database_url": database_url,
        "topic_namespace": namespace,
        "outbox_poll_seconds": 0.2,
    }
    settings = agreements_settings(**where)
    agreements_app = create_agreements_app(settings, ManualClock(NOW))
    async with running(agreements_app) as agreements:
        reading_as_the_change_team(agreements)
        async with running(create_gateway_app(gateway_settings(**where))) as gateway:
            repair = await repair_opened_for(agreements, settings)
            yield Running(agreements, gateway, settings, str(repair["repair_id"]))


async def a_repair_where_everyone_spoke(run: Running) -> None:
    """Answers, a declined first proposal and an agreement reached on the second, all sent in
    plain over agreements' API by the people themselves."""
    base = f"/v1/repairs/{run.repair_id}"
    await join_all(run.agreements, run.repair_id)
    await post_ok(
        run.agreements,
        f"{base}/conversation",
        {
            "participant": person_json(AFFECTED),
            "answers": [{"question": "impact_on_you_and_others", "text": ANSWER}],
        },
        actor=AFFECTED,
    )
    terms = {"commitments": [commitment_json(NOW + timedelta(days=30), action=ACTION)]}
    first = await post_ok(run.agreements, f"{base}/agreement", terms, actor=FACILITATOR)
    await post_ok(
        run.agreements,
        f"{base}/agreement/consents",
        {
            "version": first["agreement"]["pending"]["version"],
            "decision": "decline",
            "reason": DECLINE_REASON,
        },
        actor=RESPONSIBLE,
    )
    second = await post_ok(run.agreements, f"{base}/agreement", terms, actor=FACILITATOR)
    await consent_all(run.agreements, run.repair_id, second["agreement"]["pending"]["version"])


async def test_what_people_say_is_ciphertext_on_the_topic_and_in_every_table(
    running_pair: Running, database_url: str
) -> None:
    run = running_pair
    await a_repair_where_everyone_spoke(run)

    # Agreements opens the texts for the people who may read the repair, as before.
    view = (await run.agreements.get(f"/v1/repairs/{run.repair_id}", headers=by(AFFECTED))).json()
    assert view["agreement"]["commitments"][0]["action"] == ACTION
    conversation = await run.agreements.get(
        f"/v1/repairs/{run.repair_id}/conversation", headers=by(AFFECTED)
    )
    assert conversation.json()["records"][0]["answers"][0]["text"] == ANSWER

    # The read model has the agreement, so every fact went through the topic.
    async def folded() -> bool:
        body = await run.graphql(person_token(AFFECTED), REPAIR_QUERY)
        repair = body["data"]["repair"]
        return bool(repair and repair["commitments"])

    await eventually(folded)
    records = await read_topic(
        run.settings.kafka_bootstrap_servers,
        run.settings.topics.repairs,
        until=lambda found: any(b"agreement-reached" in dict(r.headers)["ce_type"] for r in found),
    )
    on_the_topic = b"".join(
        r.value + b"".join(value for _, value in r.headers) for r in records if r.value
    )
    assert b"ciphertext" in on_the_topic
    for text in CONFIDENTIAL:
        assert text.encode() not in on_the_topic, text

    at_rest = await every_value_outside_the_key_store(database_url)
    assert any(b"ciphertext" in value for value in at_rest)
    for text in CONFIDENTIAL:
        assert not [v for v in at_rest if text.encode() in v], text


async def every_value_outside_the_key_store(database_url: str) -> list[bytes]:
    """Every value of every table of every schema but `privacy`, as bytes."""
    connection = await asyncpg.connect(database_url)
    try:
        tables = await connection.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_type = 'BASE TABLE'"
            "   AND table_schema NOT IN ('privacy', 'pg_catalog', 'information_schema')"
        )
        values: list[bytes] = []
        for table in tables:
            rows = await connection.fetch(
                f'SELECT * FROM "{table["table_schema"]}"."{table["table_name"]}"'
            )
            for row in rows:
                values += [v if isinstance(v, bytes) else str(v).encode() for v in row.values()]
        return values
    finally:
        await connection.close()


async def test_the_gateway_opens_texts_for_the_repairs_people_only_and_never_once_erased(
    running_pair: Running, database_url: str
) -> None:
    run = running_pair
    await a_repair_where_everyone_spoke(run)

    async def answers_folded() -> dict[str, Any] | None:
        body = await run.graphql(person_token(AFFECTED), REPAIR_QUERY)
        repair = body["data"]["repair"]
        return repair if repair and repair["commitments"] and repair["consents"] else None

    participant_view = await eventually(answers_folded)
    assert participant_view["commitments"] == [{"action": ACTION}]
    assert {"decision": "declined", "reason": DECLINE_REASON} in participant_view["consents"]
    heard = await run.graphql(person_token(AFFECTED), CONVERSATION_QUERY)
    assert heard["data"]["repair"]["conversation"][0]["answers"] == [
        {"question": "impact_on_you_and_others", "text": ANSWER}
    ]

    # The change team sees the repair and its commitments, not what people said.
    change_team = await run.graphql(token("p-chg-001", "change_team"), REPAIR_QUERY)
    seen = change_team["data"]["repair"]
    assert seen["commitments"] == [{"action": None}]
    assert all(consent["reason"] is None for consent in seen["consents"])

    # Erasing the affected destroys their keys: their answer reads as null everywhere, the
    # responsible's commitment (sealed with the responsible's key) stays readable.
    store = key_store_from(run.settings)
    connection = await asyncpg.connect(database_url)
    try:
        assert await store.destroy_person(connection, AFFECTED.person_id) == 1
    finally:
        await connection.close()
    forgotten = await run.graphql(person_token(AFFECTED), CONVERSATION_QUERY)
    assert "errors" not in forgotten, forgotten
    assert forgotten["data"]["repair"]["conversation"][0]["answers"][0]["text"] is None
    still = await run.graphql(person_token(RESPONSIBLE), REPAIR_QUERY)
    assert still["data"]["repair"]["commitments"] == [{"action": ACTION}]
    conversation = await run.agreements.get(
        f"/v1/repairs/{run.repair_id}/conversation", headers=by(FACILITATOR)
    )
    assert conversation.status_code == 200
    assert conversation.json()["records"][0]["answers"][0]["text"] is None


@pytest.mark.parametrize("service", ["agreements", "followup", "gateway"])
async def test_a_wrong_key_encryption_key_stops_a_service_at_start(
    infra: Infrastructure, database_url: str, namespace: str, service: str
) -> None:
    where: dict[str, Any] = {
        "kafka_bootstrap_servers": infra.kafka,
        "database_url": database_url,
        "topic_namespace": namespace,
    }
    # Agreements starts first with the KEK that wraps the keys (its canary is stored).
    async with running(create_agreements_app(agreements_settings(**where))):
        pass
    wrong = SecretStr(new_kek_text())
    with pytest.raises(PrivacyConfigError, match="BRIDGEWORK_PRIVACY_KEK does not open"):
        async with running(app_of(service, infra, where, wrong)):
            pass
    with pytest.raises(PrivacyConfigError, match="BRIDGEWORK_PRIVACY_KEK is not set"):
        async with running(app_of(service, infra, where, None)):
            pass


def app_of(
    service: str, infra: Infrastructure, where: dict[str, Any], kek: SecretStr | None
) -> Any:
    if service == "agreements":
        return create_agreements_app(agreements_settings(**where, privacy_kek=kek))
    if service == "gateway":
        return create_gateway_app(gateway_settings(**where, privacy_kek=kek))
    return create_followup_app(
        followup_settings(infra, where["database_url"], where["topic_namespace"], privacy_kek=kek)
    )
