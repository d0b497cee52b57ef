"""Follow-up against the real broker and database: RepairOpened in, a followed repair recorded."""

from __future__ import annotations

import httpx
import pytest

from bridgework.common.events import Event
from bridgework.followup.app import create_app
from bridgework.followup.settings import FollowupSettings
from tests.factories import T0, repair_opened
from tests.infra import Infrastructure, eventually, produce, running

pytestmark = pytest.mark.integration


async def test_an_opened_repair_is_followed(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    # Development mode without an admin token: the repair view needs no credential.
    settings = FollowupSettings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=namespace,
        development_mode=True,
    )
    opened = repair_opened()

    async with running(create_app(settings)) as followup:
        event = Event.new(opened, source="/bridgework/agreements", time=T0)
        await produce(infra.kafka, settings.topics.repairs, [event, event])

        async def followed() -> httpx.Response | None:
            response = await followup.get(f"/v1/repairs/{opened.repair_id}")
            return response if response.status_code == 200 else None

        tracked = (await eventually(followed)).json()

    assert tracked == {
        "repair_id": str(opened.repair_id),
        "opened_at": T0.isoformat().replace("+00:00", "Z"),
        "departments": ["finance", "it"],
        "closed_at": None,
        "commitments": [],
        "schedule": [],
    }
