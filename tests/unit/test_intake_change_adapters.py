"""Each tool's change adapter against payloads in its real format, and their mapping."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bridgework.common.contracts import ChangeKind
from bridgework.common.errors import DomainError
from bridgework.intake.domain.adapters import (
    github,
    github_changes,
    jira,
    jira_changes,
    servicenow,
    servicenow_changes,
)
from bridgework.intake.domain.change_mapping import (
    ChangeToolItem,
    change_kind,
    to_change_submission,
)
from bridgework.intake.domain.incidents import PersonInput
from bridgework.intake.domain.mapping import DEFAULTS, Ignored, Tool, ToolMapping, to_submission
from bridgework.intake.domain.pseudonyms import PseudonymKey
from tests.intake_change_factories import (
    github_change_issue,
    github_change_pull_request,
    jira_change_event,
    servicenow_change_request,
)
from tests.intake_factories import github_issue_event, jira_issue_event, servicenow_incident

KEY = PseudonymKey(b"a-test-pseudonym-key-of-32-characters")


def parsed(result: ChangeToolItem | Ignored) -> ChangeToolItem:
    assert isinstance(result, ChangeToolItem), result
    return result


def mapped(item: ChangeToolItem, mapping: ToolMapping | None = None) -> Any:
    return to_change_submission(
        item, mapping or DEFAULTS[item.tool], department="it", pseudonyms=KEY
    )


# ServiceNow


def test_a_servicenow_change_request_maps_to_a_change_with_its_departments_and_owner() -> None:
    item = servicenow_changes.parse(servicenow_change_request(sys_id="c0ffee"))

    change = mapped(item)

    assert change.source.tool == "servicenow"
    assert change.source.reference == "c0ffee"
    assert change.title == "Enforce MFA on the payroll portal"
    assert change.kind is ChangeKind.CONTROL  # the category "Security"
    assert change.planned_go_live == datetime(2026, 12, 1, 8, tzinfo=UTC)
    assert change.affected_departments == ["finance", "human-resources"]
    assert change.owner.department == "it"  # requested_by.department
    assert change.owner.person_id.startswith("u-servicenow-")
    assert change.went_live_at is None


def test_a_servicenow_change_in_review_or_closed_went_live_at_its_work_end() -> None:
    review = servicenow_change_request(state="0", work_end="2026-11-06 09:00:00")
    cancelled = servicenow_change_request(state="4", work_end="2026-11-06 09:00:00")
    failed = servicenow_change_request(
        state={"value": "3", "display_value": "Closed"}, close_code="unsuccessful"
    )

    assert servicenow_changes.parse(review).went_live_at == datetime(2026, 11, 6, 9, tzinfo=UTC)
    assert servicenow_changes.parse(cancelled).went_live_at is None
    assert servicenow_changes.parse(failed).went_live_at is None


def test_a_servicenow_change_kind_field_wins_over_the_category() -> None:
    item = servicenow_changes.parse(servicenow_change_request(u_change_kind="Retirement"))

    assert mapped(item).kind is ChangeKind.RETIREMENT


def test_a_servicenow_change_without_affected_departments_names_the_field() -> None:
    item = servicenow_changes.parse(servicenow_change_request(u_affected_departments=""))

    with pytest.raises(DomainError) as refused:
        mapped(item)

    assert [problem.field for problem in refused.value.problems()] == [
        "change.affected_departments"
    ]


def test_a_servicenow_change_without_a_planned_start_names_the_field() -> None:
    item = servicenow_changes.parse(servicenow_change_request(start_date=""))

    with pytest.raises(DomainError) as refused:
        mapped(item)

    assert [problem.field for problem in refused.value.problems()] == ["change.planned_go_live"]


# Jira Service Management


def test_a_jira_change_maps_labels_to_kind_and_departments_and_due_date_to_go_live() -> None:
    item = parsed(jira_changes.parse(jira_change_event(issue_id="7001"), planned_start_field=None))

    change = mapped(item)

    assert change.source.reference == "7001"
    assert change.source.url == "https://example-org.atlassian.net/browse/ITCM-12"
    assert change.kind is ChangeKind.RETIREMENT
    assert change.affected_departments == ["marketing", "sales"]
    assert change.planned_go_live == datetime(2026, 12, 1, tzinfo=UTC)
    assert change.went_live_at is None


def test_a_jira_planned_start_field_wins_over_the_due_date() -> None:
    payload = jira_change_event(customfield_10061="2026-12-03T09:00:00.000+0000")

    item = parsed(jira_changes.parse(payload, planned_start_field="customfield_10061"))

    assert item.planned_go_live == datetime(2026, 12, 3, 9, tzinfo=UTC)


def test_a_completed_jira_change_went_live_but_a_cancelled_one_did_not() -> None:
    done = jira_change_event(
        "jira:issue_updated", status="Completed", category="done", resolution="Done"
    )
    cancelled = jira_change_event(
        "jira:issue_updated", status="Canceled", category="done", resolution="Cancelled"
    )

    live = parsed(jira_changes.parse(done, planned_start_field=None))
    not_live = parsed(jira_changes.parse(cancelled, planned_start_field=None))

    assert live.went_live_at == datetime(2026, 11, 6, 12, tzinfo=UTC)
    assert not_live.went_live_at is None


def test_a_jira_comment_event_is_ignored() -> None:
    payload = jira_change_event("comment_created")

    assert isinstance(jira_changes.parse(payload, planned_start_field=None), Ignored)


# GitHub


def test_a_github_issue_with_the_change_label_is_a_change_going_live_from_its_body() -> None:
    payload = github_change_issue(issue_id=91001)

    change = mapped(parsed(github_changes.parse(payload, event="issues", label="change")))

    assert change.source.reference == "91001"
    assert change.kind is ChangeKind.ROLLOUT
    assert change.affected_departments == ["estates"]
    assert change.planned_go_live == datetime(2026, 12, 1, tzinfo=UTC)
    assert change.owner.person_id == KEY.person_id("github", "5101")  # the assignee


def test_a_github_issue_without_the_label_is_ignored_and_the_label_is_configurable() -> None:
    payload = github_change_issue(labels=("rfc", "affects:estates"))

    assert isinstance(github_changes.parse(payload, event="issues", label="change"), Ignored)
    assert isinstance(github_changes.parse(payload, event="issues", label="RFC"), ChangeToolItem)


def test_a_merged_pull_request_went_live_and_its_milestone_is_the_plan() -> None:
    payload = github_change_pull_request("closed", pull_id=92001, merged=True)

    item = parsed(github_changes.parse(payload, event="pull_request", label="change"))

    assert item.planned_go_live == datetime(2026, 12, 2, 8, tzinfo=UTC)
    assert item.went_live_at == datetime(2026, 11, 6, 12, 30, tzinfo=UTC)
    assert mapped(item).kind is ChangeKind.ACCESS


def test_a_closed_issue_went_live_when_completed() -> None:
    payload = github_change_issue("closed", closed=True)

    item = parsed(github_changes.parse(payload, event="issues", label="change"))

    assert item.went_live_at == datetime(2026, 11, 6, 11, tzinfo=UTC)


# Mapping


def test_the_departments_mapping_names_the_owner_and_the_affected_departments() -> None:
    mapping = ToolMapping(
        people={"5101": PersonInput(person_id="p-it-3", department="it")},
        affected_departments_from={"Human Resources": "hr"},
    ).over(DEFAULTS[Tool.SERVICENOW])
    payload = servicenow_change_request(requested_by="5101")

    change = mapped(servicenow_changes.parse(payload), mapping)

    assert (change.owner.person_id, change.owner.department) == ("p-it-3", "it")
    assert change.affected_departments == ["finance", "hr"]


@pytest.mark.parametrize(
    ("hint", "tags", "kind"),
    [
        (None, ("kind:policy",), ChangeKind.POLICY),
        (None, ("IAM",), ChangeKind.ACCESS),
        ("Decommission", ("security",), ChangeKind.RETIREMENT),
        (None, ("bug",), ChangeKind.ROLLOUT),
    ],
)
def test_a_change_kind_comes_from_the_tools_field_then_its_tags_else_rollout(
    hint: str | None, tags: tuple[str, ...], kind: ChangeKind
) -> None:
    assert change_kind(hint, tags) is kind


# Incidents naming the change they came from


def incident_change_ref(item: Any) -> Any:
    submission = to_submission(item, DEFAULTS[item.tool], department="it", pseudonyms=KEY)
    return submission.change_ref


def test_a_servicenow_incident_caused_by_a_change_names_it() -> None:
    caused = servicenow.parse(servicenow_incident(caused_by="chg-sys-1", rfc="chg-sys-2"))
    by_rfc = servicenow.parse(servicenow_incident(rfc={"value": "chg-sys-2"}))
    unrelated = servicenow.parse(servicenow_incident())

    assert (incident_change_ref(caused).tool, incident_change_ref(caused).reference) == (
        "servicenow",
        "chg-sys-1",
    )
    assert incident_change_ref(by_rfc).reference == "chg-sys-2"
    assert incident_change_ref(unrelated) is None


def test_a_jira_incident_linked_to_a_change_issue_names_it() -> None:
    payload = jira_issue_event()
    payload["issue"]["fields"]["issuelinks"] = [
        {
            "id": "10301",
            "type": {"name": "Relates", "inward": "relates to", "outward": "relates to"},
            "outwardIssue": {
                "id": "555",
                "key": "ITSD-1",
                "fields": {"issuetype": {"name": "Bug"}},
            },
        },
        {
            "id": "10302",
            "type": {"name": "Causes", "inward": "is caused by", "outward": "causes"},
            "inwardIssue": {
                "id": "7001",
                "key": "ITCM-12",
                "fields": {"issuetype": {"name": "Change"}},
            },
        },
    ]

    ref = incident_change_ref(jira.parse(payload))

    assert (ref.tool, ref.reference) == ("jira", "7001")


def test_a_github_incident_names_its_change_with_a_change_label() -> None:
    payload = github_issue_event(labels=("outage", "change:91001"))

    ref = incident_change_ref(github.parse(payload, event="issues"))

    assert (ref.tool, ref.reference) == ("github", "91001")
