"""GraphQL types of the read model's entities, repairs and incidents; built from the
repository's records here, so rows never leak into the schema.

Person-level fields (who, and what they said) resolve to null for viewers who do not take
part in the repair; `participants` and `conversation` refuse them with FORBIDDEN.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from uuid import UUID

import strawberry

from bridgework.graphql_gateway.read.domain import access
from bridgework.graphql_gateway.read.domain.records import IncidentRecord, RepairRecord
from bridgework.graphql_gateway.read.entrypoints.graphql.context import Context
from bridgework.graphql_gateway.read.entrypoints.graphql.details import (
    Agreement,
    Answer,
    CheckIn,
    Commitment,
    CommitmentStatus,
    Consent,
    ConversationEntry,
    FacilitationOffer,
    Nudge,
    Participant,
    Person,
    Relationship,
    people_visible,
    person_of,
)
from bridgework.graphql_gateway.read.entrypoints.graphql.enums import (
    IncidentCategory,
    ParticipantRole,
    Question,
    RepairOutcome,
    ResponseMode,
    Severity,
)

Info = strawberry.Info[Context, None]

__all__ = ["CommitmentStatus", "Incident", "Repair", "RepairStatus"]


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
    record: strawberry.Private[IncidentRecord]

    @classmethod
    def of(cls, record: IncidentRecord) -> Incident:
        return cls(
            id=record.incident_id,
            department=record.department,
            category=IncidentCategory(record.category),
            severity=Severity(record.severity),
            summary=record.summary,
            occurred_at=record.occurred_at,
            reported_at=record.reported_at,
            source_tool=record.source_tool,
            revision=record.revision,
            response_mode=ResponseMode(record.response_mode) if record.response_mode else None,
            affected_departments=list(record.affected_departments),
            record=record,
        )

    async def _people_visible(self, info: Info) -> bool:
        repairs = await info.context.repairs_of_incident.load(self.id)
        mine = await info.context.viewer_repairs()
        return any(r.repair_id in mine for r in repairs)

    @strawberry.field(description="Who was responsible; null unless you take part in its repair.")
    async def responsible(self, info: Info) -> list[Person] | None:
        if not await self._people_visible(info):
            return None
        return [person_of(p) for p in self.record.responsible]

    @strawberry.field(description="Who was affected; null unless you take part in its repair.")
    async def affected_people(self, info: Info) -> list[Person] | None:
        if not await self._people_visible(info):
            return None
        return [person_of(p) for p in self.record.affected_people]

    @strawberry.field(description="The repairs opened for this incident that you may see.")
    async def repairs(self, info: Info) -> list[Repair]:
        records = await info.context.repairs_of_incident.load(self.id)
        mine = await info.context.viewer_repairs()
        viewer = info.context.viewer
        return [
            Repair.of(r)
            for r in records
            if r.repair_id in mine or access.may_see_repair(viewer, r.departments, ())
        ]


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
    record: strawberry.Private[RepairRecord]

    @classmethod
    def of(cls, record: RepairRecord) -> Repair:
        return cls(
            id=record.repair_id,
            status=RepairStatus(record.status),
            category=IncidentCategory(record.category) if record.category else None,
            opened_at=record.opened_at,
            departments=list(record.departments),
            agreement_due_by=record.agreement_due_by,
            outcome=RepairOutcome(record.outcome) if record.outcome else None,
            closed_at=record.closed_at,
            recurrence_of=list(record.recurrence_of),
            record=record,
        )

    @strawberry.field(
        description="with/to/for/not as the facts tell: the decision or closure; `not` once the "
        "agreement window passed without one; null while the window is still open."
    )
    def response_mode(self, info: Info) -> ResponseMode | None:
        mode = self.record.response_mode
        if mode:
            return ResponseMode(mode)
        due = self.record.agreement_due_by
        if self.record.status == "open" and due is not None and due <= info.context.clock.now():
            return ResponseMode.NOT
        return None

    @strawberry.field(description="Whether you may see this repair's people and their words.")
    async def people_visible(self, info: Info) -> bool:
        return await people_visible(info, self.id)

    @strawberry.field(description="The incidents this repair was opened for.")
    async def incidents(self, info: Info) -> list[Incident]:
        records = await info.context.incidents_of_repair.load(self.id)
        return [Incident.of(record) for record in records]

    @strawberry.field(description="The department pairs this repair concerns.")
    async def relationships(self, info: Info) -> list[Relationship]:
        records = await info.context.relationships.load(self.id)
        return [
            Relationship(department_a=r.department_a, department_b=r.department_b) for r in records
        ]

    @strawberry.field(description="Who takes part, in which role. Only for the repair's people.")
    async def participants(self, info: Info) -> list[Participant] | None:
        access.people_of_repair_only(
            await people_visible(info, self.id),
            "only the repair's facilitator and participants see who takes part",
        )
        records = await info.context.participants.load(self.id)
        return [
            Participant(
                person=person_of(r.person), role=ParticipantRole(r.role), joined_at=r.joined_at
            )
            for r in records
        ]

    @strawberry.field(
        description="Offers to facilitate that wait for an answer (a facilitator is a member "
        "of staff in that role, shown to whoever may see the repair, so the change team and "
        "the leads involved can answer)."
    )
    async def facilitation_offers(self, info: Info) -> list[FacilitationOffer]:
        records = await info.context.pending_offers.load(self.id)
        return [
            FacilitationOffer(person=person_of(r.person), offered_at=r.offered_at) for r in records
        ]

    @strawberry.field(
        description="The answers to the restorative questions. Confidential: only for the "
        "repair's facilitator and participants."
    )
    async def conversation(self, info: Info) -> list[ConversationEntry] | None:
        access.people_of_repair_only(
            await people_visible(info, self.id),
            "conversation answers are only for the repair's facilitator and participants",
        )
        records = await info.context.conversations.load(self.id)
        return [
            ConversationEntry(
                person=person_of(r.person),
                role=ParticipantRole(r.role),
                recorded_at=r.recorded_at,
                answers=[
                    Answer(question=Question(a.question), sealed_text=a.text) for a in r.answers
                ],
            )
            for r in records
        ]

    @strawberry.field(description="The agreement last reached (null before one is).")
    async def agreement(self, info: Info) -> Agreement | None:
        records = await info.context.agreement_rows.load(self.id)
        if not records:
            return None
        latest = max(records, key=lambda r: (r.reached_at, r.version))
        visible = await people_visible(info, self.id)
        return Agreement(
            id=latest.agreement_id,
            version=latest.version,
            reached_at=latest.reached_at,
            response_mode=ResponseMode(latest.response_mode),
            consented_by=[person_of(p) for p in latest.consented_by] if visible else None,
        )

    @strawberry.field(
        description="Answers to proposed versions; the person only for the repair's people."
    )
    async def consents(self, info: Info) -> list[Consent]:
        records = await info.context.consents.load(self.id)
        visible = await people_visible(info, self.id)
        return [
            Consent(
                version=r.version,
                person=person_of(r.person) if visible else None,
                department=r.person.department,
                role=ParticipantRole(r.role),
                decision=r.decision,
                decided_at=r.decided_at,
                sealed_reason=r.reason,
                visible=visible,
            )
            for r in records
        ]

    @strawberry.field(description="The commitments of its agreement or imposed outcome.")
    async def commitments(self, info: Info) -> list[Commitment]:
        records = await info.context.commitments.load(self.id)
        visible = await people_visible(info, self.id)
        return [Commitment.of(r, visible) for r in records]

    @strawberry.field(description="Nudges follow-up sent in this repair.")
    async def nudges(self, info: Info) -> list[Nudge]:
        records = await info.context.nudges.load(self.id)
        visible = await people_visible(info, self.id)
        return [Nudge.of(r, visible) for r in records]

    @strawberry.field(description="The affected people's check-ins.")
    async def check_ins(self, info: Info) -> list[CheckIn]:
        records = await info.context.check_ins.load(self.id)
        visible = await people_visible(info, self.id)
        return [CheckIn.of(r, visible) for r in records]
