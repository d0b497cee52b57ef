"""Follow-up's rules, pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from bridgework.common.contracts import RepairOpenedV1


@dataclass(frozen=True)
class TrackedRepair:
    """A repair follow-up keeps an eye on; its schedules hang off it."""

    repair_id: UUID
    opened_at: datetime
    departments: tuple[str, ...]


def track(opened: RepairOpenedV1) -> TrackedRepair:
    return TrackedRepair(
        repair_id=opened.repair_id,
        opened_at=opened.opened_at,
        departments=tuple(opened.departments),
    )
