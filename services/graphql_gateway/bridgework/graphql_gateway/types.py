"""GraphQL types of the read model; built from rows here, so rows never leak into the schema.

Person-level fields (who, and what they said) resolve to null for viewers who do not take
part in the repair; `participants` and `conversation` refuse them with FORBIDDEN.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

import strawberry

from bridgework.graphql_gateway import access
from bridgework.graphql_gateway.context import Context
from bridgework.graphql_gateway.enums import (
    Channel,
    CheckInOutcome,
    IncidentCategory,
    NudgeKind,
    ParticipantRole,
    Question,
    RepairOutcome,
    ResponseMode,
    Severity,
)
from bridgework.graphql_gateway.errors import ForbiddenError

Row = dict[str, Any]
Info = strawberry.Info[Context, None]


@strawberry.enum(
    graphql_name_from="value",
    description="open: no decision yet; agreed: an agreement was reached by consent; "
    "imposed: an outcome was decided without everyone's consent; closed: the repair ended.",
)
class RepairStatus(Enum):
    OPEN = "open"
    AGREED = "agreed"
    IMPOSED = "imposed"
    CLOSED = "closed"


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


def _person(value: Any) -> Person:
    return Person(person_id=value["person_id"], department=value["department"])


@strawberry.type(description="A person as events carry them: a pseudonymous id and a department.")
class Person:
    person_id: str
    department: str


@strawberry.type(description="A harm a department reported through intake (latest revision).")
class Incident:
    id: UUID
    department: str = strawberry.field(description="The reporting department.")
    category: IncidentCategory
    severity: Severity
    summary: str = strawberry.field(description="What happened, in the reporter's words.")
    occurred_at: datetime
    reported_at: datetime
    source_tool: str
    revision: int
    response_mode: ResponseMode | None = strawberry.field(
        description="How the organisation responded before the repair, when the tool knew."
    )
    affected_departments: list[str]
    row: strawberry.Private[Row]

    @classmethod
    def from_row(cls, row: Row) -> Incident:
        return cls(
            id=row["incident_id"],
            department=row["department"],
            category=IncidentCategory(row["category"]),
            severity=Severity(row["severity"]),
            summary=row["summary"],
            occurred_at=row["occurred_at"],
            reported_at=row["reported_at"],
            source_tool=row["source_tool"],
            revision=row.get("revision") or 1,
            response_mode=ResponseMode(row["response_mode"]) if row.get("response_mode") else None,
            affected_departments=list(row.get("affected_departments") or ()),
            row=row,
        )

    async def _people_visible(self, info: Info) -> bool:
        repairs = await info.context.repairs_of_incident.load(self.id)
        mine = await info.context.viewer_repairs()
        return any(r["repair_id"] in mine for r in repairs)

    @strawberry.field(description="Who was responsible; null unless you take part in its repair.")
    async def responsible(self, info: Info) -> list[Person] | None:
        if not await self._people_visible(info):
            return None
        return [_person(p) for p in self.row.get("responsible") or ()]

    @strawberry.field(description="Who was affected; null unless you take part in its repair.")
    async def affected_people(self, info: Info) -> list[Person] | None:
        if not await self._people_visible(info):
            return None
        return [_person(p) for p in self.row.get("affected_people") or ()]

    @strawberry.field(description="The repairs opened for this incident that you may see.")
    async def repairs(self, info: Info) -> list[Repair]:
        rows = await info.context.repairs_of_incident.load(self.id)
        mine = await info.context.viewer_repairs()
        viewer = info.context.viewer
        return [
            Repair.from_row(r)
            for r in rows
            if r["repair_id"] in mine or access.may_see_repair(viewer, r["departments"], ())
        ]


@strawberry.type(description="An unordered pair of departments that a harm strained.")
class Relationship:
    department_a: str
    department_b: str


@strawberry.type(description="A person taking part in a repair, in a role.")
class Participant:
    person: Person
    role: ParticipantRole
    joined_at: datetime


@strawberry.type
class Answer:
    question: Question
    text: str


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
    reason: str | None
    decided_at: datetime


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
    def from_row(cls, row: Row, visible: bool) -> Nudge:
        return cls(
            id=row["nudge_id"],
            repair_id=row["repair_id"],
            kind=NudgeKind(row["kind"]),
            commitment_id=row["commitment_id"],
            channels=[Channel(c) for c in row["channels"]],
            sent_at=row["sent_at"],
            recipient_department=row["recipient_department"],
            recipient=Person(person_id=row["recipient_id"], department=row["recipient_department"])
            if visible
            else None,
        )


@strawberry.type(description="An affected person's answer: were things made right?")
class CheckIn:
    id: UUID
    repair_id: UUID
    outcome: CheckInOutcome
    recorded_at: datetime
    department: str
    person: Person | None = strawberry.field(description="null unless you take part.")
    comment: str | None = strawberry.field(description="null unless you take part.")

    @classmethod
    def from_row(cls, row: Row, visible: bool) -> CheckIn:
        return cls(
            id=row["check_in_id"],
            repair_id=row["repair_id"],
            outcome=CheckInOutcome(row["outcome"]),
            recorded_at=row["recorded_at"],
            department=row["department"],
            person=Person(person_id=row["person_id"], department=row["department"])
            if visible
            else None,
            comment=row["comment"] if visible else None,
        )


@strawberry.type(description="One promise in an agreement, under the terms in force.")
class Commitment:
    id: UUID
    repair_id: UUID
    agreement_id: UUID | None
    terms_version: int
    owner_department: str
    owed_to_departments: list[str]
    action: str | None = strawberry.field(description="What will be done.")
    due_at: datetime | None
    status: CommitmentStatus
    kept_at: datetime | None
    kept_on_time: bool | None
    lapse_count: int
    released_at: datetime | None
    owner: Person | None = strawberry.field(description="null unless you take part.")
    owed_to: list[Person] | None = strawberry.field(description="null unless you take part.")
    release_reason: str | None = strawberry.field(description="null unless you take part.")
    renegotiation_reason: str | None = strawberry.field(
        description="Why the terms in force replaced earlier ones; null unless you take part."
    )

    @classmethod
    def from_row(cls, row: Row, visible: bool) -> Commitment:
        return cls(
            id=row["commitment_id"],
            repair_id=row["repair_id"],
            agreement_id=row["agreement_id"],
            terms_version=row["terms_version"],
            owner_department=row["owner_department"],
            owed_to_departments=list(row["owed_to_departments"]),
            action=row["action"],
            due_at=row["due_at"],
            status=CommitmentStatus(row["status"]),
            kept_at=row["kept_at"],
            kept_on_time=row["kept_on_time"],
            lapse_count=row["lapse_count"],
            released_at=row["released_at"],
            owner=Person(person_id=row["owner_id"], department=row["owner_department"])
            if visible
            else None,
            owed_to=[_person(p) for p in row["owed_to"]] if visible else None,
            release_reason=row["release_reason"] if visible else None,
            renegotiation_reason=row["renegotiation_reason"] if visible else None,
        )

    @strawberry.field(description="The nudges follow-up sent about this commitment.")
    async def nudges(self, info: Info) -> list[Nudge]:
        rows = await info.context.nudges_of_commitment.load(self.id)
        visible = await people_visible(info, self.repair_id)
        return [Nudge.from_row(r, visible) for r in rows]


@strawberry.type(description="The restorative case opened for one or more incidents.")
class Repair:
    id: UUID
    status: RepairStatus
    category: IncidentCategory | None
    opened_at: datetime
    departments: list[str] = strawberry.field(description="Every department it concerns.")
    agreement_due_by: datetime | None
    outcome: RepairOutcome | None
    closed_at: datetime | None
    recurrence_of: list[UUID] = strawberry.field(
        description="Earlier repairs between the same departments about the same matter."
    )
    row: strawberry.Private[Row]

    @classmethod
    def from_row(cls, row: Row) -> Repair:
        return cls(
            id=row["repair_id"],
            status=RepairStatus(row["status"]),
            category=IncidentCategory(row["category"]) if row.get("category") else None,
            opened_at=row["opened_at"],
            departments=list(row["departments"]),
            agreement_due_by=row.get("agreement_due_by"),
            outcome=RepairOutcome(row["outcome"]) if row.get("outcome") else None,
            closed_at=row.get("closed_at"),
            recurrence_of=list(row.get("recurrence_of") or ()),
            row=row,
        )

    @strawberry.field(
        description="with/to/for/not as the facts tell: the decision or closure; `not` once the "
        "agreement window passed without one; null while the window is still open."
    )
    def response_mode(self, info: Info) -> ResponseMode | None:
        mode = self.row.get("response_mode")
        if mode:
            return ResponseMode(mode)
        due = self.row.get("agreement_due_by")
        if self.row["status"] == "open" and due is not None and due <= info.context.clock.now():
            return ResponseMode.NOT
        return None

    @strawberry.field(description="Whether you may see this repair's people and their words.")
    async def people_visible(self, info: Info) -> bool:
        return await people_visible(info, self.id)

    @strawberry.field(description="The incidents this repair was opened for.")
    async def incidents(self, info: Info) -> list[Incident]:
        rows = await info.context.incidents_of_repair.load(self.id)
        return [Incident.from_row(row) for row in rows]

    @strawberry.field(description="The department pairs this repair concerns.")
    async def relationships(self, info: Info) -> list[Relationship]:
        rows = await info.context.relationships.load(self.id)
        return [
            Relationship(department_a=r["department_a"], department_b=r["department_b"])
            for r in rows
        ]

    @strawberry.field(description="Who takes part, in which role. Only for the repair's people.")
    async def participants(self, info: Info) -> list[Participant] | None:
        if not await people_visible(info, self.id):
            raise ForbiddenError(
                "only the repair's facilitator and participants see who takes part"
            )
        rows = await info.context.participants.load(self.id)
        return [
            Participant(
                person=Person(person_id=r["person_id"], department=r["department"]),
                role=ParticipantRole(r["role"]),
                joined_at=r["joined_at"],
            )
            for r in rows
        ]

    @strawberry.field(
        description="The answers to the restorative questions. Confidential: only for the "
        "repair's facilitator and participants."
    )
    async def conversation(self, info: Info) -> list[ConversationEntry] | None:
        if not await people_visible(info, self.id):
            raise ForbiddenError(
                "conversation answers are only for the repair's facilitator and participants"
            )
        rows = await info.context.conversations.load(self.id)
        return [
            ConversationEntry(
                person=Person(person_id=r["person_id"], department=r["department"]),
                role=ParticipantRole(r["role"]),
                recorded_at=r["recorded_at"],
                answers=[
                    Answer(question=Question(a["question"]), text=a["text"]) for a in r["answers"]
                ],
            )
            for r in rows
        ]

    @strawberry.field(description="The agreement last reached (null before one is).")
    async def agreement(self, info: Info) -> Agreement | None:
        rows = await info.context.agreements.load(self.id)
        if not rows:
            return None
        latest = max(rows, key=lambda r: (r["reached_at"], r["version"]))
        visible = await people_visible(info, self.id)
        return Agreement(
            id=latest["agreement_id"],
            version=latest["version"],
            reached_at=latest["reached_at"],
            response_mode=ResponseMode(latest["response_mode"]),
            consented_by=[_person(p) for p in latest["consented_by"]] if visible else None,
        )

    @strawberry.field(
        description="Answers to proposed versions; the person only for the repair's people."
    )
    async def consents(self, info: Info) -> list[Consent]:
        rows = await info.context.consents.load(self.id)
        visible = await people_visible(info, self.id)
        return [
            Consent(
                version=r["version"],
                person=Person(person_id=r["person_id"], department=r["department"])
                if visible
                else None,
                department=r["department"],
                role=ParticipantRole(r["role"]),
                decision=r["decision"],
                reason=r["reason"] if visible else None,
                decided_at=r["decided_at"],
            )
            for r in rows
        ]

    @strawberry.field(description="The commitments of its agreement or imposed outcome.")
    async def commitments(self, info: Info) -> list[Commitment]:
        rows = await info.context.commitments.load(self.id)
        visible = await people_visible(info, self.id)
        return [Commitment.from_row(r, visible) for r in rows]

    @strawberry.field(description="Nudges follow-up sent in this repair.")
    async def nudges(self, info: Info) -> list[Nudge]:
        rows = await info.context.nudges.load(self.id)
        visible = await people_visible(info, self.id)
        return [Nudge.from_row(r, visible) for r in rows]

    @strawberry.field(description="The affected people's check-ins.")
    async def check_ins(self, info: Info) -> list[CheckIn]:
        rows = await info.context.check_ins.load(self.id)
        visible = await people_visible(info, self.id)
        return [CheckIn.from_row(r, visible) for r in rows]
