"""A facilitator takes a real incident all the way to a confirmed repair, entirely through the
API, against the real broker and database; every step is an event on the repairs topic."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from bridgework.agreements.app import create_app
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import ManualClock
from bridgework.common.contracts import (
    AgreementProposedV1,
    AgreementReachedV1,
    CheckInOutcome,
    CheckInRecordedV1,
    CommitmentKeptV1,
    CommitmentLapsedV1,
    CommitmentRenegotiatedV1,
    ConsentDeclinedV1,
    ConsentGivenV1,
    Contract,
    ConversationRecordedV1,
    ParticipantJoinedV1,
    RepairClosedV1,
    RepairOpenedV1,
    RepairOutcome,
    ResponseMode,
)
from bridgework.common.events import decode_headers, from_kafka
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
    publish,
    reading_as_the_change_team,
    repair_opened_for,
)
from tests.factories import sealed
from tests.infra import Infrastructure, eventually, opened_in, read_topic, running

pytestmark = pytest.mark.integration


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
    )


@pytest.fixture
async def agreements(
    settings: AgreementsSettings, clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings, clock)) as client:
        yield reading_as_the_change_team(client)


async def repair_facts(settings: AgreementsSettings, repair_id: str, count: int) -> list[Contract]:
    """The first `count` facts about one repair on the repairs topic, in their order."""

    def of_repair(records: list[Any]) -> list[Any]:
        return [r for r in records if r.key == repair_id.encode()]

    records = await read_topic(
        settings.kafka_bootstrap_servers,
        settings.topics.repairs,
        until=lambda records: len(of_repair(records)) >= count,
        settle=0.5,
    )
    return [from_kafka(decode_headers(r.headers), r.value).data for r in of_repair(records)]


async def test_a_facilitator_takes_an_incident_to_a_confirmed_repair(
    agreements: httpx.AsyncClient, settings: AgreementsSettings, clock: ManualClock
) -> None:
    # The incident arrives from intake; agreements opens its repair.
    repair = await repair_opened_for(agreements, settings)
    repair_id = repair["repair_id"]
    base = f"/v1/repairs/{repair_id}"
    assert repair["status"] == "open"
    assert repair["response_mode"] is None

    # The facilitator brings the people in and hears each of them.
    joined = await join_all(agreements, repair_id)
    assert [(p["person_id"], p["role"]) for p in joined["participants"]] == [
        ("p-hr-1", "facilitator"),
        ("p-it-7", "responsible"),
        ("p-fin-2", "affected"),
    ]
    await post_ok(
        agreements,
        f"{base}/conversation",
        {
            "participant": person_json(RESPONSIBLE),
            "answers": [
                {"question": "what_happened", "text": "We locked USB ports on every laptop."},
                {"question": "thinking_at_the_time", "text": "Only of the malware alert."},
            ],
        },
        actor=RESPONSIBLE,
    )
    await post_ok(
        agreements,
        f"{base}/conversation",
        {
            "participant": person_json(AFFECTED),
            "answers": [
                {"question": "hardest_thing", "text": "Missing the payroll deadline."},
                {"question": "needs_to_happen", "text": "Notice before changes, and a contact."},
            ],
        },
        actor=FACILITATOR,
    )

    # Terms are proposed; the affected decline the first version and consent to the second.
    notice = commitment_json(NOW + timedelta(days=30))
    contact = commitment_json(
        NOW + timedelta(days=10),
        owner=person_json(AFFECTED),
        owed_to=[],
        owed_to_departments=["it"],
        action="Name a Finance contact IT can call before device changes.",
    )
    first = await post_ok(
        agreements, f"{base}/agreement", {"commitments": [notice, contact]}, actor=FACILITATOR
    )
    assert first["agreement"]["pending"]["version"] == 1
    await consent_all(agreements, repair_id, 1, RESPONSIBLE)
    declined = await post_ok(
        agreements,
        f"{base}/agreement/consents",
        {
            "version": 1,
            "decision": "decline",
            "reason": "Two days of notice are not enough.",
        },
        actor=AFFECTED,
    )
    assert declined["agreement"]["status"] == "proposed"
    ids = [c["commitment_id"] for c in first["agreement"]["pending"]["commitments"]]
    second = await post_ok(
        agreements,
        f"{base}/agreement",
        {
            "commitments": [
                {**notice, "commitment_id": ids[0], "action": "Give Finance two weeks' notice."},
                {**contact, "commitment_id": ids[1]},
            ],
        },
        actor=FACILITATOR,
    )
    pending = second["agreement"]["pending"]
    assert pending["version"] == 2
    assert [c["terms_version"] for c in pending["commitments"]] == [2, 1]
    reached = await consent_all(agreements, repair_id, 2)
    assert reached["agreement"]["status"] == "reached"
    assert reached["response_mode"] == "with"
    notice_id, contact_id = ids

    # IT keeps its commitment on time.
    clock.advance(timedelta(days=5))
    kept = await post_ok(agreements, f"{base}/commitments/{notice_id}/kept", {}, actor=RESPONSIBLE)
    assert kept["agreement"]["commitments"][0]["status"] == "kept"
    assert kept["agreement"]["commitments"][0]["on_time"] is True

    # Finance's commitment lapses, as follow-up reports it ...
    clock.advance(timedelta(days=6))
    agreement_id = UUID(reached["agreement"]["agreement_id"])
    await publish(
        settings,
        settings.topics.followups,
        CommitmentLapsedV1(
            repair_id=UUID(repair_id),
            agreement_id=agreement_id,
            commitment_id=UUID(contact_id),
            terms_version=1,
            owner=AFFECTED,
            due_at=NOW + timedelta(days=10),
            lapsed_at=NOW + timedelta(days=10, hours=1),
            lapse_count=1,
        ),
    )

    async def contact_lapsed() -> bool:
        view = (await agreements.get(base)).json()
        return bool(view["agreement"]["commitments"][1]["status"] == "lapsed")

    await eventually(contact_lapsed)

    # ... and is renegotiated with everyone's consent, then kept.
    renegotiating = await post_ok(
        agreements,
        f"{base}/commitments/{contact_id}/renegotiate",
        {
            "due_at": (NOW + timedelta(days=20)).isoformat(),
            "reason": "The team lead was on leave.",
        },
        actor=AFFECTED,
    )
    assert renegotiating["agreement"]["pending"]["version"] == 3
    renegotiated = await consent_all(agreements, repair_id, 3)
    contact_now = renegotiated["agreement"]["commitments"][1]
    assert (contact_now["status"], contact_now["terms_version"]) == ("open", 2)
    clock.advance(timedelta(days=2))
    await post_ok(agreements, f"{base}/commitments/{contact_id}/kept", {}, actor=AFFECTED)

    # Not repaired until the affected confirm it at check-in.
    close = {"outcome": "repaired"}
    too_soon = await agreements.post(f"{base}/close", json=close, headers=by(FACILITATOR))
    assert too_soon.status_code == 409
    assert too_soon.json()["error"] == "not_repaired_yet"
    await publish(
        settings,
        settings.topics.followups,
        CheckInRecordedV1(
            repair_id=UUID(repair_id),
            check_in_id=uuid4(),
            participant=AFFECTED,
            outcome=CheckInOutcome.YES,
            comment=sealed("We get notice now."),  # as follow-up seals it
            recorded_at=clock.now(),
        ),
    )

    async def confirmed() -> bool:
        unmet: list[str] = (await agreements.get(base)).json()["unmet_for_repaired"]
        return unmet == []

    await eventually(confirmed)
    closed = await post_ok(agreements, f"{base}/close", close, actor=FACILITATOR)
    assert closed["status"] == "closed"
    assert closed["closure"]["outcome"] == "repaired"
    assert closed["response_mode"] == "with"

    # Every step is a fact on the repairs topic, in order, under the repair's key.
    facts = await repair_facts(settings, repair_id, 20)
    assert [type(f) for f in facts] == [
        RepairOpenedV1,
        ParticipantJoinedV1,
        ParticipantJoinedV1,
        ParticipantJoinedV1,
        ConversationRecordedV1,
        ConversationRecordedV1,
        AgreementProposedV1,
        ConsentGivenV1,
        ConsentDeclinedV1,
        AgreementProposedV1,
        ConsentGivenV1,
        ConsentGivenV1,
        AgreementReachedV1,
        CommitmentKeptV1,
        AgreementProposedV1,
        ConsentGivenV1,
        ConsentGivenV1,
        CommitmentRenegotiatedV1,
        CommitmentKeptV1,
        RepairClosedV1,
    ]
    declined_fact = facts[8]
    assert isinstance(declined_fact, ConsentDeclinedV1)
    # On the topic the reason is sealed with the decliner's key; agreements' store opens it.
    assert await opened_in(settings.database_url, declined_fact.reason) == (
        "Two days of notice are not enough."
    )
    reached_fact = facts[12]
    assert isinstance(reached_fact, AgreementReachedV1)
    assert reached_fact.version == 2
    assert reached_fact.response_mode == ResponseMode.WITH
    assert set(reached_fact.consented_by) == {RESPONSIBLE, AFFECTED}
    renegotiated_fact = facts[17]
    assert isinstance(renegotiated_fact, CommitmentRenegotiatedV1)
    assert renegotiated_fact.agreement_version == 3
    assert renegotiated_fact.previous_terms_version == 1
    assert renegotiated_fact.terms.due_at == NOW + timedelta(days=20)
    kept_facts = [f for f in facts if isinstance(f, CommitmentKeptV1)]
    assert [(str(k.commitment_id), k.on_time) for k in kept_facts] == [
        (notice_id, True),
        (contact_id, True),
    ]
    closed_fact = facts[-1]
    assert isinstance(closed_fact, RepairClosedV1)
    assert closed_fact.outcome == RepairOutcome.REPAIRED
    assert closed_fact.response_mode == ResponseMode.WITH

    # The conversation stays out of the repair's view, in its own confidential one.
    summary = await agreements.get(base)
    assert "payroll" not in summary.text
    assert "malware" not in summary.text
    conversation = await agreements.get(f"{base}/conversation", headers=by(AFFECTED))
    assert conversation.status_code == 200
    records = conversation.json()["records"]
    assert [(r["participant"]["person_id"], r["recorded_by"]) for r in records] == [
        ("p-it-7", "p-it-7"),
        ("p-fin-2", "p-hr-1"),
    ]
    assert records[1]["answers"][0]["text"] == "Missing the payroll deadline."
