from __future__ import annotations

import copy

from bridgework.common.schemas import breaking_changes, checked_in, generated, render


def test_every_contract_has_its_schema_checked_in_unchanged() -> None:
    stale = [
        event_type
        for event_type, schema in generated().items()
        if render(schema) != render(checked_in().get(event_type, {}))
    ]
    assert stale == [], f"run `make schemas` and review the diff: {stale}"


def test_no_contract_breaks_the_schema_its_consumers_were_built_against() -> None:
    published = checked_in()
    problems = {
        event_type: breaking_changes(published[event_type], schema)
        for event_type, schema in generated().items()
        if event_type in published
    }
    assert {k: v for k, v in problems.items() if v} == {}


def test_removing_a_property_is_a_breaking_change() -> None:
    old = generated()["bridgework.incident.reported.v1"]
    new = copy.deepcopy(old)
    del new["properties"]["summary"]

    assert "property 'summary' was removed" in breaking_changes(old, new)


def test_making_an_optional_property_required_is_a_breaking_change() -> None:
    old = generated()["bridgework.incident.reported.v1"]
    new = copy.deepcopy(old)
    new["required"].append("response_mode")

    assert breaking_changes(old, new) == ["property 'response_mode' became required"]


def test_a_new_enum_member_is_a_breaking_change() -> None:
    old = generated()["bridgework.incident.reported.v1"]
    new = copy.deepcopy(old)
    new["$defs"]["Severity"]["enum"].append("apocalyptic")

    assert "enum Severity changed its members" in breaking_changes(old, new)


def test_adding_an_optional_property_is_compatible() -> None:
    old = generated()["bridgework.incident.reported.v1"]
    new = copy.deepcopy(old)
    new["properties"]["location"] = {"type": "string"}

    assert breaking_changes(old, new) == []


def test_rewording_a_description_is_compatible() -> None:
    old = generated()["bridgework.incident.reported.v1"]
    new = copy.deepcopy(old)
    new["properties"]["summary"]["description"] = "What happened, told plainly."

    assert breaking_changes(old, new) == []
