"""ServiceNow incidents, sent by an outbound REST message from a business rule.

The body is the incident record's fields under their ServiceNow names, either as
plain values (`current.getValue(...)`) or as `{"value", "display_value"}` pairs
(the Table API's `sysparm_display_value=all` shape); a Table API response
(`{"result": {...}}`) is accepted as is. Dot-walked `caller_id.department` names
the affected department; `u_what_happened`, `u_thinking_at_the_time`,
`u_who_was_affected`, `u_make_things_right` (custom fields) carry the answers.
Times without an offset are UTC, as `GlideDateTime.getValue()` writes them.
Reference: the record's sys_id. `caused_by` (else `rfc`) names the change request the
incident came from.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bridgework.intake.domain.adapters import parse_as
from bridgework.intake.domain.errors import invalid_fields
from bridgework.intake.domain.mapping import Ignored, Tool, ToolItem

ANSWER_FIELDS = {
    "u_what_happened": "what_happened",
    "u_thinking_at_the_time": "thinking_at_the_time",
    "u_who_was_affected": "who_was_affected",
    "u_make_things_right": "make_things_right",
}


class FieldValue(BaseModel):
    """A field as the Table API writes it with display values."""

    model_config = ConfigDict(extra="ignore")

    value: str | None = None
    display_value: str | None = None

    def values(self) -> tuple[str, ...]:
        """Display value first (what people configure mappings with), then the raw value."""
        return tuple(v for v in (self.display_value, self.value) if v and v.strip())


Value = str | FieldValue | None


class ServiceNowIncident(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    sys_id: str = Field(min_length=1, max_length=200)
    number: str | None = None
    short_description: str = Field(min_length=1)
    description: str | None = None
    category: Value = None
    subcategory: Value = None
    priority: Value = None
    urgency: Value = None
    impact: Value = None
    caller_id: Value = None
    assigned_to: Value = None
    caller_department: Value = Field(default=None, alias="caller_id.department")
    opened_at: datetime
    sys_updated_on: datetime | None = None
    url: str | None = Field(default=None, max_length=2000)
    u_what_happened: str | None = None
    u_thinking_at_the_time: str | None = None
    u_who_was_affected: str | None = None
    u_make_things_right: str | None = None
    # The change request the incident came from: "Caused by Change", else "Change Request".
    caused_by: Value = None
    rfc: Value = None

    @field_validator("opened_at", "sys_updated_on", mode="before")
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


def parse(payload: Any) -> ToolItem | Ignored:
    """The incident a ServiceNow outbound message describes."""
    if isinstance(payload, dict) and isinstance(payload.get("result"), dict):
        payload = payload["result"]
    if not isinstance(payload, dict):
        raise invalid_fields([{"loc": (), "msg": "expected the incident record as a JSON object"}])
    record = parse_as(ServiceNowIncident, payload)
    return ToolItem(
        tool=Tool.SERVICENOW,
        reference=record.sys_id,
        url=record.url,
        summary=record.short_description,
        occurred_at=record.opened_at,
        updated_at=record.sys_updated_on,
        tags=(*_all(record.category), *_all(record.subcategory)),
        severity_hints=(*_all(record.priority), *_all(record.urgency)),
        responsible=_raw(record.assigned_to),
        reporter=next(iter(_raw(record.caller_id)), None),
        department_names=_all(record.caller_department)[:1],
        text=record.description,
        answers={
            answer: text
            for field, answer in ANSWER_FIELDS.items()
            if (text := getattr(record, field)) and text.strip()
        },
        change_reference=next(iter((*_raw(record.caused_by), *_raw(record.rfc))), None),
    )


def _all(value: Value) -> tuple[str, ...]:
    if isinstance(value, FieldValue):
        return value.values()
    return (value,) if value and value.strip() else ()


def _raw(value: Value) -> tuple[str, ...]:
    # References (people) are matched by sys_id, which does not change when a name does.
    if isinstance(value, FieldValue):
        return (value.value,) if value.value and value.value.strip() else ()
    return (value,) if value and value.strip() else ()
