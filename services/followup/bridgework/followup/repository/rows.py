"""What every table's module needs: one PersonRef per person read back, one row per key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bridgework.common.contracts import PersonRef
from bridgework.common.contracts.sealed import Sealed

# People recur in batch after batch (owners, the affected, facilitators). PersonRef is frozen,
# so one validated instance per person serves every row that names them.
_PEOPLE: dict[tuple[str, str], PersonRef] = {}
_PEOPLE_KEPT = 100_000


def person(person_id: str, department: str) -> PersonRef:
    """The one PersonRef of this person (made and kept on first sight)."""
    key = (person_id, department)
    found = _PEOPLE.get(key)
    if found is None:
        if len(_PEOPLE) >= _PEOPLE_KEPT:
            _PEOPLE.clear()
        found = _PEOPLE[key] = PersonRef(person_id=person_id, department=department)
    return found


def last_by(key: str, items: Sequence[Any]) -> list[Any]:
    """One item per key, the last one given: what row-by-row upserts would have left."""
    return list({getattr(item, key): item for item in items}.values())


def sealed_or_none(stored: Any) -> Sealed | None:
    """A sealed text as stored (jsonb); None where there is none."""
    return None if stored is None else Sealed.model_validate(stored)
