"""Intake against the real broker and database: HTTP in, IncidentReported out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID

import httpx
import pytest

from bridgework.common.events import decode_headers, from_kafka
from bridgework.intake.app import create_app
from bridgework.intake.settings import IntakeSettings
from tests.factories import submission_json
from tests.infra import Infrastructure, header, read_topic, running

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(infra: Infrastructure, database_url: str, namespace: str) -> IntakeSettings:
    return IntakeSettings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=namespace,
        outbox_poll_seconds=0.2,
    )


@pytest.fixture
async def intake(settings: IntakeSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings)) as client:
        yield client


async def test_an_accepted_incident_is_published_as_incident_reported(
    intake: httpx.AsyncClient, settings: IntakeSettings
) -> None:
    response = await intake.post("/v1/incidents", json=submission_json(summary="Locked out of SAP"))

    assert response.status_code == 202, response.text
    incident_id = UUID(response.json()["incident_id"])
    records = await read_topic(
        settings.kafka_bootstrap_servers, settings.topics.incidents, until=bool, settle=0.5
    )
    assert len(records) == 1
    event = from_kafka(decode_headers(records[0].headers), records[0].value)
    assert event.type == "bridgework.incident.reported.v1"
    assert event.subject == str(incident_id)
    assert records[0].key == str(incident_id).encode()
    assert header(records[0], "ce_source") == "/bridgework/intake"
    assert event.data.summary == "Locked out of SAP"  # type: ignore[attr-defined]


async def test_the_same_source_reference_twice_is_one_incident(
    intake: httpx.AsyncClient, settings: IntakeSettings
) -> None:
    body = submission_json()
    first = await intake.post("/v1/incidents", json=body)
    again = await intake.post("/v1/incidents", json=body)
    other = await intake.post("/v1/incidents", json=submission_json())

    assert (first.status_code, again.status_code, other.status_code) == (202, 200, 202)
    assert again.json() == {"incident_id": first.json()["incident_id"], "status": "duplicate"}
    records = await read_topic(
        settings.kafka_bootstrap_servers,
        settings.topics.incidents,
        until=lambda r: len(r) >= 2,
        settle=1.0,
    )
    subjects = sorted(header(r, "ce_subject") or "" for r in records)
    assert subjects == sorted([first.json()["incident_id"], other.json()["incident_id"]])


async def test_an_invalid_submission_names_every_failing_field(intake: httpx.AsyncClient) -> None:
    body = submission_json(severity="catastrophic", occurred_at="yesterday")
    del body["summary"]

    response = await intake.post("/v1/incidents", json=body)

    assert response.status_code == 422
    problem = response.json()
    assert problem["error"] == "validation_failed"
    assert sorted(f["field"] for f in problem["fields"]) == ["occurred_at", "severity", "summary"]
    assert all(f["reason"] for f in problem["fields"])


async def test_a_body_that_is_not_json_is_a_client_error(intake: httpx.AsyncClient) -> None:
    response = await intake.post(
        "/v1/incidents", content=b"{oops", headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["error"] == "validation_failed"


async def test_intake_is_ready_when_its_database_and_broker_answer(
    intake: httpx.AsyncClient,
) -> None:
    response = await intake.get("/health/ready")

    assert response.status_code == 200
    assert response.json()["checks"] == {"postgres": "ok", "kafka": "ok"}
