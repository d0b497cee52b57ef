"""The changes a person takes part in (read/domain/my_changes.py): one entry per change, every
part they take in it, not-yet-live first by planned go-live, then live ones latest first."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from bridgework.graphql_gateway.read.domain.my_changes import Participation, my_changes
from bridgework.graphql_gateway.read.domain.planned_changes import ChangeRecord


def at(day: int) -> datetime:
    return datetime(2026, 11, day, 9, tzinfo=UTC)


def uid(n: int) -> UUID:
    return UUID(int=n)


def change(n: int, planned: int, went: int | None = None) -> ChangeRecord:
    return ChangeRecord(
        change_id=uid(n), title=f"c{n}", kind="control", department="it",
        owner_department="it", affected_departments=("finance", "hr"), planned_go_live=at(planned),
        recorded_at=at(1), went_live_at=None if went is None else at(went), response_mode=None,
        engagements=(),
    )  # fmt: skip


def part(n: int, department: str, role: str, joined: int) -> Participation:
    return Participation(change_id=uid(n), department=department, role=role, joined_at=at(joined))


def test_coming_changes_first_soonest_first_then_live_ones_latest_first() -> None:
    changes = {c.change_id: c for c in (
        change(1, planned=20), change(2, planned=10), change(3, planned=5, went=5),
        change(4, planned=6, went=8),
    )}  # fmt: skip
    parts = [part(n, "finance", "representative", 2) for n in (1, 2, 3, 4)]
    assert [m.change.title for m in my_changes(changes, parts)] == ["c2", "c1", "c4", "c3"]


def test_every_part_in_one_change_is_one_entry_from_the_first_join() -> None:
    changes = {uid(1): change(1, planned=20)}
    parts = [
        part(1, "it", "owner", 4), part(1, "finance", "representative", 3),
        part(1, "hr", "representative", 6),
    ]  # fmt: skip
    [mine] = my_changes(changes, parts)
    assert mine.roles == ("owner", "representative")
    assert mine.departments == ("finance", "hr", "it")
    assert mine.joined_at == at(3)


def test_a_change_not_heard_of_yet_is_left_out() -> None:
    assert my_changes({}, [part(9, "finance", "representative", 2)]) == []
