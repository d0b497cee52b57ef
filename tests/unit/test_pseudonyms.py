"""Keyed pseudonyms: tool users no mapping names become `u-<tool>-<digest>`, never their raw id."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr

from bridgework.common.contracts import PersonRef
from bridgework.intake.domain.adapters import github, jira, pagerduty, servicenow
from bridgework.intake.domain.mapping import (
    Tool,
    ToolItem,
    ToolMapping,
    effective_mapping,
    to_submission,
)
from bridgework.intake.domain.pseudonyms import PseudonymKey
from bridgework.intake.settings import DEVELOPMENT_PSEUDONYM_KEY, IntakeSettings
from tests.intake_factories import (
    github_issue_event,
    jira_issue_event,
    pagerduty_event,
    servicenow_incident,
)

KEY = PseudonymKey(b"tests-only-pseudonym-key-0123456789abcdef")
OTHER_KEY = PseudonymKey(b"another-organisation-key-0123456789abcd")
T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
SHAPE = re.compile(r"^u-(github|jira|servicenow|pagerduty)-[a-z2-7]{24}$")
OWN_DATABASE = "postgresql://intake:a-password-of-its-own@db:5432/bridgework"


def item(**overrides: Any) -> ToolItem:
    fields: dict[str, Any] = {
        "tool": Tool.GITHUB,
        "reference": "881234",
        "summary": "Finance locked out of the shared drive",
        "occurred_at": T0,
    }
    return ToolItem(**(fields | overrides))


def test_a_pseudonym_is_stable_short_and_shaped_like_a_person_id() -> None:
    first = KEY.person_id("github", "5202")

    assert first == KEY.person_id("github", "5202"), "the same user in every delivery"
    assert SHAPE.match(first), first
    assert "5202" not in first
    assert PersonRef(person_id=first, department="it").person_id == first


def test_the_key_the_tool_and_the_id_each_change_the_pseudonym() -> None:
    base = KEY.person_id("github", "5202")

    assert OTHER_KEY.person_id("github", "5202") != base, "without the key, no pseudonym"
    assert KEY.person_id("jira", "5202") != base, "one id in two tools: two people"
    assert KEY.person_id("github", "5203") != base


def test_tool_and_id_cannot_be_shifted_into_each_other() -> None:
    # Without a separator `github` + `1x` and `github1` + `x` would be the same message.
    assert KEY.person_id("github", "1x") != KEY.person_id("github1", "x")


def test_the_key_never_shows_in_its_repr_and_cannot_be_empty() -> None:
    assert "tests-only" not in repr(KEY)
    with pytest.raises(ValueError, match="empty"):
        PseudonymKey(b"")


def test_unmapped_tool_users_become_keyed_pseudonyms_in_the_mapped_department() -> None:
    mapping = effective_mapping(Tool.JIRA, ToolMapping(people_department="finance"))

    submission = to_submission(
        item(tool=Tool.JIRA, responsible=("557058:aa11",), reporter="5b10ac8d82e05b22cc7d4ef5"),
        mapping,
        department="it",
        pseudonyms=KEY,
    )

    assert [p.person_id for p in submission.responsible] == [KEY.person_id("jira", "557058:aa11")]
    [reporter] = submission.affected_people
    assert reporter.person_id == KEY.person_id("jira", "5b10ac8d82e05b22cc7d4ef5")
    assert reporter.department == "finance"


def test_people_the_mapping_names_keep_the_id_it_gives_them() -> None:
    # A department may name a user by the tool's id, or by the pseudonym it saw in Bridgework
    # (then the raw id need not be written into the mapping at all).
    seen_as = KEY.person_id("github", "5303")
    mapping = effective_mapping(
        Tool.GITHUB,
        ToolMapping(
            people={
                "5101": {"person_id": "p-it-007", "department": "it"},
                seen_as: {"person_id": "p-fin-015", "department": "finance"},
            }
        ),
    )

    submission = to_submission(
        item(responsible=("5101", "5303"), reporter="5202"),
        mapping,
        department="it",
        pseudonyms=KEY,
    )

    assert [(p.person_id, p.department) for p in submission.responsible] == [
        ("p-it-007", "it"),
        ("p-fin-015", "finance"),
    ]
    assert [p.person_id for p in submission.affected_people] == [KEY.person_id("github", "5202")]


def test_an_odd_tool_id_still_becomes_a_valid_pseudonym() -> None:
    odd = "user with spaces/and slashes@example.org"

    submission = to_submission(
        item(tool=Tool.JIRA, responsible=(odd,)),
        effective_mapping(Tool.JIRA, None),
        department="it",
        pseudonyms=KEY,
    )

    [person] = submission.responsible
    assert SHAPE.match(person.person_id)
    assert "example.org" not in person.person_id


# Each tool's own user ids in the factories' payloads, and the adapter that reads them.
RAW_IDS: dict[Tool, tuple[Any, tuple[str, ...]]] = {
    Tool.GITHUB: (
        lambda: github.parse(github_issue_event(), event="issues"),
        ("5101", "5202"),
    ),
    Tool.JIRA: (
        lambda: jira.parse(jira_issue_event()),
        ("557058:aa11bb22-3333-4c49-9408-dc34bd0e2d85", "5b10ac8d82e05b22cc7d4ef5"),
    ),
    Tool.SERVICENOW: (
        lambda: servicenow.parse(servicenow_incident()),
        ("62826bf03710200044e0bfc8bcbe5df1", "46d44a23a9fe19810012d100cca80666"),
    ),
    Tool.PAGERDUTY: (lambda: pagerduty.parse(pagerduty_event()), ("PXPGF42",)),
}


@pytest.mark.parametrize("tool", list(RAW_IDS), ids=lambda tool: tool.value)
def test_no_raw_tool_user_id_survives_mapping(tool: Tool) -> None:
    parse, raw_ids = RAW_IDS[tool]
    parsed = parse()
    assert isinstance(parsed, ToolItem)
    assert set(raw_ids) <= {*parsed.responsible, parsed.reporter}, "the payload names them"

    submission = to_submission(
        parsed, effective_mapping(tool, None), department="it", pseudonyms=KEY
    )

    people = [*submission.responsible, *submission.affected_people]
    assert people
    assert all(SHAPE.match(p.person_id) for p in people)
    published = submission.model_dump_json()
    for raw in raw_ids:
        assert raw not in published


def test_intake_without_a_pseudonym_key_of_its_own_will_not_start() -> None:
    for key in (None, DEVELOPMENT_PSEUDONYM_KEY, "too-short"):
        settings = IntakeSettings(
            database_url=OWN_DATABASE,
            pseudonym_key=SecretStr(key) if key is not None else None,
        )
        assert any(
            line.startswith("BRIDGEWORK_PSEUDONYM_KEY:") for line in settings.required_settings()
        ), key
    strong = IntakeSettings(database_url=OWN_DATABASE, pseudonym_key=SecretStr("k" * 32))
    assert not any("PSEUDONYM" in line for line in strong.required_settings())


def test_development_mode_falls_back_to_the_public_development_key() -> None:
    settings = IntakeSettings(development_mode=True)

    assert settings.missing_settings() == []
    assert settings.pseudonym_secret() == DEVELOPMENT_PSEUDONYM_KEY.encode()
    configured = IntakeSettings(pseudonym_key=SecretStr("k" * 40))
    assert configured.pseudonym_secret() == b"k" * 40
