"""Erasure, export and retention in agreements (docs/privacy.md), through its HTTP API and
use cases, against the real broker and database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import httpx
import pytest

from bridgework.agreements.app import create_app
from bridgework.agreements.settings import AgreementsSettings
from bridgework.agreements.use_cases.privacy import expire_closed_repairs
from bridgework.common.clock import ManualClock
from bridgework.common.contracts import IncidentUpdatedV1, PersonErasedV1
from bridgework.common.contracts.privacy import is_tombstone, person_digest
from bridgework.common.events import decode_headers, from_kafka
from bridgework.common.key_store_start import key_store_from
from bridgework.common.postgres import create_pool
from tests.agreements_factories import (
    AFFECTED,
    FACILITATOR,
    NOW,
    RESPONSIBLE,
    agreements_settings,
    by,
    join_all,
    person_json,
    post_ok,
    publish,
    reading_as_the_change_team,
    repair_opened_for,
)
from tests.factories import incident_reported
from tests.infra import Infrastructure, eventually, read_topic, running

pytestmark = pytest.mark.integration

OFFICER = "p-dpo-1"
PAYROLL = "Missing the payroll deadline."


def officer() -> dict[str, str]:
    return by(OFFICER, "privacy_officer")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def settings(infra: Infrastructure, database_url: str, namespace: str) -> AgreementsSettings:
    return agreements_settings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=namespace,
        outbox_poll_seconds=0.2,
        retention_period=timedelta(days=30),
        retention_poll_seconds=3600,
    )


@pytest.fixture
async def agreements(
    settings: AgreementsSettings, clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings, clock)) as client:
        yield reading_as_the_change_team(client)


async def heard(client: httpx.AsyncClient, settings: AgreementsSettings) -> str:
    """A repair whose responsible and affected answered the restorative questions."""
    repair = await repair_opened_for(client, settings)
    repair_id: str = repair["repair_id"]
    await join_all(client, repair_id)
    for person, question, text in (
        (RESPONSIBLE, "what_happened", "We locked USB ports on every laptop."),
        (AFFECTED, "hardest_thing", PAYROLL),
    ):
        await post_ok(
            client,
            f"/v1/repairs/{repair_id}/conversation",
            {"participant": person_json(person), "answers": [{"question": question, "text": text}]},
            actor=FACILITATOR,
        )
    return repair_id


async def rows_naming(database_url: str, person_id: str) -> list[str]:
    """Every agreements table whose rows hold the id anywhere (in any column)."""
    connection = await asyncpg.connect(database_url)
    try:
        tables = await connection.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'agreements' AND table_type = 'BASE TABLE'"
        )
        found = []
        for row in tables:
            name = row["table_name"]
            hits = await connection.fetchval(
                f"SELECT count(*) FROM agreements.{name} t WHERE strpos(row_to_json(t)::text, $1) > 0",
                person_id,
            )
            if hits:
                found.append(name)
        return found
    finally:
        await connection.close()


async def fetch(database_url: str, query: str, *args: object) -> object:
    connection = await asyncpg.connect(database_url)
    try:
        return await connection.fetchval(query, *args)
    finally:
        await connection.close()


async def keys_of(database_url: str, person_id: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        count: int = await connection.fetchval(
            "SELECT count(*) FROM privacy.data_keys WHERE person_id = $1", person_id
        )
        return count
    finally:
        await connection.close()


async def test_the_privacy_officer_exports_a_persons_answers_opened(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await heard(agreements, settings)

    response = await agreements.get(f"/v1/privacy/people/{AFFECTED.person_id}", headers=officer())

    assert response.status_code == 200, response.text
    export = response.json()
    assert [r["repair_id"] for r in export["repairs"]] == [repair_id]
    assert export["repairs"][0]["roles"] == ["affected"]
    answers = [c["answers"] for c in export["conversations"]]
    assert PAYROLL in str(answers)
    assert "We locked USB ports" not in str(export), "the responsible's words are theirs"
    refused = await agreements.get(
        f"/v1/privacy/people/{AFFECTED.person_id}", headers=by("p-chg-001", "change_team")
    )
    assert (refused.status_code, refused.json()["error"]) == (403, "role_required")


async def test_erasure_destroys_keys_tombstones_the_id_and_announces_it(
    agreements: httpx.AsyncClient, settings: AgreementsSettings, database_url: str
) -> None:
    repair_id = await heard(agreements, settings)
    assert await keys_of(database_url, AFFECTED.person_id) >= 1
    body = {"person_id": AFFECTED.person_id}

    refused = await agreements.post(
        "/v1/privacy/erasures", json=body, headers=by("p-chg-001", "change_team")
    )
    first = await agreements.post("/v1/privacy/erasures", json=body, headers=officer())
    again = await agreements.post("/v1/privacy/erasures", json=body, headers=officer())

    assert (refused.status_code, refused.json()["error"]) == (403, "role_required")
    assert first.status_code == 200, first.text
    erased = first.json()
    assert erased["status"] == "erased"
    assert erased["keys_destroyed"] >= 1
    assert erased["repairs_rewritten"] == 1
    assert is_tombstone(erased["tombstone"])
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "already_erased"
    assert again.json()["tombstone"] == erased["tombstone"]
    assert await keys_of(database_url, AFFECTED.person_id) == 0
    assert await rows_naming(database_url, AFFECTED.person_id) == []
    assert await keys_of(database_url, RESPONSIBLE.person_id) >= 1, "only the person's keys"

    # The repair keeps its structure; the person is their tombstone, their words gone.
    view = (await agreements.get(f"/v1/repairs/{repair_id}")).json()
    people = {p["person_id"]: p["role"] for p in view["participants"]}
    assert people == {
        FACILITATOR.person_id: "facilitator",
        RESPONSIBLE.person_id: "responsible",
        erased["tombstone"]: "affected",
    }
    conversation = (
        await agreements.get(f"/v1/repairs/{repair_id}/conversation", headers=by(FACILITATOR))
    ).json()
    assert PAYROLL not in str(conversation)
    assert "We locked USB ports" in str(conversation)
    # Intake keeps the id and sends the incident's whole facts again on an update.
    incident_id = view["incident_ids"][0]
    reported = incident_reported(incident_id=incident_id).model_dump()
    update = IncidentUpdatedV1(**reported, revision=2, updated_at=NOW, changed_fields=["summary"])
    await publish(settings, settings.topics.incidents, update)

    async def updated() -> bool:
        revision = await fetch(
            settings.database_url,
            "SELECT revision FROM agreements.incidents WHERE incident_id = $1::uuid",
            incident_id,
        )
        return bool(revision == 2)

    await eventually(updated)
    assert await rows_naming(database_url, AFFECTED.person_id) == []
    gone = await agreements.get(f"/v1/privacy/people/{AFFECTED.person_id}", headers=officer())
    assert (gone.status_code, gone.json()["error"]) == (404, "nothing_held")

    records = await read_topic(
        settings.kafka_bootstrap_servers,
        settings.topics.privacy,
        until=lambda r: len(r) >= 1,
        settle=1.0,
    )
    assert len(records) == 1, "the second request announced nothing"
    event = from_kafka(decode_headers(records[0].headers), records[0].value)
    assert isinstance(event.data, PersonErasedV1)
    assert event.data.person_digest == person_digest(AFFECTED.person_id)
    assert event.data.tombstone == erased["tombstone"]
    assert records[0].key == person_digest(AFFECTED.person_id).encode()
    assert AFFECTED.person_id.encode() not in records[0].value


async def test_erasing_someone_unknown_says_nothing_is_held(agreements: httpx.AsyncClient) -> None:
    unknown = await agreements.post(
        "/v1/privacy/erasures", json={"person_id": "p-nobody-1"}, headers=officer()
    )
    tombstone = await agreements.post(
        "/v1/privacy/erasures", json={"person_id": "erased-0123456789ab"}, headers=officer()
    )
    malformed = await agreements.post(
        "/v1/privacy/erasures", json={"person_id": "jane.doe@example.org"}, headers=officer()
    )

    assert (unknown.status_code, unknown.json()["error"]) == (404, "nothing_held")
    assert tombstone.status_code == 422, tombstone.text
    assert malformed.status_code == 422, malformed.text
    assert "person_id" in malformed.text


async def close(client: httpx.AsyncClient, repair_id: str) -> None:
    await post_ok(
        client,
        f"/v1/repairs/{repair_id}/close",
        {"outcome": "unrepaired", "reason_code": "no_agreement", "reason": "Nobody came back."},
        actor=FACILITATOR,
    )


async def repair_keys(database_url: str, repair_id: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        count: int = await connection.fetchval(
            "SELECT count(*) FROM privacy.data_keys WHERE repair_id = $1::uuid", repair_id
        )
        return count
    finally:
        await connection.close()


async def test_retention_destroys_the_keys_of_repairs_closed_longer_ago_than_the_period(
    agreements: httpx.AsyncClient,
    settings: AgreementsSettings,
    clock: ManualClock,
    database_url: str,
) -> None:
    older = await heard(agreements, settings)
    await close(agreements, older)
    clock.advance(timedelta(days=20))
    younger = await heard(agreements, settings)
    await close(agreements, younger)
    clock.advance(timedelta(days=15))  # older closed 35 days ago, younger 15: period 30 days
    keys = key_store_from(settings)
    pool = await create_pool(database_url, schema=settings.db_schema, max_size=2)
    try:
        expired = await expire_closed_repairs(pool=pool, clock=clock, settings=settings, keys=keys)
        again = await expire_closed_repairs(pool=pool, clock=clock, settings=settings, keys=keys)
    finally:
        await pool.close()

    assert [str(e.repair_id) for e in expired] == [older]
    assert expired[0].keys_destroyed >= 2
    assert again == [], "each repair expires once"
    assert await repair_keys(database_url, older) == 0
    assert await repair_keys(database_url, younger) >= 2
    conversation = (
        await agreements.get(f"/v1/repairs/{older}/conversation", headers=by(FACILITATOR))
    ).json()
    assert PAYROLL not in str(conversation)
    kept = (
        await agreements.get(f"/v1/repairs/{younger}/conversation", headers=by(FACILITATOR))
    ).json()
    assert PAYROLL in str(kept)
