"""CloudEvents over HTTP and over the raw Kafka topic, against the real broker and database."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from bridgework.common.clock import SystemClock
from bridgework.common.contracts import IncidentReportedV1
from bridgework.common.postgres import create_pool
from bridgework.common.topics import dead_letter_topic
from bridgework.intake.app import create_app
from bridgework.intake.settings import IntakeSettings
from bridgework.intake.use_cases import credentials
from tests.infra import (
    Infrastructure,
    create_database,
    drop_database,
    eventually,
    header,
    produce,
    read_topic,
    running,
)
from tests.intake_factories import (
    RunningIntake,
    bearer,
    binary_kafka_headers,
    encode,
    incident_data,
    running_intake,
    structured_cloudevent,
)

pytestmark = pytest.mark.integration
STRUCTURED = {"content-type": "application/cloudevents+json"}


@pytest.fixture(scope="module")
async def intake(infra: Infrastructure) -> AsyncIterator[RunningIntake]:
    async with running_intake(infra) as running:
        yield running


@pytest.fixture(scope="module")
async def it_token(intake: RunningIntake) -> str:
    return await intake.token("it")


def binary_http_headers(token: str, event_id: str | None = None) -> dict[str, str]:
    return {
        "ce-specversion": "1.0",
        "ce-id": event_id or str(uuid4()),
        "ce-source": "/it/monitoring",
        "ce-type": "bridgework.intake.incident.v1",
        "content-type": "application/json",
        **bearer(token),
    }


async def incident_ids_published(intake: RunningIntake, count: int, **match: Any) -> list[Any]:
    """Events on the incidents topic whose data matches `match`, once there are `count`."""

    def matching(records: list[Any]) -> list[Any]:
        found = []
        for record in records:
            data = json.loads(record.value)
            if all(data.get(k) == v for k, v in match.items()):
                found.append(data)
        return found

    records = await read_topic(
        intake.settings.kafka_bootstrap_servers,
        intake.settings.topics.incidents,
        until=lambda records: len(matching(records)) >= count,
        settle=1.0,
    )
    return matching(records)


async def dead_letters(intake: RunningIntake, count: int) -> list[Any]:
    return await read_topic(
        intake.settings.kafka_bootstrap_servers,
        dead_letter_topic(intake.settings.topics.intake_raw),
        until=lambda records: len(records) >= count,
        settle=1.0,
    )


# HTTP


async def test_a_structured_cloudevent_over_http_becomes_an_incident(
    intake: RunningIntake, it_token: str
) -> None:
    event = structured_cloudevent(incident_data(summary="Print jobs lost in failover"))

    response = await intake.client.post(
        "/v1/cloudevents", content=encode(event), headers={**STRUCTURED, **bearer(it_token)}
    )

    assert response.status_code == 202, response.text
    [published] = await intake.events_of(response.json()["incident_id"])
    assert isinstance(published.data, IncidentReportedV1)
    assert published.data.summary == "Print jobs lost in failover"


async def test_a_binary_cloudevent_over_http_and_its_retry_are_one_incident(
    intake: RunningIntake, it_token: str
) -> None:
    headers = binary_http_headers(it_token)
    body = encode(incident_data())

    first = await intake.client.post("/v1/cloudevents", content=body, headers=headers)
    retry = await intake.client.post("/v1/cloudevents", content=body, headers=headers)

    assert first.status_code == 202, first.text
    assert retry.json() == {"incident_id": first.json()["incident_id"], "status": "duplicate"}


async def test_the_token_may_travel_in_the_extension_attribute_over_http(
    intake: RunningIntake, it_token: str
) -> None:
    event = structured_cloudevent(incident_data(), token=it_token)

    accepted = await intake.client.post(
        "/v1/cloudevents", content=encode(event), headers=STRUCTURED
    )
    anonymous = await intake.client.post(
        "/v1/cloudevents",
        content=encode(structured_cloudevent(incident_data())),
        headers=STRUCTURED,
    )

    assert (accepted.status_code, anonymous.status_code) == (202, 401)


async def test_a_cloudevents_batch_is_accepted_in_one_go(
    intake: RunningIntake, it_token: str
) -> None:
    events = [structured_cloudevent(incident_data()) for _ in range(3)]

    response = await intake.client.post(
        "/v1/cloudevents",
        content=encode(events),
        headers={"content-type": "application/cloudevents-batch+json", **bearer(it_token)},
    )

    assert response.status_code == 200, response.text
    assert response.json()["counts"]["accepted"] == 3


async def test_an_invalid_cloudevent_over_http_names_attributes_and_data_fields(
    intake: RunningIntake, it_token: str
) -> None:
    event = structured_cloudevent(incident_data(severity="dire"), type="com.example.v1")
    del event["source"]

    response = await intake.client.post(
        "/v1/cloudevents", content=encode(event), headers={**STRUCTURED, **bearer(it_token)}
    )

    assert response.status_code == 422
    assert sorted(f["field"] for f in response.json()["fields"]) == [
        "data.severity",
        "source",
        "type",
    ]


async def test_a_request_that_is_no_cloudevent_at_all_is_unsupported(
    intake: RunningIntake, it_token: str
) -> None:
    response = await intake.client.post(
        "/v1/cloudevents", json=incident_data(), headers=bearer(it_token)
    )

    assert response.status_code == 415
    assert "ce-* headers" in response.json()["detail"]


async def test_a_cloudevent_for_another_department_is_forbidden(
    intake: RunningIntake, it_token: str
) -> None:
    event = structured_cloudevent(incident_data(department="hr"))

    response = await intake.client.post(
        "/v1/cloudevents", content=encode(event), headers={**STRUCTURED, **bearer(it_token)}
    )

    assert response.status_code == 403


# Kafka


async def test_binary_and_structured_events_on_the_raw_topic_become_one_incident_each(
    intake: RunningIntake, it_token: str
) -> None:
    binary = incident_data(summary="Raw binary incident")
    structured = structured_cloudevent(
        incident_data(summary="Raw structured incident"), token=it_token
    )
    binary_headers = binary_kafka_headers(token=it_token)
    await produce(
        intake.settings.kafka_bootstrap_servers,
        intake.settings.topics.intake_raw,
        [],
        extra=[
            (b"k1", encode(binary), binary_headers),
            # A producer's retry: the same event id again.
            (b"k1", encode(binary), binary_headers),
            (b"k2", encode(structured), [("content-type", b"application/cloudevents+json")]),
        ],
    )

    published_binary = await incident_ids_published(intake, 1, summary="Raw binary incident")
    published_structured = await incident_ids_published(
        intake, 1, summary="Raw structured incident"
    )

    assert len(published_binary) == 1
    assert len(published_structured) == 1
    assert published_binary[0]["department"] == "it"


async def test_bad_raw_records_are_dead_lettered_with_the_reason_and_consumption_goes_on(
    intake: RunningIntake, it_token: str
) -> None:
    revoked_or_unknown = "bwi_" + "A" * 43
    marker = f"after the bad ones {uuid4()}"
    await produce(
        intake.settings.kafka_bootstrap_servers,
        intake.settings.topics.intake_raw,
        [],
        extra=[
            (b"a", b"not json at all", [("ce_specversion", b"1.0")]),
            (b"b", b"{}", []),
            (b"c", encode(incident_data(severity="dire")), binary_kafka_headers(token=it_token)),
            (b"d", encode(incident_data()), binary_kafka_headers(token=revoked_or_unknown)),
            (b"e", encode(incident_data(department="hr")), binary_kafka_headers(token=it_token)),
            (b"f", encode(incident_data()), binary_kafka_headers()),
            (b"g", encode(incident_data(summary=marker)), binary_kafka_headers(token=it_token)),
        ],
    )

    letters = await dead_letters(intake, 6)
    assert len(await incident_ids_published(intake, 1, summary=marker)) == 1

    by_key = {record.key: record for record in letters}
    reasons = {key: header(record, "bridgework_dlq_reason") for key, record in by_key.items()}
    assert reasons == {
        b"a": "invalid_event",
        b"b": "invalid_event",
        b"c": "invalid_event",
        b"d": "unauthenticated",
        b"e": "forbidden",
        b"f": "unauthenticated",
    }
    assert "data.severity" in (header(by_key[b"c"], "bridgework_dlq_error") or "")
    assert header(by_key[b"c"], "bridgework_dlq_topic") == intake.settings.topics.intake_raw
    assert json.loads(by_key[b"c"].value)["severity"] == "dire", "the original body is kept"
    # Nothing a producer authenticated with survives in the dead letters.
    for record in letters:
        assert it_token not in (header(record, "ce_bridgeworktoken") or "")
        assert it_token.encode() not in record.value
        assert revoked_or_unknown.encode() not in record.value
    assert header(by_key[b"d"], "ce_bridgeworktoken") == "[redacted]"


async def test_a_structured_dead_letter_keeps_the_event_but_not_the_token(
    intake: RunningIntake, it_token: str
) -> None:
    event = structured_cloudevent(incident_data(department="legal"), token=it_token)
    before = len(await dead_letters(intake, 0))

    await produce(
        intake.settings.kafka_bootstrap_servers,
        intake.settings.topics.intake_raw,
        [],
        extra=[(b"s", encode(event), [("content-type", b"application/cloudevents+json")])],
    )

    letters = await dead_letters(intake, before + 1)
    [letter] = [r for r in letters if r.key == b"s"]
    kept = json.loads(letter.value)
    assert header(letter, "bridgework_dlq_reason") == "forbidden"
    assert kept["bridgeworktoken"] == "[redacted]"
    assert kept["data"] == event["data"]


async def test_a_restarted_intake_takes_up_the_raw_topic_where_it_left_off(
    infra: Infrastructure,
) -> None:
    database_url = await create_database(infra)
    settings = IntakeSettings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=f"t{uuid4().hex[:10]}",
        outbox_poll_seconds=0.2,
    )
    first, second = (
        incident_data(summary=f"before restart {uuid4()}"),
        incident_data(summary=f"after restart {uuid4()}"),
    )
    try:
        async with running(create_app(settings)):
            token = await admin_token(settings)
            await produce(
                settings.kafka_bootstrap_servers,
                settings.topics.intake_raw,
                [],
                extra=[(b"1", encode(first), binary_kafka_headers(token=token))],
            )
            await published_summaries(settings, {first["summary"]})
            await eventually(lambda: committed_offsets(settings), timeout=10)
            assert sum((await committed_offsets(settings)).values()) == 1
        async with running(create_app(settings)):
            await produce(
                settings.kafka_bootstrap_servers,
                settings.topics.intake_raw,
                [],
                extra=[(b"2", encode(second), binary_kafka_headers(token=token))],
            )
            summaries = await published_summaries(settings, {second["summary"]}, settle=1.5)
    finally:
        await drop_database(infra, database_url)

    assert sorted(summaries) == sorted([first["summary"], second["summary"]])


async def committed_offsets(settings: IntakeSettings) -> dict[Any, int]:
    """What intake's consumer group has committed on the raw topic."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(f"{settings.topic_namespace}.intake")
    finally:
        await admin.close()
    return {
        partition: meta.offset
        for partition, meta in offsets.items()
        if partition.topic == settings.topics.intake_raw and meta.offset > 0
    }


async def admin_token(settings: IntakeSettings) -> str:
    pool = await create_pool(settings.database_url, schema=settings.db_schema, max_size=2)
    try:
        _, token = await credentials.create_token(
            pool=pool, clock=SystemClock(), department="it", label="restart"
        )
    finally:
        await pool.close()
    return token


async def published_summaries(
    settings: IntakeSettings, wanted: set[str], *, settle: float = 0.0
) -> list[str]:
    records = await read_topic(
        settings.kafka_bootstrap_servers,
        settings.topics.incidents,
        until=lambda records: wanted <= {json.loads(r.value)["summary"] for r in records},
        settle=settle,
    )
    # One summary per event id: the outbox may publish an event again (at least once), and
    # consumers de-duplicate by event id, so distinct events are what count.
    return list({header(r, "ce_id"): json.loads(r.value)["summary"] for r in records}.values())
