"""Planned changes from intake's topic, engaged WITH the departments they affect through the API,
and the response mode decided at go-live, against the real broker and database; every step is
an event on the engagements topic, keyed by change id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from bridgework.agreements.app import create_app
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import ManualClock
from bridgework.common.contracts import (
    AdjustmentProposedV1,
    AdjustmentsAgreedV1,
    ChangeKind,
    ChangeModeDecidedV1,
    Contract,
    DepartmentConsentedV1,
    DepartmentObjectedV1,
    DepartmentStanding,
    EngagementAnsweredV1,
    RepresentativeJoinedV1,
    ResponseMode,
)
from bridgework.common.events import decode_headers, from_kafka
from tests.agreements_change_factories import (
    FINANCE_REP,
    HR_REP,
    OWNER,
    SALES_REP,
    change_recorded,
    went_live,
)
from tests.agreements_factories import (
    NOW,
    agreements_settings,
    by,
    person_json,
    post_ok,
    publish,
    reading_as_the_change_team,
)
from tests.infra import Infrastructure, eventually, opened_in, read_topic, running

pytestmark = pytest.mark.integration

WENT_LIVE = NOW + timedelta(days=1)


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


async def change_seen(
    client: httpx.AsyncClient, change_id: UUID, **expected: Any
) -> dict[str, Any]:
    """The change once agreements shows it with the expected fields."""

    async def shown() -> dict[str, Any] | None:
        response = await client.get(f"/v1/changes/{change_id}")
        if response.status_code != 200:
            return None
        body: dict[str, Any] = response.json()
        return body if all(body[k] == v for k, v in expected.items()) else None

    found: dict[str, Any] = await eventually(shown)
    return found


async def engagement_facts(
    settings: AgreementsSettings, change_id: UUID, count: int
) -> list[Contract]:
    def of_change(records: list[Any]) -> list[Any]:
        return [r for r in records if r.key == str(change_id).encode()]

    records = await read_topic(
        settings.kafka_bootstrap_servers,
        settings.topics.engagements,
        until=lambda records: len(of_change(records)) >= count,
        settle=0.5,
    )
    return [from_kafka(decode_headers(r.headers), r.value).data for r in of_change(records)]


def notice(days: int) -> dict[str, Any]:
    return {
        "kind": "notice",
        "owner": person_json(OWNER),
        "owed_to_departments": ["finance", "hr"],
        "action": "Two weeks' notice and a written guide.",
        "due_at": (NOW + timedelta(days=days)).isoformat(),
    }


async def test_two_departments_engaged_one_objects_then_consents_to_a_revision_and_it_goes_live_with_them(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    change = change_recorded()
    await publish(settings, settings.topics.changes, change)
    shown = await change_seen(agreements, change.change_id)
    assert shown["affected_departments"] == ["finance", "hr"]
    assert shown["live"] is False
    assert shown["response_mode"] is None
    base = f"/v1/changes/{change.change_id}"

    for person, role in (
        (OWNER, "owner"),
        (FINANCE_REP, "representative"),
        (HR_REP, "representative"),
    ):
        await post_ok(
            agreements,
            f"{base}/participants",
            {"participant": person_json(person), "role": role},
            actor=person,
        )

    # Bad input is refused naming the field, and nothing is stored.
    outsider = await agreements.post(
        f"{base}/participants",
        json={"participant": person_json(SALES_REP), "role": "representative"},
        headers=by(SALES_REP),
    )
    assert outsider.status_code == 404  # sales is neither owner nor affected: no such change
    added = await agreements.post(
        f"{base}/participants",
        json={"participant": person_json(SALES_REP), "role": "representative"},
    )
    assert added.status_code == 422, added.text
    assert "participant.department" in added.text
    people = (await agreements.get(base)).json()["people"]
    assert [p["person"]["person_id"] for p in people] == ["p-it-7", "p-fin-2", "p-hr-4"]

    await post_ok(
        agreements,
        f"{base}/answers",
        {"answers": [{"question": "what_worries_you", "text": "We close the books that week."}]},
        actor=FINANCE_REP,
    )
    answers = await agreements.get(f"{base}/answers", headers=by(HR_REP))
    assert answers.status_code == 200, answers.text
    assert answers.json()[0]["answers"][0]["text"] == "We close the books that week."
    hidden = await agreements.get(f"{base}/answers")  # the change team takes no part
    assert hidden.status_code == 403
    assert hidden.json()["error"] == "not_engaged"
    first = await post_ok(
        agreements, f"{base}/proposals", {"adjustments": [notice(14)]}, actor=OWNER
    )
    assert first["current_proposal"]["version"] == 1
    not_theirs = await agreements.post(
        f"{base}/consents",
        json={"department": "finance", "version": 1, "decision": "consent"},
        headers=by(HR_REP),
    )
    assert not_theirs.status_code == 403, not_theirs.text
    assert not_theirs.json()["error"] == "not_a_representative"
    assert (await agreements.get(base)).json()["departments"][0]["word"] is None
    await post_ok(
        agreements,
        f"{base}/consents",
        {"department": "finance", "version": 1, "decision": "consent"},
        actor=FINANCE_REP,
    )
    await post_ok(
        agreements,
        f"{base}/consents",
        {
            "department": "hr",
            "version": 1,
            "decision": "object",
            "reason": "No time to test before go-live.",
        },
        actor=HR_REP,
    )
    testers = {
        **notice(10),
        "kind": "testers",
        "owner": person_json(HR_REP),
        "owed_to_departments": ["it"],
    }
    kept_notice = {
        **notice(14),
        "commitment_id": first["current_proposal"]["adjustments"][0]["commitment_id"],
    }
    await post_ok(
        agreements, f"{base}/proposals", {"adjustments": [kept_notice, testers]}, actor=OWNER
    )
    for rep in (FINANCE_REP, HR_REP):
        agreed = await post_ok(
            agreements,
            f"{base}/consents",
            {"department": rep.department, "version": 2, "decision": "consent"},
            actor=rep,
        )
    assert agreed["agreed_version"] == 2
    assert [d["word"] for d in agreed["departments"]] == ["consented", "consented"]
    assert (
        agreed["current_proposal"]["adjustments"][0]["action"]
        == "Two weeks' notice and a written guide."
    )

    await publish(settings, settings.topics.changes, went_live(change.change_id, WENT_LIVE))
    live = await change_seen(agreements, change.change_id, live=True)
    assert live["response_mode"] == "with"

    facts = await engagement_facts(settings, change.change_id, 12)
    assert [type(f) for f in facts] == [
        RepresentativeJoinedV1,
        RepresentativeJoinedV1,
        RepresentativeJoinedV1,
        EngagementAnsweredV1,
        AdjustmentProposedV1,
        DepartmentConsentedV1,
        DepartmentObjectedV1,
        AdjustmentProposedV1,
        DepartmentConsentedV1,
        DepartmentConsentedV1,
        AdjustmentsAgreedV1,
        ChangeModeDecidedV1,
    ]
    answered, objection, agreed_fact, decided = facts[3], facts[6], facts[10], facts[11]
    assert isinstance(agreed_fact, AdjustmentsAgreedV1)
    assert agreed_fact.version == 2
    assert [a.terms_version for a in agreed_fact.adjustments] == [1, 1]
    assert isinstance(answered, EngagementAnsweredV1)
    assert isinstance(objection, DepartmentObjectedV1)
    assert isinstance(decided, ChangeModeDecidedV1)
    # Confidential texts travel sealed with the key of (person, change); agreements' store opens them.
    assert (
        await opened_in(settings.database_url, answered.answers[0].text)
        == "We close the books that week."
    )
    assert (
        await opened_in(settings.database_url, objection.reason)
        == "No time to test before go-live."
    )
    assert decided.response_mode is ResponseMode.WITH
    assert decided.consented_version == 2
    assert [(d.department, d.standing) for d in decided.departments] == [
        ("finance", DepartmentStanding.CONSENTED),
        ("hr", DepartmentStanding.CONSENTED),
    ]
    closed = await agreements.post(
        f"{base}/consents",
        json={"department": "hr", "version": 2, "decision": "consent"},
        headers=by(HR_REP),
    )
    assert closed.status_code == 409
    assert closed.json()["error"] == "change_live"


@pytest.mark.parametrize(
    ("kind", "recorded_after_go_live", "expected"),
    [
        (ChangeKind.CONTROL, False, ResponseMode.TO),
        (ChangeKind.ROLLOUT, False, ResponseMode.FOR),
        (ChangeKind.ACCESS, True, ResponseMode.NOT),
    ],
)
async def test_a_change_that_goes_live_unengaged_is_to_for_or_not(
    agreements: httpx.AsyncClient,
    settings: AgreementsSettings,
    kind: ChangeKind,
    recorded_after_go_live: bool,
    expected: ResponseMode,
) -> None:
    recorded_at = WENT_LIVE + timedelta(hours=2) if recorded_after_go_live else NOW
    change = change_recorded(kind=kind, recorded_at=recorded_at)
    await publish(settings, settings.topics.changes, change, went_live(change.change_id, WENT_LIVE))
    live = await change_seen(agreements, change.change_id, live=True)
    assert live["response_mode"] == expected.value
    (decided,) = await engagement_facts(settings, change.change_id, 1)
    assert isinstance(decided, ChangeModeDecidedV1)
    assert decided.response_mode is expected
    standing = DepartmentStanding.NOT_TOLD if recorded_after_go_live else DepartmentStanding.TOLD
    assert {d.standing for d in decided.departments} == {standing}
