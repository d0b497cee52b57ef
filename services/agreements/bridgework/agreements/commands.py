"""What facilitators and participants ask of agreements: the HTTP request bodies.

Every body names its `actor`, the person doing it. Agreements trusts its callers on
the internal network: the GraphQL gateway authenticates people (JWT) and forwards
the person it authenticated; agreements checks what that person may do in the repair.
Unknown fields are refused, so a misspelt field is a 422 rather than silently ignored.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from bridgework.agreements.domain import CloseReason, CommitmentDraft
from bridgework.common.contracts import (
    Answer,
    DepartmentSlug,
    FreeText,
    ParticipantRole,
    PersonRef,
    Reason,
    RepairOutcome,
)


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor: PersonRef = Field(description="Who does this (authenticated by the caller).")


class JoinRepair(Command):
    """Add a person to the repair in a role: the actor is one of its facilitators, or, while it
    has none, the facilitator taking the case, joining themselves."""

    participant: PersonRef
    role: ParticipantRole


class RecordConversation(Command):
    """A participant's answers to the restorative questions of their role."""

    participant: PersonRef = Field(
        description="Whose answers; the actor or, for them, a facilitator."
    )
    answers: list[Answer] = Field(min_length=1, max_length=9)


class CommitmentProposal(BaseModel):
    """One commitment as proposed; give `commitment_id` to revise one of the pending proposal."""

    model_config = ConfigDict(extra="forbid")

    commitment_id: UUID | None = None
    owner: PersonRef = Field(description="Who will do it; a participant of the repair.")
    owed_to: list[PersonRef] = Field(default_factory=list, max_length=50)
    owed_to_departments: list[DepartmentSlug] = Field(default_factory=list, max_length=50)
    action: FreeText = Field(description="What will be done.")
    due_at: AwareDatetime

    @model_validator(mode="after")
    def _owed_to_someone(self) -> CommitmentProposal:
        if not self.owed_to and not self.owed_to_departments:
            raise ValueError("a commitment is owed to at least one person or department")
        return self

    def draft(self) -> CommitmentDraft:
        return CommitmentDraft(
            owner=self.owner,
            action=self.action,
            due_at=self.due_at,
            owed_to=tuple(self.owed_to),
            owed_to_departments=tuple(self.owed_to_departments),
            commitment_id=self.commitment_id,
        )


class ProposeAgreement(Command):
    """Put terms to the participants: a new version of the agreement, consent asked again."""

    commitments: list[CommitmentProposal] = Field(min_length=1, max_length=50)


class AnswerProposal(Command):
    """The actor, a responsible or affected participant, gives or declines consent."""

    version: int = Field(ge=1, description="The version consented to; it must be the current one.")
    decision: Literal["give", "decline"]
    reason: Reason | None = Field(default=None, description="Why; required to decline.")

    @model_validator(mode="after")
    def _declining_says_why(self) -> AnswerProposal:
        if self.decision == "decline" and self.reason is None:
            raise ValueError("declining needs a reason")
        return self


class KeepCommitment(Command):
    kept_at: AwareDatetime | None = Field(default=None, description="When; default now.")


class RenegotiateCommitment(Command):
    """Propose new terms or a new date for a commitment in force."""

    action: FreeText | None = None
    due_at: AwareDatetime | None = None
    reason: Reason


class ReleaseCommitment(Command):
    """Propose that a commitment no longer stands; the reason is shown to the affected."""

    reason: Reason


class LinkIncident(Command):
    incident_id: UUID


class ImposeOutcome(Command):
    """Record an outcome decided without everyone's consent (the actor decided it)."""

    reason: Reason
    commitments: list[CommitmentProposal] = Field(
        default_factory=list,
        max_length=50,
        description="New terms; leave empty to impose the pending proposal as it stands.",
    )

    @model_validator(mode="after")
    def _new_commitments_only(self) -> ImposeOutcome:
        if any(c.commitment_id is not None for c in self.commitments):
            raise ValueError("imposed commitments are new: leave out commitment_id")
        return self


class CloseRepair(Command):
    """A facilitator closes the repair."""

    outcome: RepairOutcome
    reason_code: CloseReason | None = Field(
        default=None, description="Required unless the outcome is `repaired`."
    )
    reason: Reason | None = None
