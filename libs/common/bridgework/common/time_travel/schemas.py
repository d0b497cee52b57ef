"""The clock routes' request and answer, the same in every service."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ClockOut(BaseModel):
    """The service's now, and how far it runs from the wall clock (negative: behind)."""

    now: datetime
    offset: timedelta


class AdvanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by: timedelta = Field(description="How far to move time forward: `P1D`, `PT6H`, or seconds.")

    @field_validator("by")
    @classmethod
    def _forward(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0) or value > timedelta(days=366):
            raise ValueError("must move time forward, by at most a year")
        return value
