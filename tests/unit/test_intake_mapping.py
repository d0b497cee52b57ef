"""How a tool's item becomes an incident: defaults, a department's own mapping, people, answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bridgework.common.contracts import IncidentCategory, ResponseMode, Severity
from bridgework.common.errors import DomainError
from bridgework.intake.domain.answers import ANSWER_LIMIT, answers_from_text
from bridgework.intake.domain.mapping import (
    DEFAULTS,
    Tool,
    ToolItem,
    ToolMapping,
    carries_required_tag,
    effective_mapping,
    to_submission,
)
from bridgework.intake.domain.pseudonyms import PseudonymKey

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
KEY = PseudonymKey(b"tests-only-pseudonym-key-0123456789abcdef")


def item(**overrides: Any) -> ToolItem:
    fields: dict[str, Any] = {
        "tool": Tool.GITHUB,
        "reference": "881234",
        "summary": "Finance locked out of the shared drive",
        "occurred_at": T0,
    }
    fields.update(overrides)
    return ToolItem(**fields)


def github_defaults() -> ToolMapping:
    return effective_mapping(Tool.GITHUB, None)


def test_labels_name_category_and_severity_in_any_common_spelling() -> None:
    submission = to_submission(
        item(tags=("bug", "Shadow IT", "Severity: High")),
        github_defaults(),
        department="it",
        pseudonyms=KEY,
    )

    assert submission.category is IncidentCategory.SHADOW_IT
    assert submission.severity is Severity.HIGH


def test_without_telling_tags_the_tools_defaults_apply() -> None:
    github = to_submission(item(tags=("bug",)), github_defaults(), department="it", pseudonyms=KEY)
    pagerduty = to_submission(
        item(tool=Tool.PAGERDUTY),
        effective_mapping(Tool.PAGERDUTY, None),
        department="it",
        pseudonyms=KEY,
    )

    assert (github.category, github.severity) == (IncidentCategory.OTHER, Severity.MODERATE)
    assert pagerduty.category is IncidentCategory.OUTAGE


def test_a_priority_field_outranks_a_severity_label() -> None:
    submission = to_submission(
        item(tool=Tool.JIRA, severity_hints=("Highest",), tags=("severity:low",)),
        effective_mapping(Tool.JIRA, None),
        department="it",
        pseudonyms=KEY,
    )

    assert submission.severity is Severity.SEVERE


def test_servicenow_priorities_map_by_value_or_display_value() -> None:
    mapping = effective_mapping(Tool.SERVICENOW, None)

    by_display = to_submission(
        item(tool=Tool.SERVICENOW, severity_hints=("1 - Critical", "1")),
        mapping,
        department="it",
        pseudonyms=KEY,
    )
    by_value = to_submission(
        item(tool=Tool.SERVICENOW, severity_hints=("4",)), mapping, department="it", pseudonyms=KEY
    )

    assert (by_display.severity, by_value.severity) == (Severity.SEVERE, Severity.LOW)


def test_a_departments_own_table_is_laid_over_the_defaults() -> None:
    own = ToolMapping(
        category_from={"vpn": IncidentCategory.ACCESS_RESTRICTION},
        default_severity=Severity.LOW,
        response_mode_from={"restorative": ResponseMode.WITH},
    )
    mapping = effective_mapping(Tool.GITHUB, own)

    vpn = to_submission(item(tags=("VPN", "restorative")), mapping, department="it", pseudonyms=KEY)
    shadow = to_submission(item(tags=("shadow-it",)), mapping, department="it", pseudonyms=KEY)

    assert vpn.category is IncidentCategory.ACCESS_RESTRICTION
    assert vpn.severity is Severity.LOW
    assert vpn.response_mode is ResponseMode.WITH
    assert shadow.category is IncidentCategory.SHADOW_IT, "the defaults' other keys remain"


def test_affected_departments_come_from_prefixed_tags_tables_and_department_names() -> None:
    mapping = effective_mapping(
        Tool.SERVICENOW, ToolMapping(affected_departments_from={"Payroll Team": "finance"})
    )

    submission = to_submission(
        item(
            tool=Tool.SERVICENOW,
            tags=("affects:HR", "payroll-team"),
            department_names=("Estates & Facilities",),
        ),
        mapping,
        department="it",
        pseudonyms=KEY,
    )

    assert submission.affected_departments == ["estates-facilities", "finance", "hr"]


def test_a_department_name_that_cannot_be_a_slug_is_explained() -> None:
    with pytest.raises(DomainError) as raised:
        to_submission(
            item(tool=Tool.SERVICENOW, department_names=("42nd floor",)),
            effective_mapping(Tool.SERVICENOW, None),
            department="it",
            pseudonyms=KEY,
        )

    [problem] = raised.value.problems()
    assert problem.field == "incident.affected_departments"
    assert "42nd floor" in problem.reason


def test_pagerduty_does_not_count_the_reporter_as_affected_by_default() -> None:
    assert DEFAULTS[Tool.PAGERDUTY].reporter_is_affected is False
    assert DEFAULTS[Tool.GITHUB].reporter_is_affected is True


def test_an_item_without_the_required_tag_is_not_an_incident() -> None:
    mapping = effective_mapping(Tool.GITHUB, ToolMapping(require_tag="Bridgework"))

    assert carries_required_tag(item(tags=("bridgework", "bug")), mapping)
    assert not carries_required_tag(item(tags=("bug",)), mapping)


def test_an_over_long_summary_is_clipped_to_what_the_contract_carries() -> None:
    submission = to_submission(
        item(summary="x" * 5000), github_defaults(), department="it", pseudonyms=KEY
    )

    assert len(submission.summary) == 4000
    assert submission.summary.endswith("…")


def test_answers_in_fields_of_their_own_are_clipped_too() -> None:
    submission = to_submission(
        item(answers={"make_things_right": "z" * (ANSWER_LIMIT + 1)}),
        github_defaults(),
        department="it",
        pseudonyms=KEY,
    )

    assert submission.answers is not None
    assert submission.answers.make_things_right is not None
    assert len(submission.answers.make_things_right) == ANSWER_LIMIT


def test_an_empty_summary_is_named_as_the_failing_field() -> None:
    with pytest.raises(DomainError) as raised:
        to_submission(item(summary="   "), github_defaults(), department="it", pseudonyms=KEY)

    assert [p.field for p in raised.value.problems()] == ["incident.summary"]


def test_the_source_carries_tool_reference_url_and_update_time() -> None:
    updated = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)

    submission = to_submission(
        item(url="https://github.com/example-org/desk/issues/4", updated_at=updated),
        github_defaults(),
        department="it",
        pseudonyms=KEY,
    )

    assert (submission.source.tool, submission.source.reference) == ("github", "881234")
    assert submission.source.url == "https://github.com/example-org/desk/issues/4"
    assert submission.source_updated_at == updated


def test_a_mapping_refuses_unknown_settings_and_unknown_categories() -> None:
    with pytest.raises(ValueError, match="colour"):
        ToolMapping.model_validate({"colour": "red"})
    with pytest.raises(ValueError, match="category_from"):
        ToolMapping.model_validate({"category_from": {"vpn": "vpn-trouble"}})


def test_answers_are_found_under_question_headings_in_any_common_markup() -> None:
    text = (
        "Intro line that is no answer.\n"
        "### What happened?\n\nThe drive vanished.\n\n"
        "h3. What were you thinking at the time?\nThat the clean-up was safe.\n"
        "**Who has been affected, and how?**\nFinance, for a day.\n"
        "### What needs to happen to make things right?\n\n_No response_\n"
    )

    answers = answers_from_text(text)

    assert answers == {
        "what_happened": "The drive vanished.",
        "thinking_at_the_time": "That the clean-up was safe.",
        "who_was_affected": "Finance, for a day.",
    }


def test_text_without_question_headings_yields_no_answers() -> None:
    assert answers_from_text("### Steps to reproduce\n1. open the drive") == {}
    assert answers_from_text(None) == {}


def test_a_very_long_answer_is_clipped() -> None:
    answers = answers_from_text("### What happened?\n" + "y" * (ANSWER_LIMIT + 10))

    assert len(answers["what_happened"]) == ANSWER_LIMIT
