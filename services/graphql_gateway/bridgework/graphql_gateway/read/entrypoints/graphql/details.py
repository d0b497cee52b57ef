"""GraphQL types of what a repair holds: its people, answers, agreement, commitments,
nudges and check-ins. Person-level fields resolve to null for viewers who take no part.

Confidential texts (answers, reasons, actions, comments) stay sealed in the read model; a
field opens its text only for a viewer who takes part in the repair (`Context.opened`), and
answers null to everyone else, and to everyone once the text's key is erased or expired."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from uuid import UUID

import strawberry

from bridgework.common.contracts.sealed import Sealed
from bridgework.graphql_gateway.read.domain.records import (
    CheckInRecord,
    CommitmentRecord,
    NudgeRecord,
    PersonRecord,
)
from bridgework.graphql_gateway.read.entrypoints.graphql.context import Context
from bridgework.graphql_gateway.read.entrypoints.graphql.enums import (
    Channel,
    CheckInOutcome,
    NudgeKind,
    ParticipantRole,
    Question,
    ResponseMode,
)

Info = strawberry.Info[Context, None]


@strawberry.enum(
    graphql_name_from="value",
    description="open, kept (on time or late), lapsed (the terms in force passed their due "
    "date unkept), released (by mutual consent).",
)
class CommitmentStatus(Enum):
    OPEN = "open"
    KEPT = "kept"
    LAPSED = "lapsed"
    RELEASED = "released"


async def people_visible(info: Info, repair_id: UUID) -> bool:
    """Whether the viewer takes part in the repair (and so may see its people)."""
    return repair_id in await info.context.viewer_repairs()


def person_of(record: PersonRecord) -> Person:
    """A person of the read model, as GraphQL shows them."""
    return Person(person_id=record.person_id, department=record.department)


@strawberry.type(description="A person as events carry them: a pseudonymous id and a department.")
class Person:
    person_id: str
    department: str


@strawberry.type(description="An unordered pair of departments that a harm strained.")
class Relationship:
    department_a: str
    department_b: str


@strawberry.type(description="A person taking part in a repair, in a role.")
class Participant:
    person: Person
    role: ParticipantRole
    joined_at: datetime


@strawberry.type(
    description="A facilitator's offer to facilitate, waiting for the change team or a lead "
    "of a department involved to approve or decline it."
)
class FacilitationOffer:
    person: Person
    offered_at: datetime


# Said of every confidential text field.
SEALED = "null unless you take part in the repair, or once erased."


@strawberry.type
class Answer:
    question: Question
    sealed_text: strawberry.Private[Sealed | None]

    @strawberry.field(description="The participant's words; null once erased.")
    async def text(self, info: Info) -> str | None:
        # Answers are only listed for the repair's people (RepairDetail.conversation).
        return await info.context.opened(self.sealed_text)


@strawberry.type(description="One participant's answers to the restorative questions.")
class ConversationEntry:
    person: Person
    role: ParticipantRole
    recorded_at: datetime
    answers: list[Answer]


@strawberry.type(description="A participant's answer to a proposed version of the agreement.")
class Consent:
    version: int
    person: Person | None
    department: str
    role: ParticipantRole
    decision: str = strawberry.field(description="given or declined.")
    decided_at: datetime
    sealed_reason: strawberry.Private[Sealed | None]
    visible: strawberry.Private[bool]

    @strawberry.field(description="Why it was declined; " + SEALED)
    async def reason(self, info: Info) -> str | None:
        return await info.context.opened(self.sealed_reason) if self.visible else None


@strawberry.type(description="The plan made in a repair, as last reached by everyone's consent.")
class Agreement:
    id: UUID
    version: int
    reached_at: datetime
    response_mode: ResponseMode
    consented_by: list[Person] | None = strawberry.field(
        description="null unless you take part in the repair."
    )


@strawberry.type(description="A supportive message follow-up sent (never an escalation).")
class Nudge:
    id: UUID
    repair_id: UUID
    kind: NudgeKind
    commitment_id: UUID | None
    channels: list[Channel]
    sent_at: datetime
    recipient_department: str
    recipient: Person | None = strawberry.field(description="null unless you take part.")

    @classmethod
    def of(cls, record: NudgeRecord, visible: bool) -> Nudge:
        return cls(
            id=record.nudge_id,
            repair_id=record.repair_id,
            kind=NudgeKind(record.kind),
            commitment_id=record.commitment_id,
            channels=[Channel(c) for c in record.channels],
            sent_at=record.sent_at,
            recipient_department=record.recipient.department,
            recipient=person_of(record.recipient) if visible else None,
        )


@strawberry.type(description="An affected person's answer: were things made right?")
class CheckIn:
    id: UUID
    repair_id: UUID
    outcome: CheckInOutcome
    recorded_at: datetime
    department: str
    person: Person | None = strawberry.field(description="null unless you take part.")
    sealed_comment: strawberry.Private[Sealed | None]
    visible: strawberry.Private[bool]

    @strawberry.field(description="The participant's comment; " + SEALED)
    async def comment(self, info: Info) -> str | None:
        return await info.context.opened(self.sealed_comment) if self.visible else None

    @classmethod
    def of(cls, record: CheckInRecord, visible: bool) -> CheckIn:
        return cls(
            id=record.check_in_id,
            repair_id=record.repair_id,
            outcome=CheckInOutcome(record.outcome),
            recorded_at=record.recorded_at,
            department=record.person.department,
            person=person_of(record.person) if visible else None,
            sealed_comment=record.comment,
            visible=visible,
        )


@strawberry.type(description="One promise in an agreement, under the terms in force.")
class Commitment:
    id: UUID
    repair_id: UUID
    agreement_id: UUID | None
    terms_version: int
    owner_department: str
    owed_to_departments: list[str]
    due_at: datetime | None
    status: CommitmentStatus
    kept_at: datetime | None
    kept_on_time: bool | None
    lapse_count: int
    released_at: datetime | None
    owner: Person | None = strawberry.field(description="null unless you take part.")
    owed_to: list[Person] | None = strawberry.field(description="null unless you take part.")
    sealed_action: strawberry.Private[Sealed | None]
    sealed_release_reason: strawberry.Private[Sealed | None]
    sealed_renegotiation_reason: strawberry.Private[Sealed | None]
    visible: strawberry.Private[bool]

    @strawberry.field(description="What will be done; " + SEALED)
    async def action(self, info: Info) -> str | None:
        return await info.context.opened(self.sealed_action) if self.visible else None

    @strawberry.field(description="Why it was released; " + SEALED)
    async def release_reason(self, info: Info) -> str | None:
        return await info.context.opened(self.sealed_release_reason) if self.visible else None

    @strawberry.field(description="Why the terms in force replaced earlier ones; " + SEALED)
    async def renegotiation_reason(self, info: Info) -> str | None:
        sealed = self.sealed_renegotiation_reason
        return await info.context.opened(sealed) if self.visible else None

    @classmethod
    def of(cls, record: CommitmentRecord, visible: bool) -> Commitment:
        return cls(
            id=record.commitment_id,
            repair_id=record.repair_id,
            agreement_id=record.agreement_id,
            terms_version=record.terms_version,
            owner_department=record.owner.department,
            owed_to_departments=list(record.owed_to_departments),
            due_at=record.due_at,
            status=CommitmentStatus(record.status),
            kept_at=record.kept_at,
            kept_on_time=record.kept_on_time,
            lapse_count=record.lapse_count,
            released_at=record.released_at,
            owner=person_of(record.owner) if visible else None,
            owed_to=[person_of(p) for p in record.owed_to] if visible else None,
            sealed_action=record.action,
            sealed_release_reason=record.release_reason,
            sealed_renegotiation_reason=record.renegotiation_reason,
            visible=visible,
        )

    @strawberry.field(description="The nudges follow-up sent about this commitment.")
    async def nudges(self, info: Info) -> list[Nudge]:
        records = await info.context.nudges_of_commitment.load(self.id)
        visible = await people_visible(info, self.repair_id)
        return [Nudge.of(r, visible) for r in records]
