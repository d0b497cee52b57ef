"""The planned changes a person takes part in (their engagement's people, every role), as their
own workspace lists them. Pure: the records come in, the list goes out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from bridgework.graphql_gateway.read.domain.planned_changes import ChangeRecord


@dataclass(frozen=True)
class Participation:
    """One part a person takes in a change: a role, for the department they speak for."""

    change_id: UUID
    department: str
    role: str  # owner or representative
    joined_at: datetime


@dataclass(frozen=True)
class MyChange:
    """A change the person takes part in, with every part they take in it."""

    change: ChangeRecord
    roles: tuple[str, ...]
    departments: tuple[str, ...]
    joined_at: datetime  # the first time they joined it


def my_changes(
    changes: Mapping[UUID, ChangeRecord], participations: Iterable[Participation]
) -> list[MyChange]:
    """One entry per change: those not yet live first, the soonest planned go-live first, then
    the live ones, the latest go-live first. A change the read model has not heard of yet (its
    engagement folded before intake's facts) is left out until it arrives."""
    parts: dict[UUID, list[Participation]] = {}
    for part in participations:
        if part.change_id in changes:
            parts.setdefault(part.change_id, []).append(part)
    mine = [
        MyChange(
            change=changes[change_id],
            roles=tuple(sorted({p.role for p in found})),
            departments=tuple(sorted({p.department for p in found})),
            joined_at=min(p.joined_at for p in found),
        )
        for change_id, found in parts.items()
    ]
    coming = sorted(
        (m for m in mine if m.change.went_live_at is None),
        key=lambda m: (m.change.planned_go_live, m.change.change_id),
    )
    live = sorted(
        (m for m in mine if m.change.went_live_at is not None),
        key=lambda m: (m.change.went_live_at, m.change.change_id),
        reverse=True,
    )
    return coming + live
