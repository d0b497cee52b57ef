"""Erasure and export reach planned changes' engagements too: a representative's answer is
theirs to export, and erasing them tombstones the change's document and destroys the key."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bridgework.agreements.app import create_app
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import ManualClock
from tests.agreements_change_factories import FINANCE_REP, OWNER, change_recorded
from tests.agreements_factories import (
    NOW,
    agreements_settings,
    by,
    person_json,
    post_ok,
    publish,
    reading_as_the_change_team,
)
from tests.infra import Infrastructure, eventually, running
from tests.integration.test_privacy_erasure import keys_of, rows_naming

pytestmark = pytest.mark.integration

WORRY = "We close the books the week it goes live."


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
    async with running(create_app(settings, ManualClock(NOW))) as client:
        yield reading_as_the_change_team(client)


async def test_a_representative_is_exported_then_erased_from_a_change(
    agreements: httpx.AsyncClient, settings: AgreementsSettings, database_url: str
) -> None:
    change = change_recorded()
    await publish(settings, settings.topics.changes, change)
    base = f"/v1/changes/{change.change_id}"

    async def seen() -> bool:
        return (await agreements.get(base)).status_code == 200

    await eventually(seen)
    for person, role in ((OWNER, "owner"), (FINANCE_REP, "representative")):
        await post_ok(
            agreements,
            f"{base}/participants",
            {"participant": person_json(person), "role": role},
            actor=person,
        )
    await post_ok(
        agreements,
        f"{base}/answers",
        {"answers": [{"question": "what_worries_you", "text": WORRY}]},
        actor=FINANCE_REP,
    )
    officer = by("p-dpo-1", "privacy_officer")
    person_id = FINANCE_REP.person_id

    exported = await agreements.get(f"/v1/privacy/people/{person_id}", headers=officer)
    assert exported.status_code == 200, exported.text
    changes = exported.json()["changes"]
    assert [c["change_id"] for c in changes] == [str(change.change_id)]
    assert WORRY in [text["text"] for text in changes[0]["texts"]]
    assert "changes" in await rows_naming(database_url, person_id)

    erased = await agreements.post(
        "/v1/privacy/erasures", json={"person_id": person_id}, headers=officer
    )
    assert erased.status_code == 200, erased.text
    assert await rows_naming(database_url, person_id) == []
    assert await keys_of(database_url, person_id) == 0
    people = (await agreements.get(base)).json()["people"]
    ids = [p["person"]["person_id"] for p in people]
    assert ids[0] == OWNER.person_id
    assert ids[1] == erased.json()["tombstone"]
