"""Follow-up's news (CommitmentLapsed, CheckInRecorded) applied once, through the real broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from bridgework.agreements.app import create_app
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import ManualClock
from bridgework.common.contracts import CheckInOutcome, CommitmentLapsedV1, Contract, PersonRef
from bridgework.common.events import Event
from tests.agreements_factories import (
    AFFECTED,
    NOW,
    agreed_via_api,
    agreements_settings,
    check_in,
    reading_as_the_change_team,
    repair_opened_for,
)
from tests.infra import Infrastructure, eventually, produce, running

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
    async with running(create_app(settings, ManualClock(NOW))) as client:
        yield reading_as_the_change_team(client)


def lapsed_fact(repair: dict[str, Any]) -> CommitmentLapsedV1:
    """What follow-up publishes when the repair's first commitment's date passed."""
    commitment = repair["agreement"]["commitments"][0]
    return CommitmentLapsedV1(
        repair_id=UUID(repair["repair_id"]),
        agreement_id=UUID(repair["agreement"]["agreement_id"]),
        commitment_id=UUID(commitment["commitment_id"]),
        terms_version=commitment["terms_version"],
        owner=PersonRef.model_validate(commitment["owner"]),
        due_at=commitment["due_at"],
        lapsed_at=commitment["due_at"],
        lapse_count=1,
    )


async def test_news_from_follow_up_delivered_twice_is_applied_once(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair = await agreed_via_api(
        agreements, (await repair_opened_for(agreements, settings))["repair_id"]
    )
    lapse = Event.new(lapsed_fact(repair), source="/bridgework/followup", time=NOW)
    answer = Event.new(
        check_in(UUID(repair["repair_id"]), outcome=CheckInOutcome.PARTLY),
        source="/bridgework/followup",
        time=NOW,
    )
    events: list[Event[Contract]] = [lapse, answer, lapse, answer]

    await produce(settings.kafka_bootstrap_servers, settings.topics.followups, events)

    async def both_applied() -> dict[str, Any] | None:
        view: dict[str, Any] = (await agreements.get(f"/v1/repairs/{repair['repair_id']}")).json()
        lapsed = view["agreement"]["commitments"][0]["status"] == "lapsed"
        return view if lapsed and view["check_ins"] else None

    view = await eventually(both_applied)
    assert view["agreement"]["commitments"][0]["lapse_count"] == 1
    assert [c["outcome"] for c in view["check_ins"]] == ["partly"]
    assert view["unmet_for_repaired"] == [
        f"commitment {view['agreement']['commitments'][0]['commitment_id']} is lapsed",
        f"{AFFECTED.person_id} answered partly at check-in",
    ]


async def test_news_about_an_unknown_repair_does_not_hold_up_the_rest(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair = await repair_opened_for(agreements, settings)
    unknown = Event.new(check_in(uuid4()), source="/bridgework/followup", time=NOW)
    known = Event.new(check_in(UUID(repair["repair_id"])), source="/bridgework/followup", time=NOW)

    await produce(settings.kafka_bootstrap_servers, settings.topics.followups, [unknown, known])

    async def recorded() -> bool:
        view = (await agreements.get(f"/v1/repairs/{repair['repair_id']}")).json()
        return bool(view["check_ins"])

    assert await eventually(recorded)
