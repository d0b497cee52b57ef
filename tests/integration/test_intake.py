"""Intake's native JSON and batch API against the real broker and database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bridgework.common.contracts import IncidentReportedV1, IncidentUpdatedV1
from bridgework.intake.use_cases import credentials
from tests.factories import submission_json
from tests.infra import Infrastructure, eventually
from tests.intake_factories import RunningIntake, bearer, running_intake

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def intake(infra: Infrastructure) -> AsyncIterator[RunningIntake]:
    async with running_intake(infra, max_body_bytes=64 * 1024, max_batch_items=5) as running:
        yield running


@pytest.fixture(scope="module")
async def it_token(intake: RunningIntake) -> str:
    return await intake.token("it")


async def post(intake: RunningIntake, token: str, body: Any, path: str = "/v1/incidents") -> Any:
    return await intake.client.post(path, json=body, headers=bearer(token))


async def test_an_accepted_incident_is_published_as_incident_reported(
    intake: RunningIntake, it_token: str
) -> None:
    response = await post(intake, it_token, submission_json(summary="Locked out of SAP"))

    assert response.status_code == 202, response.text
    assert response.json()["status"] == "accepted"
    assert response.json()["revision"] == 1
    incident_id = response.json()["incident_id"]
    [event] = await intake.events_of(incident_id)
    assert isinstance(event.data, IncidentReportedV1)
    assert event.subject == incident_id
    assert event.source == "/bridgework/intake"
    assert event.data.summary == "Locked out of SAP"
    assert event.data.reported_at == intake.clock.now()


async def test_the_same_source_reference_twice_is_one_incident(
    intake: RunningIntake, it_token: str
) -> None:
    body = submission_json()
    first = await post(intake, it_token, body)
    again = await post(intake, it_token, body)

    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json() == {
        "incident_id": first.json()["incident_id"],
        "status": "duplicate",
        "revision": 1,
    }
    events = await intake.events_of(first.json()["incident_id"], settle=1.0)
    assert len(events) == 1


async def test_a_changed_item_is_published_as_an_update_with_the_next_revision(
    intake: RunningIntake, it_token: str
) -> None:
    body = submission_json()
    first = await post(intake, it_token, body)
    changed = await post(intake, it_token, {**body, "severity": "severe"})
    changed_again = await post(intake, it_token, {**body, "severity": "severe"})

    assert changed.status_code == 200
    assert changed.json()["status"] == "updated"
    assert changed.json()["incident_id"] == first.json()["incident_id"]
    assert changed_again.json()["status"] == "duplicate"
    reported, updated = await intake.events_of(first.json()["incident_id"], count=2, settle=1.0)
    assert isinstance(reported.data, IncidentReportedV1)
    assert isinstance(updated.data, IncidentUpdatedV1)
    assert updated.data.revision == 2
    assert updated.data.changed_fields == ["severity"]


async def test_a_retry_older_than_the_recorded_change_is_stale(
    intake: RunningIntake, it_token: str
) -> None:
    body = submission_json(source_updated_at="2026-11-06T10:00:00+00:00")
    await post(intake, it_token, body)

    older = await post(
        intake,
        it_token,
        {**body, "severity": "low", "source_updated_at": "2026-11-06T09:00:00+00:00"},
    )

    assert older.status_code == 200
    assert older.json()["status"] == "stale"


async def test_without_a_token_nothing_is_accepted(intake: RunningIntake) -> None:
    missing = await intake.client.post("/v1/incidents", json=submission_json())
    unknown = await post(intake, "bwi_" + "x" * 43, submission_json())
    wrong_scheme = await intake.client.post(
        "/v1/incidents", json=submission_json(), headers={"authorization": "Basic dXNlcjpwYXNz"}
    )

    assert [r.status_code for r in (missing, unknown, wrong_scheme)] == [401, 401, 401]
    assert missing.json()["error"] == "unauthenticated"
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "revoked" in unknown.json()["detail"]


async def test_a_token_reports_only_for_its_own_department(
    intake: RunningIntake, it_token: str
) -> None:
    response = await post(intake, it_token, submission_json(department="finance"))

    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert "'it'" in response.json()["detail"]
    assert "'finance'" in response.json()["detail"]


async def test_a_revoked_token_is_refused(intake: RunningIntake) -> None:
    token = await intake.token("hr")
    [principal] = (await credentials.authenticate(pool=intake.pool, tokens=[token])).values()

    assert await credentials.revoke_tokens(
        pool=intake.pool, clock=intake.clock, token_id=principal.token_id
    )
    response = await post(intake, token, submission_json(department="hr"))

    assert response.status_code == 401


async def test_an_invalid_submission_names_every_failing_field(
    intake: RunningIntake, it_token: str
) -> None:
    body = submission_json(severity="catastrophic", occurred_at="yesterday")
    del body["summary"]

    response = await post(intake, it_token, body)

    assert response.status_code == 422
    problem = response.json()
    assert problem["error"] == "validation_failed"
    assert sorted(f["field"] for f in problem["fields"]) == ["occurred_at", "severity", "summary"]
    assert all(f["reason"] for f in problem["fields"])


async def test_a_body_that_is_not_json_is_a_client_error(
    intake: RunningIntake, it_token: str
) -> None:
    response = await intake.client.post(
        "/v1/incidents",
        content=b"{oops",
        headers={"content-type": "application/json", **bearer(it_token)},
    )

    assert response.status_code == 422
    assert response.json()["error"] == "validation_failed"


async def test_a_body_that_is_not_declared_as_json_is_unsupported(
    intake: RunningIntake, it_token: str
) -> None:
    form = await intake.client.post(
        "/v1/incidents",
        content=b"department=it",
        headers={"content-type": "application/x-www-form-urlencoded", **bearer(it_token)},
    )
    undeclared = await intake.client.post("/v1/incidents", content=b"{}", headers=bearer(it_token))

    assert (form.status_code, undeclared.status_code) == (415, 415)
    assert form.json()["error"] == "unsupported_media_type"


async def test_a_huge_body_is_refused_before_it_is_read(
    intake: RunningIntake, it_token: str
) -> None:
    body = submission_json(summary="x" * (100 * 1024))

    response = await post(intake, it_token, body)

    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"
    assert str(intake.settings.max_body_bytes) in response.json()["detail"]


async def test_a_batch_reports_each_item_and_publishes_each_new_incident_once(
    intake: RunningIntake, it_token: str
) -> None:
    known = submission_json()
    await post(intake, it_token, known)
    fresh = submission_json()
    batch = {"incidents": [fresh, known, {**fresh, "severity": "low"}]}

    response = await post(intake, it_token, batch, "/v1/incidents/batch")

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["index"], r["status"]) for r in results] == [
        (0, "accepted"),
        (1, "duplicate"),
        (2, "updated"),
    ]
    assert results[0]["incident_id"] == results[2]["incident_id"]
    assert response.json()["counts"] == {"accepted": 1, "updated": 1, "duplicate": 1, "stale": 0}
    events = await intake.events_of(results[0]["incident_id"], count=2, settle=1.0)
    assert [e.type for e in events] == [
        "bridgework.incident.reported.v1",
        "bridgework.incident.updated.v1",
    ]


async def test_a_batch_with_one_bad_item_stores_nothing_and_names_the_item(
    intake: RunningIntake, it_token: str
) -> None:
    good = submission_json()
    bad = submission_json(severity="catastrophic")

    response = await post(intake, it_token, {"incidents": [good, bad]}, "/v1/incidents/batch")
    then = await post(intake, it_token, good)

    assert response.status_code == 422
    assert [f["field"] for f in response.json()["fields"]] == ["incidents.1.severity"]
    assert then.status_code == 202, "the good item was not stored by the refused batch"


async def test_a_batch_naming_another_department_is_refused_whole(
    intake: RunningIntake, it_token: str
) -> None:
    ours = submission_json()
    theirs = submission_json(department="finance")

    response = await post(intake, it_token, {"incidents": [ours, theirs]}, "/v1/incidents/batch")
    then = await post(intake, it_token, ours)

    assert response.status_code == 403
    assert "incidents.1.department" in response.json()["detail"]
    assert then.status_code == 202


async def test_a_batch_is_bounded_in_items(intake: RunningIntake, it_token: str) -> None:
    too_many = {"incidents": [submission_json() for _ in range(6)]}

    response = await post(intake, it_token, too_many, "/v1/incidents/batch")

    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "incidents"
    assert "at most 5" in response.json()["fields"][0]["reason"]


async def test_the_openapi_document_describes_every_way_in(intake: RunningIntake) -> None:
    paths = (await intake.client.get("/openapi.json")).json()["paths"]

    assert {
        "/v1/incidents",
        "/v1/incidents/batch",
        "/v1/cloudevents",
        "/v1/webhooks/github/{department}",
        "/v1/webhooks/jira/{department}",
        "/v1/webhooks/servicenow/{department}",
        "/v1/webhooks/pagerduty/{department}",
    } <= set(paths)


async def test_intake_is_ready_when_its_database_and_broker_answer(
    intake: RunningIntake,
) -> None:
    async def both_answer() -> Any:
        response = await intake.client.get("/health/ready")
        return response if response.json()["checks"]["kafka"] == "ok" else None

    # The Kafka side comes up in the background; readiness is gated by Postgres alone.
    response = await eventually(both_answer, timeout=60)
    assert response.status_code == 200
    assert response.json()["checks"] == {"postgres": "ok", "kafka": "ok"}
    assert response.json()["gating"] == ["postgres"]


async def test_the_same_new_item_sent_at_once_by_many_clients_is_one_incident(
    intake: RunningIntake, it_token: str
) -> None:
    body = submission_json()

    responses = await asyncio.gather(*(post(intake, it_token, body) for _ in range(8)))

    assert sorted(r.json()["status"] for r in responses) == ["accepted"] + ["duplicate"] * 7
    assert len({r.json()["incident_id"] for r in responses}) == 1
    assert len(await intake.events_of(responses[0].json()["incident_id"], settle=1.0)) == 1
