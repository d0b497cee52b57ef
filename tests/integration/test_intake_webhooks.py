"""Webhook adapters against the real broker and database: signed deliveries in, incidents out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import uuid4

import httpx
import pytest

from bridgework.common.contracts import (
    IncidentCategory,
    IncidentReportedV1,
    IncidentUpdatedV1,
    Severity,
)
from bridgework.intake.domain.mapping import Tool, ToolMapping
from bridgework.intake.domain.pseudonyms import PseudonymKey
from bridgework.intake.use_cases import incidents, mappings
from tests.infra import Infrastructure
from tests.intake_factories import (
    GITHUB_SECRET,
    JIRA_SECRET,
    PAGERDUTY_SECRET,
    RunningIntake,
    bearer,
    encode,
    github_issue_event,
    hub_signature,
    jira_issue_event,
    pagerduty_annotation,
    pagerduty_event,
    pagerduty_signature,
    running_intake,
    servicenow_incident,
)

pytestmark = pytest.mark.integration
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
async def intake(infra: Infrastructure) -> AsyncIterator[RunningIntake]:
    async with running_intake(infra, max_body_bytes=256 * 1024) as running:
        await running.secret("it", Tool.GITHUB, GITHUB_SECRET)
        await running.secret("it", Tool.JIRA, JIRA_SECRET)
        await running.secret("estates", Tool.PAGERDUTY, PAGERDUTY_SECRET)
        yield running


async def github(
    intake: RunningIntake,
    payload: Any,
    *,
    delivery: str | None = None,
    event: str = "issues",
    secret: str = GITHUB_SECRET,
    department: str = "it",
) -> httpx.Response:
    body = encode(payload)
    return await intake.client.post(
        f"/v1/webhooks/github/{department}",
        content=body,
        headers={
            **JSON,
            "x-github-event": event,
            "x-github-delivery": delivery or str(uuid4()),
            "x-hub-signature-256": hub_signature(secret, body),
        },
    )


async def pagerduty(
    intake: RunningIntake, payload: Any, *secrets: str, department: str = "estates"
) -> httpx.Response:
    body = encode(payload)
    return await intake.client.post(
        f"/v1/webhooks/pagerduty/{department}",
        content=body,
        headers={
            **JSON,
            "x-pagerduty-signature": pagerduty_signature(body, *(secrets or (PAGERDUTY_SECRET,))),
        },
    )


# GitHub


async def test_a_signed_github_issue_becomes_an_incident_with_mapped_fields(
    intake: RunningIntake,
) -> None:
    response = await github(intake, github_issue_event(title="Finance lost the shared drive"))

    assert response.status_code == 202, response.text
    [event] = await intake.events_of(response.json()["incident_id"])
    incident = event.data
    assert isinstance(incident, IncidentReportedV1)
    assert incident.department == "it"
    assert incident.summary == "Finance lost the shared drive"
    assert incident.category is IncidentCategory.ACCESS_RESTRICTION
    assert incident.severity is Severity.HIGH
    assert incident.affected_departments == ["finance"]
    # Unmapped tool users arrive as keyed pseudonyms, never as the tool's own ids.
    pseudonyms = PseudonymKey(intake.settings.pseudonym_secret())
    assert [p.person_id for p in incident.responsible] == [pseudonyms.person_id("github", "5101")]
    assert [p.person_id for p in incident.affected_people] == [
        pseudonyms.person_id("github", "5202")
    ]
    assert incident.source.tool == "github"
    assert incident.answers is not None
    assert incident.answers.who_was_affected == "Four analysts lost a day of work."


async def test_a_redelivered_github_delivery_is_a_duplicate_before_it_is_parsed_again(
    intake: RunningIntake,
) -> None:
    payload = github_issue_event()
    delivery = str(uuid4())
    first = await github(intake, payload, delivery=delivery)
    # A redelivery carries the same id; even a body that no longer maps is not looked at.
    again = await github(intake, {"action": "opened"}, delivery=delivery)

    assert again.status_code == 200
    assert again.json() == {"incident_id": first.json()["incident_id"], "status": "duplicate"}
    assert len(await intake.events_of(first.json()["incident_id"], settle=1.0)) == 1


async def test_a_relabelled_github_issue_is_an_update_and_an_unrelated_action_is_not(
    intake: RunningIntake,
) -> None:
    issue_id = int(uuid4().int % 10**9)
    opened = await github(intake, github_issue_event(issue_id=issue_id))
    relabelled = await github(
        intake,
        github_issue_event(
            "labeled",
            issue_id=issue_id,
            labels=("access", "severity:severe", "affects:finance"),
            updated_at="2026-11-02T11:00:00Z",
        ),
    )
    pinned = await github(
        intake,
        github_issue_event(
            "pinned",
            issue_id=issue_id,
            labels=("access", "severity:severe", "affects:finance"),
            updated_at="2026-11-02T11:05:00Z",
        ),
    )

    assert relabelled.json()["status"] == "updated"
    assert pinned.json()["status"] == "duplicate"
    events = await intake.events_of(opened.json()["incident_id"], count=2, settle=1.0)
    assert isinstance(events[1].data, IncidentUpdatedV1)
    assert events[1].data.changed_fields == ["severity"]


async def test_a_github_delivery_with_a_wrong_or_missing_signature_is_refused(
    intake: RunningIntake,
) -> None:
    wrong = await github(intake, github_issue_event(), secret="a-guess-at-the-secret-000")
    body = encode(github_issue_event())
    missing = await intake.client.post(
        "/v1/webhooks/github/it", content=body, headers={**JSON, "x-github-event": "issues"}
    )
    unconfigured = await github(intake, github_issue_event(), department="legal")

    assert [r.status_code for r in (wrong, missing, unconfigured)] == [401, 401, 401]
    assert "does not match" in wrong.json()["detail"]
    assert "missing" in missing.json()["detail"]
    assert "no github webhook secret" in unconfigured.json()["detail"]


async def test_a_github_ping_is_answered_and_ignored(intake: RunningIntake) -> None:
    response = await github(intake, {"zen": "Design for failure.", "hook_id": 1}, event="ping")

    assert response.status_code == 200
    assert response.json()["status"] == "ignored"


async def test_github_form_encoded_deliveries_are_understood(intake: RunningIntake) -> None:
    body = urlencode({"payload": encode(github_issue_event()).decode()}).encode()

    response = await intake.client.post(
        "/v1/webhooks/github/it",
        content=body,
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-github-event": "issues",
            "x-github-delivery": str(uuid4()),
            "x-hub-signature-256": hub_signature(GITHUB_SECRET, body),
        },
    )

    assert response.status_code == 202, response.text


async def test_a_github_issue_missing_fields_names_them(intake: RunningIntake) -> None:
    payload = github_issue_event()
    del payload["issue"]["title"]
    payload["issue"]["user"] = "octocat"

    response = await github(intake, payload)

    assert response.status_code == 422
    assert sorted(f["field"] for f in response.json()["fields"]) == ["issue.title", "issue.user"]


async def test_a_webhook_in_the_wrong_content_type_is_unsupported(intake: RunningIntake) -> None:
    response = await intake.client.post(
        "/v1/webhooks/github/it", content=b"<issue/>", headers={"content-type": "text/xml"}
    )

    assert response.status_code == 415


async def test_a_department_mapping_changes_how_github_labels_are_read(
    intake: RunningIntake,
) -> None:
    await mappings.set_mapping(
        pool=intake.pool,
        clock=intake.clock,
        department="it",
        tool=Tool.GITHUB,
        mapping=ToolMapping(
            category_from={"vpn": IncidentCategory.COMMUNICATION},
            people={"5101": {"person_id": "p-it-001", "department": "it"}},
        ),
    )
    try:
        response = await github(intake, github_issue_event(labels=("VPN", "P1")))
    finally:
        await mappings.reset_mapping(pool=intake.pool, department="it", tool=Tool.GITHUB)

    [event] = await intake.events_of(response.json()["incident_id"])
    assert event.data.category is IncidentCategory.COMMUNICATION
    assert event.data.severity is Severity.SEVERE
    assert [p.person_id for p in event.data.responsible] == ["p-it-001"]


async def test_a_required_tag_keeps_untagged_issues_out(intake: RunningIntake) -> None:
    await mappings.set_mapping(
        pool=intake.pool,
        clock=intake.clock,
        department="it",
        tool=Tool.GITHUB,
        mapping=ToolMapping(require_tag="bridgework"),
    )
    try:
        untagged = await github(intake, github_issue_event(labels=("bug",)))
        tagged = await github(intake, github_issue_event(labels=("bug", "Bridgework")))
    finally:
        await mappings.reset_mapping(pool=intake.pool, department="it", tool=Tool.GITHUB)

    assert untagged.json()["status"] == "ignored"
    assert tagged.status_code == 202


# Jira


async def test_a_signed_jira_issue_becomes_an_incident_and_a_retry_is_a_duplicate(
    intake: RunningIntake,
) -> None:
    body = encode(jira_issue_event())
    headers = {
        **JSON,
        "x-hub-signature": hub_signature(JIRA_SECRET, body),
        "x-atlassian-webhook-identifier": str(uuid4().int % 10**12),
    }

    first = await intake.client.post("/v1/webhooks/jira/it", content=body, headers=headers)
    retry = await intake.client.post("/v1/webhooks/jira/it", content=body, headers=headers)

    assert first.status_code == 202, first.text
    assert retry.json() == {"incident_id": first.json()["incident_id"], "status": "duplicate"}
    [event] = await intake.events_of(first.json()["incident_id"], settle=1.0)
    incident = event.data
    assert isinstance(incident, IncidentReportedV1)
    assert incident.category is IncidentCategory.SHADOW_IT
    assert incident.severity is Severity.HIGH
    assert incident.affected_departments == ["marketing"]
    assert incident.answers is not None
    assert incident.answers.thinking_at_the_time == "We needed a planning tool quickly."


async def test_jira_automation_may_send_the_departments_token_instead_of_a_signature(
    intake: RunningIntake,
) -> None:
    issue_id = str(uuid4().int % 10**7)
    token = await intake.token("it")
    created = await intake.client.post(
        "/v1/webhooks/jira/it",
        content=encode(jira_issue_event(issue_id=issue_id)),
        headers={**JSON, **bearer(token)},
    )
    updated = await intake.client.post(
        "/v1/webhooks/jira/it",
        content=encode(
            jira_issue_event(
                "jira:issue_updated",
                issue_id=issue_id,
                priority="Highest",
                updated="2026-11-03T12:00:00.000+0000",
            )
        ),
        headers={**JSON, **bearer(token)},
    )
    elsewhere = await intake.client.post(
        "/v1/webhooks/jira/finance",
        content=encode(jira_issue_event()),
        headers={**JSON, **bearer(token)},
    )

    assert (created.status_code, updated.json()["status"]) == (202, "updated")
    assert elsewhere.status_code == 403


async def test_a_jira_delivery_without_signature_or_token_is_refused(
    intake: RunningIntake,
) -> None:
    response = await intake.client.post(
        "/v1/webhooks/jira/it", content=encode(jira_issue_event()), headers=JSON
    )

    assert response.status_code == 401
    assert "X-Hub-Signature" in response.json()["detail"]


# ServiceNow


async def test_a_servicenow_incident_with_the_departments_token_becomes_an_incident(
    intake: RunningIntake,
) -> None:
    token = await intake.token("it")

    response = await intake.client.post(
        "/v1/webhooks/servicenow/it",
        json=servicenow_incident(display_values=True),
        headers=bearer(token),
    )

    assert response.status_code == 202, response.text
    [event] = await intake.events_of(response.json()["incident_id"])
    incident = event.data
    assert isinstance(incident, IncidentReportedV1)
    assert incident.category is IncidentCategory.OUTAGE
    assert incident.severity is Severity.SEVERE
    assert incident.affected_departments == ["finance"]
    assert incident.answers is not None
    assert incident.answers.what_happened is not None


async def test_servicenow_without_a_token_or_with_a_bad_record_is_explained(
    intake: RunningIntake,
) -> None:
    token = await intake.token("it")
    anonymous = await intake.client.post("/v1/webhooks/servicenow/it", json=servicenow_incident())
    bad_record = await intake.client.post(
        "/v1/webhooks/servicenow/it",
        json=servicenow_incident(opened_at="sometime", short_description=42),
        headers=bearer(token),
    )

    assert anonymous.status_code == 401
    assert bad_record.status_code == 422
    assert sorted(f["field"] for f in bad_record.json()["fields"]) == [
        "opened_at",
        "short_description",
    ]


# PagerDuty


async def test_a_pagerduty_incident_is_accepted_and_its_acknowledgement_changes_nothing(
    intake: RunningIntake,
) -> None:
    incident_id = f"P{uuid4().hex[:6].upper()}"
    triggered = await pagerduty(intake, pagerduty_event(incident_id=incident_id))
    acknowledged = await pagerduty(
        intake,
        pagerduty_event(
            "incident.acknowledged",
            incident_id=incident_id,
            occurred_at="2026-11-05T07:05:00.000Z",
        ),
    )
    reprioritised = await pagerduty(
        intake,
        pagerduty_event(
            "incident.priority_updated",
            incident_id=incident_id,
            priority="P1",
            occurred_at="2026-11-05T07:10:00.000Z",
        ),
    )

    assert triggered.status_code == 202, triggered.text
    assert acknowledged.json()["status"] == "duplicate"
    assert reprioritised.json()["status"] == "updated"
    events = await intake.events_of(triggered.json()["incident_id"], count=2, settle=1.0)
    assert events[0].data.category is IncidentCategory.OUTAGE
    assert events[1].data.severity is Severity.SEVERE


async def test_pagerduty_retries_of_one_event_are_one_delivery(intake: RunningIntake) -> None:
    payload = pagerduty_event(incident_id=f"P{uuid4().hex[:6].upper()}")

    first = await pagerduty(intake, payload)
    retry = await pagerduty(intake, payload)

    assert retry.json() == {"incident_id": first.json()["incident_id"], "status": "duplicate"}


async def test_pagerduty_signatures_from_a_rotating_account_are_accepted(
    intake: RunningIntake,
) -> None:
    response = await pagerduty(
        intake,
        pagerduty_event(incident_id=f"P{uuid4().hex[:6].upper()}"),
        "pagerduty-previous-secret-000000",
        PAGERDUTY_SECRET,
    )

    assert response.status_code == 202


async def test_a_pagerduty_delivery_with_a_bad_signature_is_refused(intake: RunningIntake) -> None:
    response = await pagerduty(intake, pagerduty_event(), "not-the-secret-0000000000")

    assert response.status_code == 401


async def test_pagerduty_notes_are_ignored(intake: RunningIntake) -> None:
    response = await pagerduty(intake, pagerduty_annotation())

    assert response.status_code == 200
    assert response.json()["status"] == "ignored"


async def test_a_pagerduty_delivery_without_an_event_id_names_it(intake: RunningIntake) -> None:
    payload = pagerduty_event()
    del payload["event"]["id"]

    response = await pagerduty(intake, payload)

    assert response.status_code == 422
    assert [f["field"] for f in response.json()["fields"]] == ["event.id"]


# All of them


async def test_a_huge_webhook_body_is_refused_before_it_is_read(intake: RunningIntake) -> None:
    payload = github_issue_event(body="y" * (300 * 1024))

    declared = await github(intake, payload)

    async def streamed() -> AsyncIterator[bytes]:
        for _ in range(300):
            yield b"z" * 1024

    chunked = await intake.client.post(
        "/v1/webhooks/pagerduty/estates", content=streamed(), headers=JSON
    )

    assert (declared.status_code, chunked.status_code) == (413, 413)
    assert chunked.json()["error"] == "body_too_large"


async def test_a_department_in_the_url_must_be_a_slug(intake: RunningIntake) -> None:
    response = await github(intake, github_issue_event(), department="IT%20Dept")

    assert response.status_code == 422
    assert response.json()["fields"][0]["field"].endswith("department")


async def test_past_the_retention_a_redelivery_is_still_recognised_by_its_content(
    intake: RunningIntake,
) -> None:
    payload = github_issue_event()
    delivery = str(uuid4())
    first = await github(intake, payload, delivery=delivery)
    intake.clock.advance(timedelta(days=intake.settings.delivery_retention_days + 1))

    forgotten = await incidents.forget_old_deliveries(
        pool=intake.pool, clock=intake.clock, settings=intake.settings
    )
    late = await github(intake, payload, delivery=delivery)

    assert forgotten >= 1
    assert late.json() == {
        "incident_id": first.json()["incident_id"],
        "status": "duplicate",
        "revision": 1,
    }
