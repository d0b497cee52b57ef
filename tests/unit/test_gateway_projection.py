"""The projection's shortcuts keep the rules: copies are independent, diffs are exact."""

from __future__ import annotations

import dataclasses
from collections import Counter
from uuid import UUID

from bridgework.common.contracts import Contract
from bridgework.graphql_gateway.projection.domain.batch import add_changes
from bridgework.graphql_gateway.projection.domain.contributions import (
    DepartmentKey,
    IncidentSummary,
    PairKey,
    repair_contributions,
    repair_parts,
)
from bridgework.graphql_gateway.projection.domain.folding import fold_repair
from bridgework.graphql_gateway.projection.domain.state import REPAIR_DICTS, RepairState
from bridgework.graphql_gateway.projection.repository.rows import RowWrites, changed_rows
from tests.gateway_factories import RepairStory, organisation


def fold(story: RepairStory, facts: list[Contract] | None = None) -> RepairState:
    state = RepairState(repair_id=story.repair_id)
    for fact in facts if facts is not None else story.facts:
        fold_repair(state, fact)
    return state


def summaries(*stories: RepairStory) -> dict[UUID, IncidentSummary]:
    return {
        s.incident.incident_id: IncidentSummary(
            reported_at=s.incident.reported_at,
            named_people=frozenset(
                p.person_id for p in [*s.incident.responsible, *s.incident.affected_people]
            ),
        )
        for s in stories
    }


def test_a_copy_shares_no_mutable_part_with_its_original() -> None:
    dict_fields = {f.name for f in dataclasses.fields(RepairState) if f.default_factory is dict}
    assert set(REPAIR_DICTS) == dict_fields
    story = organisation().a
    original = fold(story)
    copied = original.copy()
    assert copied == original
    for name in REPAIR_DICTS:
        assert getattr(copied, name) is not getattr(original, name), name
    copied.incidents.clear()
    assert original.incidents


def test_the_changes_of_a_repair_are_its_new_contributions_minus_its_old_ones() -> None:
    org = organisation()
    incidents = summaries(*org.stories)
    opened = {s.repair_id: s.opened_at for s in org.stories}
    for story in org.stories:
        for cut in range(len(story.facts) + 1):
            old, new = fold(story, story.facts[:cut]), fold(story)
            departments: dict[DepartmentKey, int] = {}
            pairs: dict[PairKey, int] = {}
            add_changes(
                departments,
                pairs,
                repair_parts(old, incidents, opened),
                repair_parts(new, incidents, opened),
            )
            old_d, old_p = repair_contributions(old, incidents, opened)
            new_d, new_p = repair_contributions(new, incidents, opened)
            expected_d = Counter(new_d)
            expected_d.subtract(old_d)
            expected_p = Counter(new_p)
            expected_p.subtract(old_p)
            assert {k: v for k, v in departments.items() if v} == {
                k: v for k, v in expected_d.items() if v
            }
            assert {k: v for k, v in pairs.items() if v} == {
                k: v for k, v in expected_p.items() if v
            }


def test_only_the_rows_that_differ_are_written() -> None:
    story = organisation().a
    before = fold(story, story.facts[:-1])
    after = before.copy()
    fold_repair(after, story.facts[-1])  # closes the repair

    writes = RowWrites()
    changed_rows(writes, before, after, None, None)
    assert {table.table for table in writes.tables} == {"repairs"}

    unchanged = RowWrites()
    changed_rows(unchanged, before, before.copy(), None, None)
    assert unchanged.tables == {}

    everything = RowWrites()
    changed_rows(everything, None, after, None, None)
    assert {table.table for table in everything.tables} >= {
        "repairs", "repair_incidents", "repair_relationships", "participants", "agreements",
        "commitments", "nudges", "check_ins", "proposals", "consents",
    }  # fmt: skip
