"""Intake's HTTP API models: what tools send (besides IncidentSubmission) and what they get back."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from bridgework.intake.domain.incidents import IncidentSubmission

Status = Literal["accepted", "updated", "duplicate", "stale", "ignored"]


class BatchSubmission(BaseModel):
    """Incidents to back-fill, all of the token's department; applied in one transaction."""

    incidents: list[IncidentSubmission] = Field(min_length=1)


class IncidentReceipt(BaseModel):
    """The answer to one submission. `accepted` (202): a new incident; `updated`: the source
    item changed (IncidentUpdated); `duplicate`: nothing new; `stale`: older than what intake
    holds; `ignored`: a delivery that is not an incident (a ping, a deleted issue)."""

    incident_id: UUID | None = None
    status: Status
    revision: int | None = Field(default=None, description="1 for the report, +1 per update.")
    detail: str | None = None


class ItemReceipt(IncidentReceipt):
    index: int = Field(description="The item's position in the batch, from 0.")


class BatchReceipt(BaseModel):
    """The answer to a batch: one receipt per item, in order, and how many of each."""

    results: list[ItemReceipt]
    counts: dict[Status, int]
