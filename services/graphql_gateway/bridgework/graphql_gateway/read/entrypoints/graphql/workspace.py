"""The people's workspace in GraphQL: the facilitation queue, my work (repairs, commitments,
consent, and the planned changes you take part in), and a repair's story.

Person-level detail follows types.py: only a repair's own facilitators and participants see
who and what; the queue shows a repair's structure only (docs/gateway.md, "Access").
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from bridgework.common.contracts.sealed import Sealed
from bridgework.graphql_gateway.read.domain import access
from bridgework.graphql_gateway.read.domain.workspace import (
    Action,
    NextAction,
    ProposalRecord,
    RepairFacts,
    Waiting,
    available_actions,
    awaiting_consent,
    next_action,
    pending_proposal,
)
from bridgework.graphql_gateway.read.entrypoints.graphql.context import Context
from bridgework.graphql_gateway.read.entrypoints.graphql.details import (
    Commitment,
    Person,
    person_of,
)
from bridgework.graphql_gateway.read.entrypoints.graphql.enums import (
    IncidentCategory,
    ParticipantRole,
)
from bridgework.graphql_gateway.read.entrypoints.graphql.my_changes import MyChange, my_changes
from bridgework.graphql_gateway.read.entrypoints.graphql.types import Repair
from bridgework.graphql_gateway.read.use_cases import workspace

Info = strawberry.Info[Context, None]

strawberry.enum(
    Waiting,
    name="WaitingFor",
    graphql_name_from="value",
    description="What a repair waits for next: facilitator, participants, proposal, consent, "
    "commitment, renegotiation (a commitment lapsed), check_in, closing, nothing (closed).",
)
strawberry.enum(
    Action,
    name="RepairAction",
    graphql_name_from="value",
    description="An action a repair's page offers you now, each one mutation; the agreements "
    "service still decides whether it is allowed.",
)


@strawberry.type(description="A repair nobody facilitates yet: its structure only.")
class WaitingRepair:
    id: UUID
    opened_at: datetime
    category: IncidentCategory | None
    departments: list[str]
    agreement_due_by: datetime | None
    incident_count: int
    pending_offers: int = strawberry.field(description="Offers to facilitate awaiting an answer.")
    offered_by_you: bool


@strawberry.type(description="What a repair waits for next, on whom, and by when.")
class NextStep:
    waiting_for: Waiting
    on_departments: list[str]
    due_at: datetime | None
    on: list[Person] | None = strawberry.field(description="null unless you take part.")

    @classmethod
    def of(cls, step: NextAction, visible: bool) -> NextStep:
        return cls(
            waiting_for=step.waiting,
            on_departments=sorted({p.department for p in step.on}),
            due_at=step.due_at,
            on=[person_of(p) for p in step.on] if visible else None,
        )


@strawberry.type(description="One commitment as a proposal would have it.")
class ProposedCommitment:
    commitment_id: UUID
    terms_version: int
    owner: Person
    owed_to_departments: list[str]
    due_at: datetime
    sealed_action: strawberry.Private[Sealed | None]

    @strawberry.field(description="What will be done; null once erased.")
    async def action(self, info: Info) -> str | None:
        # Only built for the repair's people (Proposal.of), who may read it.
        return await info.context.opened(self.sealed_action)


@strawberry.type(
    description="A proposed version of the agreement (terms, a renegotiation or a release). "
    "Its content only for the repair's people; the answers are the repair's `consents`."
)
class Proposal:
    repair_id: UUID
    agreement_id: UUID
    version: int
    proposed_at: datetime
    pending: bool = strawberry.field(description="Still waiting for consent.")
    proposed_by: Person | None
    commitments: list[ProposedCommitment] | None
    awaiting: list[Person] | None = strawberry.field(
        description="Who has yet to consent (while pending)."
    )

    @classmethod
    def of(cls, record: ProposalRecord, facts: RepairFacts, visible: bool) -> Proposal:
        pending = pending_proposal(facts) == record
        waiting = awaiting_consent(record, facts) if pending else []
        return cls(
            repair_id=record.repair_id,
            agreement_id=record.agreement_id,
            version=record.version,
            proposed_at=record.proposed_at,
            pending=pending,
            proposed_by=person_of(record.proposed_by) if visible else None,
            commitments=[
                ProposedCommitment(
                    commitment_id=t.commitment_id,
                    terms_version=t.terms_version,
                    owner=person_of(t.owner),
                    owed_to_departments=list(t.owed_to_departments),
                    due_at=t.due_at,
                    sealed_action=t.action,
                )
                for t in record.commitments
            ]
            if visible
            else None,
            awaiting=[person_of(p) for p in waiting] if visible else None,
        )


@strawberry.type(description="An offer to facilitate and its answer (decision null: waiting).")
class OfferRecord:
    person: Person
    offered_at: datetime
    decision: str | None = strawberry.field(description="approved or declined.")
    answered_at: datetime | None


@strawberry.type(description="When a commitment's terms (of this version) last lapsed.")
class Lapse:
    commitment_id: UUID
    terms_version: int
    lapsed_at: datetime


@strawberry.type(description="A repair as a facilitator or participant works on it.")
class RepairStory:
    repair: Repair
    your_roles: list[ParticipantRole]
    next: NextStep
    actions: list[Action]
    proposals: list[Proposal] = strawberry.field(description="Every version proposed, in order.")
    pending_proposal: Proposal | None
    facts: strawberry.Private[RepairFacts]

    @classmethod
    def of(cls, facts: RepairFacts, info: Info, visible: bool) -> RepairStory:
        viewer = info.context.viewer
        proposals = [Proposal.of(p, facts, visible) for p in facts.proposals]
        return cls(
            repair=Repair.of(facts.repair),
            your_roles=sorted(
                {
                    ParticipantRole(p.role)
                    for p in facts.participants
                    if p.person.person_id == viewer.subject
                },
                key=lambda role: role.value,
            ),
            next=NextStep.of(next_action(facts), visible),
            actions=available_actions(facts, viewer),
            proposals=proposals,
            pending_proposal=next((p for p in proposals if p.pending), None),
            facts=facts,
        )

    @strawberry.field(description="Every offer to facilitate, answered or waiting.")
    async def facilitation_offers(self, info: Info) -> list[OfferRecord]:
        records = await workspace.offer_history(pool=info.context.pool, repair_id=self.repair.id)
        return [
            OfferRecord(
                person=person_of(r.person),
                offered_at=r.offered_at,
                decision=r.decision,
                answered_at=r.answered_at,
            )
            for r in records
        ]

    @strawberry.field(description="When its commitments lapsed (the latest lapse of each).")
    async def lapses(self, info: Info) -> list[Lapse]:
        records = await workspace.lapses(pool=info.context.pool, repair_id=self.repair.id)
        return [
            Lapse(
                commitment_id=r.commitment_id, terms_version=r.terms_version, lapsed_at=r.lapsed_at
            )
            for r in records
        ]


@strawberry.type(
    description="What waits for you: your repairs, your commitments, your consent, and the "
    "planned changes you take part in."
)
class MyWork:
    repairs: list[RepairStory] = strawberry.field(
        description="The repairs you take part in, the soonest next step first; closed last."
    )
    commitments: list[Commitment] = strawberry.field(
        description="Commitments you own, soonest due first."
    )
    awaiting_your_consent: list[Proposal]

    @strawberry.field(
        description="The planned changes you take part in (any role, for any department): "
        "those not yet live first, soonest planned go-live first; then live ones, latest first."
    )
    async def changes(self, info: Info) -> list[MyChange]:
        return await my_changes(info)


def _soonest_first(story: RepairStory) -> tuple[bool, datetime, UUID]:
    step = story.next
    closed = step.waiting_for is Waiting.NOTHING
    return (
        closed,
        step.due_at or datetime.max.replace(tzinfo=story.repair.opened_at.tzinfo),
        story.repair.id,
    )


@strawberry.type
class WorkspaceQuery:
    @strawberry.field(
        description="Repairs waiting for a facilitator, oldest first: structure only. For "
        "facilitators (the whole organisation), the change team, and department leads (their "
        "departments')."
    )
    async def facilitation_queue(self, info: Info, first: int = 50) -> list[WaitingRepair]:
        rows = await workspace.facilitation_queue(
            pool=info.context.pool,
            viewer=info.context.viewer,
            first=first,
            max_page_size=info.context.settings.graphql_max_page_size,
        )
        return [
            WaitingRepair(
                id=r.repair.repair_id,
                opened_at=r.repair.opened_at,
                category=IncidentCategory(r.repair.category) if r.repair.category else None,
                departments=list(r.repair.departments),
                agreement_due_by=r.repair.agreement_due_by,
                incident_count=r.incident_count,
                pending_offers=r.pending_offers,
                offered_by_you=r.offered_by_viewer,
            )
            for r in rows
        ]

    @strawberry.field(description="Your repairs by next step, your commitments, your consent.")
    async def my_work(self, info: Info) -> MyWork:
        mine = await info.context.viewer_repairs()
        facts = await workspace.repair_facts(pool=info.context.pool, repair_ids=sorted(mine))
        stories = sorted(
            (RepairStory.of(f, info, True) for f in facts.values()), key=_soonest_first
        )
        subject = info.context.viewer.subject
        owned = [
            c
            for f in facts.values()
            for c in f.commitments
            if c.owner.person_id == subject and c.due_at is not None
        ]
        owned.sort(key=lambda c: (c.status not in ("open", "lapsed"), c.due_at, c.commitment_id))
        return MyWork(
            repairs=stories,
            commitments=[Commitment.of(c, True) for c in owned],
            awaiting_your_consent=[
                s.pending_proposal
                for s in stories
                if s.pending_proposal is not None
                and any(p.person_id == subject for p in s.pending_proposal.awaiting or ())
            ],
        )

    @strawberry.field(
        description="One repair as its page shows it; null when there is none you may see."
    )
    async def repair_story(self, info: Info, id: UUID) -> RepairStory | None:
        found = await workspace.repair_facts(pool=info.context.pool, repair_ids=[id])
        facts = found.get(id)
        if facts is None:
            return None
        mine = await info.context.viewer_repairs()
        visible = id in mine
        if not visible and not access.may_see_repair(
            info.context.viewer, facts.repair.departments, ()
        ):
            return None
        return RepairStory.of(facts, info, visible)
