"""Follow-up's check-ins after a change's go-live in the gateway's read model: each affected
department's answer (yes, partly or no; never the comment) shows on `change(id)`, the
earliest answer standing whatever order the facts arrive in."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest

from bridgework.common.clock import ManualClock
from bridgework.common.contracts import (
    ChangeKind,
    ChangeRecordedV1,
    ChangeWentLiveV1,
    CheckInOutcome,
    GoLiveReporter,
    PersonRef,
    SourceRef,
)
from bridgework.common.contracts.changes_followup import ChangeCheckInRecordedV1
from bridgework.common.events import Event
from bridgework.graphql_gateway.app import create_app
from tests.gateway_change_factories import at
from tests.gateway_factories import bearer, gateway_settings, token
from tests.infra import Infrastructure, eventually, produce, running

pytestmark = pytest.mark.integration

LIVE = at(11, 3)
QUERY = "query($id: UUID!) { change(id: $id) { engagements { department standing checkIn } } }"


def answered(
    change_id: UUID, department: str, outcome: str, days: int
) -> Event[ChangeCheckInRecordedV1]:
    fact = ChangeCheckInRecordedV1(
        change_id=change_id, check_in_id=uuid4(), department=department,
        participant=PersonRef(person_id=f"p-{department}-lead", department=department),
        outcome=CheckInOutcome(outcome), recorded_at=LIVE + timedelta(days=days),
    )  # fmt: skip
    return Event.new(fact, source="/bridgework/followup", time=fact.recorded_at)


async def applied(database_url: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        count: int = await connection.fetchval("SELECT count(*) FROM gateway.inbox")
    finally:
        await connection.close()
    return count


async def test_each_departments_check_in_outcome_shows_on_the_change(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    change = ChangeRecordedV1(
        change_id=uuid4(), department="it", title="MFA for payroll", kind=ChangeKind.CONTROL,
        owner=PersonRef(person_id="p-it-7", department="it"),
        affected_departments=["estates", "finance", "hr"], planned_go_live=LIVE,
        recorded_at=LIVE - timedelta(days=30),
        source=SourceRef(tool="native", reference=str(uuid4())),
    )  # fmt: skip
    went_live = ChangeWentLiveV1(
        change_id=change.change_id, department="it", went_live_at=LIVE, reported_at=LIVE,
        reported_by=GoLiveReporter.API, planned_go_live=LIVE,
    )  # fmt: skip
    settings = gateway_settings(
        kafka_bootstrap_servers=infra.kafka, database_url=database_url, topic_namespace=namespace
    )
    # The later "yes" for finance comes first (a replay's order): the earliest answer stands.
    check_ins = [
        answered(change.change_id, "finance", "yes", 16),
        answered(change.change_id, "finance", "partly", 14),
        answered(change.change_id, "hr", "no", 15),
    ]
    async with running(
        create_app(settings, clock=ManualClock(LIVE + timedelta(days=20)))
    ) as client:
        await produce(infra.kafka, settings.topics.followups, check_ins)
        await produce(
            infra.kafka,
            settings.topics.changes,
            [Event.new(f, source="/bridgework/intake", time=LIVE) for f in (change, went_live)],
        )
        await eventually(lambda: _all_applied(database_url, 5), timeout=60)
        response = await client.post(
            "/graphql",
            json={"query": QUERY, "variables": {"id": str(change.change_id)}},
            headers=bearer(token()),
        )

    assert response.status_code == 200, response.text
    assert response.json()["data"]["change"]["engagements"] == [
        {"department": "estates", "standing": "told", "checkIn": None},
        {"department": "finance", "standing": "told", "checkIn": "partly"},
        {"department": "hr", "standing": "told", "checkIn": "no"},
    ]


async def _all_applied(database_url: str, expected: int) -> bool:
    return await applied(database_url) == expected
