"""Planned changes as agreements hears of them, and the people of their engagement."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from bridgework.common.contracts import (
    ChangeKind,
    ChangeRecordedV1,
    ChangeUpdatedV1,
    ChangeWentLiveV1,
    GoLiveReporter,
    PersonRef,
    SourceRef,
)
from tests.agreements_factories import NOW

OWNER = PersonRef(person_id="p-it-7", department="it")
FINANCE_REP = PersonRef(person_id="p-fin-2", department="finance")
HR_REP = PersonRef(person_id="p-hr-4", department="hr")
SALES_REP = PersonRef(person_id="p-sales-3", department="sales")
GO_LIVE = NOW + timedelta(days=30)


def change_recorded(**overrides: Any) -> ChangeRecordedV1:
    """IT plans a control affecting finance and hr, going live in 30 days."""
    values: dict[str, Any] = {
        "change_id": uuid4(),
        "department": "it",
        "title": "USB ports locked on every laptop",
        "kind": ChangeKind.CONTROL,
        "owner": OWNER,
        "affected_departments": ["finance", "hr"],
        "planned_go_live": GO_LIVE,
        "recorded_at": NOW,
        "source": SourceRef(tool="servicenow", reference=f"CHG{uuid4().hex[:8]}"),
    }
    values.update(overrides)
    return ChangeRecordedV1(**values)


def change_updated(
    recorded: ChangeRecordedV1, revision: int, at: datetime, **changes: Any
) -> ChangeUpdatedV1:
    """A newer revision of a change intake already had."""
    values = recorded.model_dump() | changes
    return ChangeUpdatedV1(
        **values, revision=revision, updated_at=at, changed_fields=sorted(changes)
    )


def went_live(change_id: UUID, at: datetime) -> ChangeWentLiveV1:
    return ChangeWentLiveV1(
        change_id=change_id,
        department="it",
        went_live_at=at,
        reported_at=at,
        reported_by=GoLiveReporter.API,
        planned_go_live=GO_LIVE,
    )
