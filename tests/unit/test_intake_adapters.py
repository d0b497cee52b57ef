"""Each webhook adapter against payloads in its tool's real format."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bridgework.common.errors import DomainError
from bridgework.intake.domain.adapters import delivery_key, github, jira, pagerduty, servicenow
from bridgework.intake.domain.mapping import Ignored, Tool, ToolItem
from tests.intake_factories import (
    github_issue_event,
    jira_issue_event,
    pagerduty_annotation,
    pagerduty_event,
    servicenow_incident,
)


def parsed(result: ToolItem | Ignored) -> ToolItem:
    assert isinstance(result, ToolItem), result
    return result


def failing_fields(error: pytest.ExceptionInfo[DomainError]) -> list[str]:
    return sorted(problem.field for problem in error.value.problems())


# GitHub


def test_a_github_issue_becomes_an_item_with_labels_people_and_answers() -> None:
    payload = github_issue_event(issue_id=88001, number=7)

    issue = parsed(github.parse(payload, event="issues"))

    assert issue.tool is Tool.GITHUB
    assert issue.reference == "88001"
    assert issue.url == "https://github.com/example-org/it-service-desk/issues/7"
    assert issue.tags == ("access", "severity:high", "affects:finance")
    assert issue.responsible == ("5101",)
    assert issue.reporter == "5202"
    assert issue.occurred_at == datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    assert issue.updated_at == datetime(2026, 11, 2, 9, 45, tzinfo=UTC)
    assert issue.text is not None
    assert "### What happened?" in issue.text


def test_a_github_ping_and_other_events_are_ignored() -> None:
    assert isinstance(github.parse({"zen": "Keep it logically awesome."}, event="ping"), Ignored)
    assert isinstance(github.parse({"ref": "refs/heads/main"}, event="push"), Ignored)
    assert isinstance(github.parse(github_issue_event("deleted"), event="issues"), Ignored)


def test_every_other_issue_action_maps_the_whole_issue() -> None:
    for action in ("edited", "labeled", "assigned", "closed", "reopened"):
        assert parsed(github.parse(github_issue_event(action), event="issues")).summary


def test_a_github_issue_without_title_and_with_a_wrong_date_names_both_fields() -> None:
    payload = github_issue_event()
    del payload["issue"]["title"]
    payload["issue"]["created_at"] = "last tuesday"

    with pytest.raises(DomainError) as error:
        github.parse(payload, event="issues")

    assert failing_fields(error) == ["issue.created_at", "issue.title"]


def test_a_github_payload_of_the_wrong_types_is_a_payload_error() -> None:
    with pytest.raises(DomainError) as error:
        github.parse({"action": "opened", "issue": "not an object"}, event="issues")
    assert failing_fields(error) == ["issue"]
    with pytest.raises(DomainError):
        github.parse(["a", "list"], event="issues")


# Jira


def test_a_jira_issue_becomes_an_item_with_labels_components_type_and_priority() -> None:
    payload = jira_issue_event(issue_id="10042", key="ITSD-9")

    issue = parsed(jira.parse(payload))

    assert issue.tool is Tool.JIRA
    assert issue.reference == "10042"
    assert issue.url == "https://example-org.atlassian.net/browse/ITSD-9"
    assert issue.tags == ("shadow-it", "affects:marketing", "Collaboration tools", "Incident")
    assert issue.severity_hints == ("High",)
    assert issue.responsible == ("557058:aa11bb22-3333-4c49-9408-dc34bd0e2d85",)
    assert issue.reporter == "5b10ac8d82e05b22cc7d4ef5"
    assert issue.occurred_at == datetime(2026, 11, 3, 10, 0, tzinfo=UTC)


def test_a_jira_description_in_document_format_is_read_as_text() -> None:
    adf = {
        "type": "doc",
        "version": 1,
        "content": [
            {
                "type": "heading",
                "attrs": {"level": 3},
                "content": [{"type": "text", "text": "What happened?"}],
            },
            {"type": "paragraph", "content": [{"type": "text", "text": "The board was closed."}]},
        ],
    }

    issue = parsed(jira.parse(jira_issue_event(description=adf)))

    assert issue.text == "### What happened?\nThe board was closed."


def test_jira_events_that_are_not_issue_changes_are_ignored() -> None:
    assert isinstance(jira.parse({"webhookEvent": "comment_created", "comment": {}}), Ignored)
    assert isinstance(jira.parse(jira_issue_event("jira:issue_deleted")), Ignored)


def test_a_jira_payload_without_webhook_event_or_summary_names_the_fields() -> None:
    with pytest.raises(DomainError) as missing_event:
        jira.parse({"issue": {}})
    payload = jira_issue_event()
    del payload["issue"]["fields"]["summary"]
    with pytest.raises(DomainError) as missing_summary:
        jira.parse(payload)

    assert failing_fields(missing_event) == ["webhookEvent"]
    assert failing_fields(missing_summary) == ["issue.fields.summary"]


# ServiceNow


def test_a_servicenow_record_becomes_an_item_with_category_priority_and_people() -> None:
    payload = servicenow_incident(sys_id="9d385017c611228701d22104cc95c371")

    record = parsed(servicenow.parse(payload))

    assert record.tool is Tool.SERVICENOW
    assert record.reference == "9d385017c611228701d22104cc95c371"
    assert record.tags == ("network", "vpn")
    assert record.severity_hints == ("2", "2")
    assert record.responsible == ("46d44a23a9fe19810012d100cca80666",)
    assert record.reporter == "62826bf03710200044e0bfc8bcbe5df1"
    assert record.department_names == ("Finance",)
    assert record.occurred_at == datetime(2026, 11, 4, 7, 55, tzinfo=UTC), "no offset: UTC"
    assert record.answers == {"make_things_right": "Test VPN changes with finance before rollout."}


def test_servicenow_display_values_and_a_table_api_result_wrapper_are_understood() -> None:
    payload = {"result": servicenow_incident(display_values=True)}

    record = parsed(servicenow.parse(payload))

    assert record.severity_hints[:2] == ("1 - Critical", "1")
    assert record.tags[:2] == ("Network", "network")
    assert record.reporter == "62826bf03710200044e0bfc8bcbe5df1", "people by sys_id, not name"
    assert record.department_names == ("Finance",)


def test_a_servicenow_record_with_a_bad_date_and_no_description_names_both() -> None:
    payload = servicenow_incident(opened_at="04/11/2026 7:55")
    del payload["short_description"]

    with pytest.raises(DomainError) as error:
        servicenow.parse(payload)

    assert failing_fields(error) == ["opened_at", "short_description"]


def test_a_servicenow_body_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(DomainError):
        servicenow.parse([servicenow_incident()])


# PagerDuty


def test_a_pagerduty_incident_event_becomes_an_item_with_service_priority_and_assignees() -> None:
    payload = pagerduty_event(event_id="01DEN6BBYB7OPF3NJZSMEE4IJQ")

    incident = parsed(pagerduty.parse(payload))

    assert incident.tool is Tool.PAGERDUTY
    assert incident.reference == "PT4KHLK"
    assert incident.url == "https://example-org.pagerduty.com/incidents/PT4KHLK"
    assert incident.tags == ("Estates access control", "Infrastructure", "IT on-call")
    assert incident.severity_hints == ("P2", "high")
    assert incident.responsible == ("PXPGF42",)
    assert incident.updated_at == datetime(2026, 11, 5, 7, 2, tzinfo=UTC)
    assert pagerduty.delivery_id(payload) == "01DEN6BBYB7OPF3NJZSMEE4IJQ"


def test_pagerduty_events_that_do_not_carry_the_incident_are_ignored() -> None:
    ping: dict[str, Any] = {
        "event": {
            "id": "01",
            "event_type": "pagey.ping",
            "resource_type": "pagey",
            "occurred_at": "2026-11-05T07:00:00Z",
            "data": {"message": "Hello from your friend Pagey!", "type": "ping"},
        }
    }

    assert isinstance(pagerduty.parse(pagerduty_annotation()), Ignored)
    assert isinstance(pagerduty.parse(ping), Ignored)


def test_a_pagerduty_incident_without_title_is_named_under_event_data() -> None:
    payload = pagerduty_event()
    del payload["event"]["data"]["title"]

    with pytest.raises(DomainError) as error:
        pagerduty.parse(payload)

    assert failing_fields(error) == ["event.data.title"]


def test_a_long_delivery_id_is_kept_as_its_digest() -> None:
    assert delivery_key("72d3162e-cc78-11e3-81ab-4c9367dc0958") == (
        "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    )
    long_key = delivery_key("x" * 500)
    assert long_key is not None
    assert long_key.startswith("sha256:")
    assert len(long_key) < 100
    assert delivery_key("  ") is None
