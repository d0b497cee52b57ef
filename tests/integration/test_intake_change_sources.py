"""Planned changes from the tools and as CloudEvents, against the real broker and database:
each source records a ChangeRecorded on the `changes` topic and reports go-live; incidents
from the tools keep the change they name."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import pytest

from bridgework.common.contracts import (
    ChangeRecordedV1,
    ChangeWentLiveV1,
    GoLiveReporter,
    IncidentReportedV1,
)
from bridgework.common.topics import dead_letter_topic
from bridgework.intake.domain.mapping import Tool
from tests.factories import submission_json
from tests.infra import Infrastructure, header, produce, read_topic
from tests.intake_change_factories import (
    PAST,
    change_events_of,
    change_json,
    failing_fields,
    github_change_issue,
    github_change_pull_request,
    jira_change_event,
    post,
    servicenow_change_request,
    stored_count,
)
from tests.intake_factories import (
    GITHUB_SECRET,
    RunningIntake,
    bearer,
    binary_kafka_headers,
    encode,
    hub_signature,
    running_intake,
    servicenow_incident,
    structured_cloudevent,
)

pytestmark = pytest.mark.integration
CHANGE_TYPE = "bridgework.intake.change.v1"


@pytest.fixture(scope="module")
async def intake(infra: Infrastructure) -> AsyncIterator[RunningIntake]:
    async with running_intake(infra) as running:
        await running.secret("it", Tool.GITHUB, GITHUB_SECRET)
        yield running


@pytest.fixture(scope="module")
async def it_token(intake: RunningIntake) -> str:
    return await intake.token("it")


# The tools


async def test_a_servicenow_change_request_is_recorded_then_goes_live_when_closed(
    intake: RunningIntake, it_token: str
) -> None:
    sys_id = uuid4().hex
    path = "/v1/webhooks/servicenow/it/changes"

    planned = await post(intake, it_token, path, servicenow_change_request(sys_id=sys_id))
    closed = await post(
        intake,
        it_token,
        path,
        servicenow_change_request(
            sys_id=sys_id,
            state="3",
            close_code="successful",
            work_end="2026-11-06 14:00:00",
            sys_updated_on="2026-11-06 14:05:00",
        ),
    )

    assert planned.status_code == 202, planned.text
    assert closed.json()["status"] == "went_live"
    events = await change_events_of(intake, planned.json()["change_id"], count=2)
    recorded, live = (event.data for event in events)
    assert isinstance(recorded, ChangeRecordedV1)
    assert (recorded.source.tool, recorded.source.reference) == ("servicenow", sys_id)
    assert recorded.affected_departments == ["finance", "human-resources"]
    assert isinstance(live, ChangeWentLiveV1)
    assert live.reported_by is GoLiveReporter.TOOL


async def test_a_servicenow_change_in_the_past_is_refused_naming_the_field(
    intake: RunningIntake, it_token: str
) -> None:
    before = await stored_count(intake)

    response = await post(
        intake,
        it_token,
        "/v1/webhooks/servicenow/it/changes",
        servicenow_change_request(start_date="2026-10-01 08:00:00"),
    )

    assert response.status_code == 422, response.text
    assert failing_fields(response) == ["change.planned_go_live"]
    assert await stored_count(intake) == before


async def test_a_jira_change_sent_with_the_token_is_recorded(
    intake: RunningIntake, it_token: str
) -> None:
    response = await post(
        intake, it_token, "/v1/webhooks/jira/it/changes", jira_change_event(issue_id="70042")
    )

    assert response.status_code == 202, response.text
    [event] = await change_events_of(intake, response.json()["change_id"])
    assert isinstance(event.data, ChangeRecordedV1)
    assert event.data.kind == "retirement"
    assert event.data.affected_departments == ["marketing", "sales"]


async def github(intake: RunningIntake, event: str, payload: Any) -> Any:
    body = json.dumps(payload).encode()
    headers = {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": str(uuid4()),
        "x-hub-signature-256": hub_signature(GITHUB_SECRET, body),
    }
    return await intake.client.post("/v1/webhooks/github/it/changes", content=body, headers=headers)


async def test_github_items_with_the_change_label_are_changes_and_a_merge_goes_live(
    intake: RunningIntake,
) -> None:
    issue = await github(intake, "issues", github_change_issue())
    unlabelled = await github(intake, "issues", github_change_issue(labels=("bug",)))
    merged = await github(intake, "pull_request", github_change_pull_request("closed", merged=True))

    assert issue.status_code == 202, issue.text
    assert unlabelled.json()["status"] == "ignored"
    assert merged.status_code == 202, merged.text
    events = await change_events_of(intake, merged.json()["change_id"], count=2)
    assert [type(event.data) for event in events] == [ChangeRecordedV1, ChangeWentLiveV1]


# CloudEvents


async def test_a_change_cloudevent_over_http_and_on_the_raw_topic_is_recorded(
    intake: RunningIntake, it_token: str
) -> None:
    over_http = await intake.client.post(
        "/v1/cloudevents",
        json=structured_cloudevent(change_json(title="Over HTTP"), type=CHANGE_TYPE),
        headers={"content-type": "application/cloudevents+json", **bearer(it_token)},
    )
    assert over_http.status_code == 202, over_http.text
    assert over_http.json()["status"] == "accepted"
    [event] = await change_events_of(intake, over_http.json()["change_id"])
    assert event.data.title == "Over HTTP"

    marker = f"On the raw topic {uuid4()}"
    await produce(
        intake.settings.kafka_bootstrap_servers,
        intake.settings.topics.intake_raw,
        [],
        extra=[
            (
                b"past",
                encode(change_json(planned_go_live=PAST)),
                binary_kafka_headers(token=it_token, type=CHANGE_TYPE),
            ),
            (
                b"good",
                encode(change_json(title=marker)),
                binary_kafka_headers(token=it_token, type=CHANGE_TYPE),
            ),
        ],
    )

    def titled(records: list[Any]) -> list[Any]:
        return [r for r in records if json.loads(r.value).get("title") == marker]

    published = await read_topic(
        intake.settings.kafka_bootstrap_servers,
        intake.settings.topics.changes,
        until=lambda records: len(titled(records)) >= 1,
    )
    assert len(titled(published)) == 1
    [letter] = await read_topic(
        intake.settings.kafka_bootstrap_servers,
        dead_letter_topic(intake.settings.topics.intake_raw),
        until=lambda records: len(records) >= 1,
        settle=0.5,
    )
    assert letter.key == b"past"
    assert header(letter, "bridgework_dlq_reason") == "invalid_event"
    assert "data.planned_go_live" in (header(letter, "bridgework_dlq_error") or "")


# Incidents naming their change


async def test_an_incident_naming_an_unknown_change_is_accepted_with_the_link(
    intake: RunningIntake, it_token: str
) -> None:
    reference = f"CHG-{uuid4().hex[:8]}"
    change_ref = {"tool": "servicenow", "reference": reference, "department": "it"}

    response = await post(intake, it_token, "/v1/incidents", submission_json(change_ref=change_ref))

    assert response.status_code == 202, response.text
    [event] = await intake.events_of(response.json()["incident_id"])
    assert isinstance(event.data, IncidentReportedV1)
    assert event.data.change_ref is not None
    assert event.data.change_ref.model_dump(exclude_none=True) == change_ref


async def test_an_adapters_incident_keeps_its_change_and_a_change_label_is_no_incident(
    intake: RunningIntake, it_token: str
) -> None:
    change_sys_id = uuid4().hex
    incident = await post(
        intake,
        it_token,
        "/v1/webhooks/servicenow/it",
        servicenow_incident(caused_by=change_sys_id),
    )
    body = json.dumps(github_change_issue()).encode()
    labelled = await intake.client.post(
        "/v1/webhooks/github/it",
        content=body,
        headers={
            "content-type": "application/json",
            "x-github-event": "issues",
            "x-hub-signature-256": hub_signature(GITHUB_SECRET, body),
        },
    )

    assert incident.status_code == 202, incident.text
    [event] = await intake.events_of(incident.json()["incident_id"])
    assert event.data.change_ref is not None
    assert (event.data.change_ref.tool, event.data.change_ref.reference) == (
        "servicenow",
        change_sys_id,
    )
    assert labelled.json()["status"] == "ignored"
