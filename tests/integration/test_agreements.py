"""Agreements against the real broker and database: IncidentReported in, RepairOpened out."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bridgework.agreements.app import create_app
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.contracts import RepairOpenedV1
from bridgework.common.events import Event, decode_headers, from_kafka
from tests.factories import T0, incident_reported
from tests.infra import Infrastructure, eventually, produce, read_topic, running

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(infra: Infrastructure, database_url: str, namespace: str) -> AgreementsSettings:
    return AgreementsSettings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=namespace,
        outbox_poll_seconds=0.2,
    )


@pytest.fixture
async def agreements(settings: AgreementsSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings)) as client:
        yield client


async def test_a_reported_incident_opens_a_repair_and_announces_it(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    incident = incident_reported()
    await produce(
        settings.kafka_bootstrap_servers,
        settings.topics.incidents,
        [Event.new(incident, source="/bridgework/intake", time=T0)],
    )

    async def repair_of_incident() -> httpx.Response | None:
        response = await agreements.get(f"/v1/incidents/{incident.incident_id}/repair")
        return response if response.status_code == 200 else None

    repair = (await eventually(repair_of_incident)).json()
    assert repair["incident_ids"] == [str(incident.incident_id)]
    assert repair["departments"] == ["finance", "it"]
    assert repair["status"] == "open"
    records = await read_topic(
        settings.kafka_bootstrap_servers, settings.topics.repairs, until=bool
    )
    opened = from_kafka(decode_headers(records[0].headers), records[0].value)
    assert isinstance(opened.data, RepairOpenedV1)
    assert str(opened.data.repair_id) == repair["repair_id"]
    assert records[0].key == repair["repair_id"].encode()


async def test_an_incident_heard_twice_opens_one_repair(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    incident = incident_reported()
    first = Event.new(incident, source="/bridgework/intake", time=T0)
    replayed_by_another_producer = Event.new(incident, source="/bridgework/intake", time=T0)
    await produce(
        settings.kafka_bootstrap_servers,
        settings.topics.incidents,
        [first, first, replayed_by_another_producer],
    )
    marker = incident_reported()
    await produce(
        settings.kafka_bootstrap_servers,
        settings.topics.incidents,
        [Event.new(marker, source="/bridgework/intake", time=T0)],
    )

    async def both_opened() -> bool:
        response = await agreements.get("/v1/repairs")
        incident_ids = {i for r in response.json() for i in r["incident_ids"]}
        return {str(incident.incident_id), str(marker.incident_id)} <= incident_ids

    await eventually(both_opened)
    repairs = (await agreements.get("/v1/repairs")).json()
    assert sorted(i for r in repairs for i in r["incident_ids"]) == sorted(
        [str(incident.incident_id), str(marker.incident_id)]
    )
    records = await read_topic(
        settings.kafka_bootstrap_servers,
        settings.topics.repairs,
        until=lambda r: len(r) >= 2,
        settle=1.0,
    )
    assert len(records) == 2


async def test_an_unknown_repair_is_a_404(agreements: httpx.AsyncClient) -> None:
    response = await agreements.get("/v1/repairs/00000000-0000-0000-0000-000000000000")

    assert response.status_code == 404
