"""ServiceNow change requests (`change_request`), sent by a business rule's outbound REST message.

The record's fields under their ServiceNow names, plain or as `{"value", "display_value"}`
pairs (or a Table API `{"result": {...}}`), as for incidents. Planned go-live: `start_date`
(planned start). Owner: `requested_by`, with `requested_by.department`. Affected
departments: the custom field `u_affected_departments` (names or slugs, comma-separated or
a list) and `affects:` tags among `category` and `type`. Kind: the custom field
`u_change_kind`, else the tags. Went live: state Review (0) or Closed (3) unless closed
unsuccessful, at `work_end`, else `work_start`, else `closed_at`, else the last update.
Canceled changes (4) never go live. Times without an offset are UTC. Reference: sys_id.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bridgework.intake.domain.adapters import parse_as
from bridgework.intake.domain.adapters.servicenow import FieldValue, Value
from bridgework.intake.domain.change_mapping import ChangeToolItem
from bridgework.intake.domain.errors import invalid_fields
from bridgework.intake.domain.mapping import Tool

# State values and labels of the stock change_request workflow that mean it is in service.
_LIVE_STATES = {"0", "3", "review", "closed"}
_UNSUCCESSFUL = {"unsuccessful"}


class ServiceNowChange(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    sys_id: str = Field(min_length=1, max_length=200)
    number: str | None = None
    short_description: str = Field(min_length=1)
    category: Value = None
    type: Value = None
    state: Value = None
    close_code: Value = None
    requested_by: Value = None
    requester_department: Value = Field(default=None, alias="requested_by.department")
    u_affected_departments: str | list[str] | FieldValue | None = None
    u_change_kind: Value = None
    start_date: datetime | None = None
    work_start: datetime | None = None
    work_end: datetime | None = None
    closed_at: datetime | None = None
    sys_updated_on: datetime | None = None
    url: str | None = Field(default=None, max_length=2000)

    @field_validator(
        "start_date", "work_start", "work_end", "closed_at", "sys_updated_on", mode="before"
    )
    @classmethod
    def _glide_time(cls, raw: Any) -> Any:
        if isinstance(raw, dict):
            raw = raw.get("value")
        if raw in (None, ""):
            return None
        if not isinstance(raw, str):
            raise ValueError("expected a date-time such as 2026-11-02 09:30:00")
        parsed = datetime.fromisoformat(raw.strip())
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def parse(payload: Any) -> ChangeToolItem:
    """The change a ServiceNow outbound message describes."""
    if isinstance(payload, dict) and isinstance(payload.get("result"), dict):
        payload = payload["result"]
    if not isinstance(payload, dict):
        raise invalid_fields([{"loc": (), "msg": "expected the change record as a JSON object"}])
    record = parse_as(ServiceNowChange, payload)
    return ChangeToolItem(
        tool=Tool.SERVICENOW,
        reference=record.sys_id,
        url=record.url,
        title=record.short_description,
        updated_at=record.sys_updated_on,
        planned_go_live=record.start_date,
        went_live_at=_went_live(record),
        tags=(*_all(record.category), *_all(record.type)),
        kind_hint=next(iter(_all(record.u_change_kind)), None),
        owner=_raw(record.requested_by),
        owner_department_name=next(iter(_all(record.requester_department)), None),
        department_names=_names(record.u_affected_departments),
    )


def _went_live(record: ServiceNowChange) -> datetime | None:
    states = {value.strip().lower() for value in _all(record.state)}
    closed_badly = {value.strip().lower() for value in _all(record.close_code)} & _UNSUCCESSFUL
    if not states & _LIVE_STATES or closed_badly:
        return None
    return record.work_end or record.work_start or record.closed_at or record.sys_updated_on


def _names(value: str | list[str] | FieldValue | None) -> tuple[str, ...]:
    if isinstance(value, FieldValue):
        value = value.display_value or value.value
    if value is None:
        return ()
    parts = value.split(",") if isinstance(value, str) else value
    return tuple(part.strip() for part in parts if part.strip())


def _all(value: Value) -> tuple[str, ...]:
    if isinstance(value, FieldValue):
        return value.values()
    return (value,) if value and value.strip() else ()


def _raw(value: Value) -> str | None:
    # People are matched by sys_id, which does not change when a name does.
    if isinstance(value, FieldValue):
        return value.value if value.value and value.value.strip() else None
    return value if value and value.strip() else None
