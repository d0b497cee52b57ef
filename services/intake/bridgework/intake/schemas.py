"""Intake's HTTP API models: what tools send (besides IncidentSubmission) and what they get back."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from bridgework.intake.domain.changes import ChangeSubmission
from bridgework.intake.domain.incidents import IncidentSubmission, StorableTime

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


ChangeStatus = Literal["accepted", "updated", "went_live", "duplicate", "stale", "ignored"]


class ChangeBatchSubmission(BaseModel):
    """Planned changes to back-fill, all of the token's department; all stored, or none."""

    changes: list[ChangeSubmission] = Field(min_length=1)


class ChangeReceipt(BaseModel):
    """The answer to one change. `accepted` (202): a new change; `updated`: the source item
    changed (ChangeUpdated); `went_live`: only its go-live is new (ChangeWentLive);
    `duplicate`: nothing new; `stale`: older than what intake holds; `ignored`: a delivery
    that is no change (a ping, an item without the change label)."""

    change_id: UUID | None = None
    status: ChangeStatus
    revision: int | None = Field(default=None, description="1 for the record, +1 per update.")
    detail: str | None = None


class ChangeItemReceipt(ChangeReceipt):
    index: int = Field(description="The item's position in the batch, from 0.")


class ChangeBatchReceipt(BaseModel):
    """One receipt per change, in order, and how many of each."""

    results: list[ChangeItemReceipt]
    counts: dict[ChangeStatus, int]


class GoLiveReport(BaseModel):
    """The change went live: when (default: now; never in the future)."""

    model_config = ConfigDict(extra="forbid")

    went_live_at: StorableTime | None = None
