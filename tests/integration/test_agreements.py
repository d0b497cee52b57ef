"""Agreements against the real broker and database: incidents in, repairs opened (and linked
back to earlier ones about the same matter) out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import httpx
import pytest

from bridgework.agreements.app import create_app
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.contracts import IncidentCategory, IncidentUpdatedV1, RepairOpenedV1
from bridgework.common.events import Event, decode_headers, from_kafka
from tests.agreements_factories import agreements_settings, reading_as_the_change_team
from tests.factories import T0, incident_reported
from tests.infra import Infrastructure, eventually, produce, read_topic, running

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(infra: Infrastructure, database_url: str, namespace: str) -> AgreementsSettings:
    return agreements_settings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=namespace,
        outbox_poll_seconds=0.2,
    )


@pytest.fixture
async def agreements(settings: AgreementsSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings)) as client:
        yield reading_as_the_change_team(client)


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


async def test_an_update_refreshes_the_incident_and_an_older_one_is_ignored(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    incident = incident_reported()
    fields = incident.model_dump()
    newer = IncidentUpdatedV1(
        **{**fields, "summary": "USB ports locked on every Finance laptop for two days."},
        revision=3,
        updated_at=T0,
        changed_fields=["summary"],
    )
    older = IncidentUpdatedV1(
        **{**fields, "summary": "An outdated account."},
        revision=2,
        updated_at=T0,
        changed_fields=["summary"],
    )
    await produce(
        settings.kafka_bootstrap_servers,
        settings.topics.incidents,
        [Event.new(e, source="/bridgework/intake", time=T0) for e in (incident, newer, older)],
    )

    async def refreshed() -> bool:
        response = await agreements.get(f"/v1/incidents/{incident.incident_id}/repair")
        return response.status_code == 200 and response.json()["incidents"][0]["summary"] == (
            "USB ports locked on every Finance laptop for two days."
        )

    assert await eventually(refreshed)


async def test_an_update_of_an_incident_never_reported_opens_its_repair(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    update = IncidentUpdatedV1(
        **incident_reported().model_dump(), revision=2, updated_at=T0, changed_fields=["severity"]
    )
    await produce(
        settings.kafka_bootstrap_servers,
        settings.topics.incidents,
        [Event.new(update, source="/bridgework/intake", time=T0)],
    )

    async def opened() -> bool:
        response = await agreements.get(f"/v1/incidents/{update.incident_id}/repair")
        return response.status_code == 200

    assert await eventually(opened)


async def test_the_same_matter_again_links_back_to_the_earlier_repairs(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    first = incident_reported()
    await produce(
        settings.kafka_bootstrap_servers,
        settings.topics.incidents,
        [Event.new(first, source="/bridgework/intake", time=T0)],
    )
    earlier = await eventually(lambda: _repair_of(agreements, first.incident_id))
    # Two more about the same matter (in whichever order they are applied) and one not.
    again, third = incident_reported(), incident_reported()
    other_matter = incident_reported(category=IncidentCategory.OUTAGE)
    await produce(
        settings.kafka_bootstrap_servers,
        settings.topics.incidents,
        [Event.new(i, source="/bridgework/intake", time=T0) for i in (again, third, other_matter)],
    )

    both = [
        await eventually(lambda: _repair_of(agreements, again.incident_id)),
        await eventually(lambda: _repair_of(agreements, third.incident_id)),
    ]
    unrelated = await eventually(lambda: _repair_of(agreements, other_matter.incident_id))

    recurrence, latest = sorted(both, key=lambda repair: len(repair["recurrence_of"]))
    assert recurrence["recurrence_of"] == [earlier["repair_id"]]
    assert set(latest["recurrence_of"]) == {earlier["repair_id"], recurrence["repair_id"]}
    assert unrelated["recurrence_of"] == []
    records = await read_topic(
        settings.kafka_bootstrap_servers, settings.topics.repairs, until=lambda r: len(r) >= 4
    )
    announced = {
        str(e.data.repair_id): e.data.recurrence_of
        for e in (from_kafka(decode_headers(r.headers), r.value) for r in records)
        if isinstance(e.data, RepairOpenedV1)
    }
    assert announced[recurrence["repair_id"]] == [UUID(earlier["repair_id"])]


async def _repair_of(agreements: httpx.AsyncClient, incident_id: UUID) -> dict[str, Any] | None:
    response = await agreements.get(f"/v1/incidents/{incident_id}/repair")
    return dict(response.json()) if response.status_code == 200 else None
