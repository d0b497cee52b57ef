"""Agreements' HTTP API against the real broker and database: clear 4xx for broken rules,
the confidential conversation apart, linking, imposing and listing.

One service (and database, and topic namespace) serves the whole module; every test opens
repairs of its own, so tests do not see each other's state.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

from bridgework.agreements.app import create_app
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import ManualClock
from bridgework.common.contracts import IncidentLinkedV1, OutcomeImposedV1, RepairClosedV1
from bridgework.common.events import decode_headers, from_kafka
from tests.agreements_factories import (
    AFFECTED,
    AUTHORITY,
    FACILITATOR,
    NOW,
    RESPONSIBLE,
    agreed_via_api,
    agreements_settings,
    by,
    commitment_json,
    join_all,
    person_json,
    post_ok,
    reading_as_the_change_team,
    repair_opened_for,
)
from tests.infra import Infrastructure, create_database, drop_database, read_topic, running

pytestmark = pytest.mark.integration

STRANGER = {"person_id": "p-x-1", "department": "estates"}
FINANCE_LEAD = {"person_id": "p-fin-lead", "department": "finance"}


@pytest.fixture(scope="module")
async def settings(infra: Infrastructure) -> AsyncIterator[AgreementsSettings]:
    database_url = await create_database(infra)
    yield agreements_settings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=f"t{uuid4().hex[:10]}",
        outbox_poll_seconds=0.2,
    )
    await drop_database(infra, database_url)


@pytest.fixture(scope="module")
async def agreements(settings: AgreementsSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings, ManualClock(NOW))) as client:
        yield reading_as_the_change_team(client)


async def new_repair(agreements: httpx.AsyncClient, settings: AgreementsSettings) -> str:
    repair: dict[str, Any] = await repair_opened_for(agreements, settings)
    return str(repair["repair_id"])


async def test_an_unknown_repair_is_a_404_with_a_code(agreements: httpx.AsyncClient) -> None:
    response = await agreements.post(
        f"/v1/repairs/{uuid4()}/participants",
        json={"participant": STRANGER, "role": "affected"},
        headers=by(STRANGER),
    )

    assert response.status_code == 404
    assert response.json()["error"] == "unknown_repair"


async def test_an_invalid_body_names_every_failing_field(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)

    response = await agreements.post(
        f"/v1/repairs/{repair_id}/participants",
        json={
            "actor": person_json(FACILITATOR),
            "participant": {"person_id": "ann@example.org", "department": "it"},
            "rol": "x",
        },
        headers=by(FACILITATOR),
    )

    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["fields"]}
    # `actor` is no field of any body: the actor is the token's subject.
    assert {"actor", "participant.person_id", "role", "rol"} <= fields


async def test_joining_answers_201_then_200_when_already_there(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)
    await join_all(agreements, repair_id, FACILITATOR)
    body = {"participant": person_json(AFFECTED), "role": "affected"}
    path = f"/v1/repairs/{repair_id}/participants"

    first = await agreements.post(path, json=body, headers=by(FACILITATOR))
    again = await agreements.post(path, json=body, headers=by(FACILITATOR))
    other_role = await agreements.post(
        path, json={**body, "role": "supporter"}, headers=by(FACILITATOR)
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["participants"] == first.json()["participants"]
    assert other_role.status_code == 409
    assert other_role.json()["error"] == "already_participant"


async def test_only_the_facilitator_adds_people_and_a_refusal_is_a_403_saying_why(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)
    path = f"/v1/repairs/{repair_id}/participants"
    affected = {"participant": person_json(AFFECTED), "role": "affected"}

    before_facilitator = await agreements.post(path, json=affected, headers=by(FACILITATOR))
    await join_all(agreements, repair_id, FACILITATOR)
    by_a_stranger = await agreements.post(path, json=affected, headers=by(STRANGER))
    by_a_lead = await agreements.post(
        path, json=affected, headers=by(FINANCE_LEAD, "department_lead")
    )
    seen = (await agreements.get(f"/v1/repairs/{repair_id}")).json()

    assert before_facilitator.status_code == 403
    assert before_facilitator.json()["error"] == "facilitator_needs_assignment"
    assert f"/v1/repairs/{repair_id}/facilitators" in before_facilitator.json()["detail"]
    # Who may not see the repair finds none; who may (a lead involved) is refused, saying why.
    assert by_a_stranger.status_code == 404
    assert by_a_stranger.json()["error"] == "unknown_repair"
    assert by_a_lead.status_code == 403
    assert by_a_lead.json() == {
        "error": "not_the_facilitator",
        "detail": "p-fin-lead does not take part in this repair; only one of its facilitators"
        " adds participants",
    }
    assert [(p["person_id"], p["role"]) for p in seen["participants"]] == [
        ("p-hr-1", "facilitator")
    ]


async def test_keeping_a_commitment_of_an_agreement_not_reached_is_a_409(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)
    await join_all(agreements, repair_id)
    proposed = await post_ok(
        agreements,
        f"/v1/repairs/{repair_id}/agreement",
        {"commitments": [commitment_json(NOW + timedelta(days=30))]},
        actor=FACILITATOR,
    )
    commitment_id = proposed["agreement"]["pending"]["commitments"][0]["commitment_id"]

    response = await agreements.post(
        f"/v1/repairs/{repair_id}/commitments/{commitment_id}/kept",
        json={},
        headers=by(RESPONSIBLE),
    )

    assert response.status_code == 409
    assert response.json()["error"] == "agreement_not_in_force"


async def test_rules_about_a_field_answer_in_the_common_422_shape(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)
    await join_all(agreements, repair_id)

    response = await agreements.post(
        f"/v1/repairs/{repair_id}/agreement",
        json={"commitments": [commitment_json(NOW - timedelta(days=1))]},
        headers=by(FACILITATOR),
    )

    assert response.status_code == 422
    assert response.json() == {
        "error": "validation_failed",
        "fields": [{"field": "commitments.0.due_at", "reason": "must be in the future"}],
    }


async def test_declining_without_a_reason_is_refused(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)

    response = await agreements.post(
        f"/v1/repairs/{repair_id}/agreement/consents",
        json={"version": 1, "decision": "decline"},
        headers=by(AFFECTED),
    )

    assert response.status_code == 422
    assert "reason" in response.text


async def test_a_stranger_finds_no_repair_and_a_lead_who_sees_it_may_not_act_in_it(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)
    await join_all(agreements, repair_id)
    terms = {"commitments": [commitment_json(NOW + timedelta(days=30))]}
    path = f"/v1/repairs/{repair_id}/agreement"

    stranger = await agreements.post(path, json=terms, headers=by(STRANGER))
    lead = await agreements.post(path, json=terms, headers=by(FINANCE_LEAD, "department_lead"))

    assert stranger.status_code == 404
    assert stranger.json()["error"] == "unknown_repair"
    assert lead.status_code == 403
    assert lead.json()["error"] == "not_a_participant"


async def test_the_conversation_is_confidential_to_the_repairs_people(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)
    await join_all(agreements, repair_id)
    recorded = await agreements.post(
        f"/v1/repairs/{repair_id}/conversation",
        json={
            "participant": person_json(AFFECTED),
            "answers": [
                {"question": "hardest_thing", "text": "Telling my team we could not work."}
            ],
        },
        headers=by(AFFECTED),
    )
    assert recorded.status_code == 201

    summary = await agreements.get(f"/v1/repairs/{repair_id}")
    anonymous = await agreements.get(
        f"/v1/repairs/{repair_id}/conversation", headers={"Authorization": ""}
    )
    stranger = await agreements.get(f"/v1/repairs/{repair_id}/conversation", headers=by(STRANGER))
    lead = await agreements.get(
        f"/v1/repairs/{repair_id}/conversation", headers=by(FINANCE_LEAD, "department_lead")
    )
    facilitator = await agreements.get(
        f"/v1/repairs/{repair_id}/conversation", headers=by(FACILITATOR)
    )

    assert "Telling my team" not in summary.text
    assert anonymous.status_code == 401
    assert stranger.status_code == 404  # the repair does not exist for them
    assert lead.status_code == 403  # sees the repair, not its conversation
    assert lead.json()["error"] == "not_a_participant"
    assert facilitator.status_code == 200
    (record,) = facilitator.json()["records"]
    assert record["answers"] == [
        {"question": "hardest_thing", "text": "Telling my team we could not work."}
    ]


async def test_a_question_of_another_role_is_a_422_naming_the_answer(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)
    await join_all(agreements, repair_id)

    response = await agreements.post(
        f"/v1/repairs/{repair_id}/conversation",
        json={
            "participant": person_json(AFFECTED),
            "answers": [{"question": "thinking_at_the_time", "text": "Hm."}],
        },
        headers=by(AFFECTED),
    )

    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "answers.0.question"


async def test_a_further_incident_links_and_its_untouched_repair_merges(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)
    await join_all(agreements, repair_id)
    other = await repair_opened_for(agreements, settings)
    (incident_id,) = other["incident_ids"]

    linked = await post_ok(
        agreements,
        f"/v1/repairs/{repair_id}/incidents",
        {"incident_id": incident_id},
        actor=FACILITATOR,
    )

    assert incident_id in linked["incident_ids"]
    assert len(linked["incidents"]) == 2
    moved = (await agreements.get(f"/v1/incidents/{incident_id}/repair")).json()
    assert moved["repair_id"] == repair_id
    merged = (await agreements.get(f"/v1/repairs/{other['repair_id']}")).json()
    assert merged["status"] == "closed"
    assert merged["closure"]["merged_into"] == repair_id
    records = await read_topic(
        settings.kafka_bootstrap_servers,
        settings.topics.repairs,
        until=lambda rs: any(r.key == other["repair_id"].encode() and _is_closed(r) for r in rs),
    )
    facts = [from_kafka(decode_headers(r.headers), r.value).data for r in records]
    assert any(isinstance(f, IncidentLinkedV1) and str(f.incident_id) == incident_id for f in facts)


def _is_closed(record: Any) -> bool:
    return isinstance(from_kafka(decode_headers(record.headers), record.value).data, RepairClosedV1)


async def test_linking_an_incident_never_reported_is_a_404(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)
    await join_all(agreements, repair_id)

    response = await agreements.post(
        f"/v1/repairs/{repair_id}/incidents",
        json={"incident_id": str(uuid4())},
        headers=by(FACILITATOR),
    )

    assert response.status_code == 404
    assert response.json()["error"] == "unknown_incident"


async def test_an_outcome_decided_without_consent_is_recorded_as_to(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    repair_id = await new_repair(agreements, settings)
    await join_all(agreements, repair_id)

    # An authority outside the repair: a member of the change team.
    response = await agreements.post(
        f"/v1/repairs/{repair_id}/impose",
        json={
            "reason": "The data protection officer required it.",
            "commitments": [commitment_json(NOW + timedelta(days=7))],
        },
        headers=by(AUTHORITY, "change_team"),
    )
    assert response.status_code == 200, response.text
    imposed = response.json()

    assert imposed["response_mode"] == "to"
    assert imposed["agreement"]["status"] == "imposed"
    assert imposed["agreement"]["imposition"]["decided_by"] == person_json(AUTHORITY)
    records = await read_topic(
        settings.kafka_bootstrap_servers,
        settings.topics.repairs,
        until=lambda rs: any(
            r.key == repair_id.encode()
            and isinstance(from_kafka(decode_headers(r.headers), r.value).data, OutcomeImposedV1)
            for r in rs
        ),
    )
    assert records


async def test_repairs_list_newest_first_and_filter_by_status(
    agreements: httpx.AsyncClient, settings: AgreementsSettings
) -> None:
    agreed = await agreed_via_api(agreements, await new_repair(agreements, settings))
    closing = await new_repair(agreements, settings)
    await join_all(agreements, closing)
    await post_ok(
        agreements,
        f"/v1/repairs/{closing}/close",
        {"outcome": "unrepaired", "reason_code": "participant_withdrew"},
        actor=FACILITATOR,
    )

    closed = (await agreements.get("/v1/repairs", params={"status": "closed"})).json()
    everything = (await agreements.get("/v1/repairs", params={"limit": 200})).json()

    assert closing in {r["repair_id"] for r in closed}
    assert agreed["repair_id"] not in {r["repair_id"] for r in closed}
    assert all(r["status"] == "closed" for r in closed)
    by_id = {r["repair_id"]: r for r in everything}
    assert by_id[agreed["repair_id"]]["response_mode"] == "with"
    assert by_id[closing]["response_mode"] == "not"
    opened = [(r["opened_at"], r["repair_id"]) for r in everything]
    assert opened == sorted(opened, reverse=True)
    first_page = (await agreements.get("/v1/repairs", params={"limit": 2})).json()
    last = first_page[-1]
    next_page = (
        await agreements.get(
            "/v1/repairs",
            params={"limit": 200, "before": last["opened_at"], "before_id": last["repair_id"]},
        )
    ).json()
    assert [r["repair_id"] for r in first_page + next_page] == [r[1] for r in opened]


async def test_the_api_is_documented(agreements: httpx.AsyncClient) -> None:
    spec = (await agreements.get("/openapi.json")).json()

    assert {
        "/v1/repairs/{repair_id}/participants",
        "/v1/repairs/{repair_id}/conversation",
        "/v1/repairs/{repair_id}/agreement",
        "/v1/repairs/{repair_id}/agreement/consents",
        "/v1/repairs/{repair_id}/commitments/{commitment_id}/kept",
        "/v1/repairs/{repair_id}/commitments/{commitment_id}/renegotiate",
        "/v1/repairs/{repair_id}/commitments/{commitment_id}/release",
        "/v1/repairs/{repair_id}/incidents",
        "/v1/repairs/{repair_id}/impose",
        "/v1/repairs/{repair_id}/close",
    } <= set(spec["paths"])
