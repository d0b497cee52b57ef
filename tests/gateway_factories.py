"""Builders for the gateway's tests: a repair's story as events, and tokens for each role."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import jwt

from bridgework.common.contracts import (
    AgreementProposedV1,
    AgreementReachedV1,
    Answer,
    Channel,
    CheckInOutcome,
    CheckInRecordedV1,
    CommitmentKeptV1,
    CommitmentLapsedV1,
    CommitmentReleasedV1,
    CommitmentRenegotiatedV1,
    CommitmentTerms,
    ConsentDeclinedV1,
    ConsentGivenV1,
    Contract,
    ConversationRecordedV1,
    FacilitationDecision,
    FacilitationOfferAnsweredV1,
    FacilitationOfferedV1,
    IncidentCategory,
    IncidentLinkedV1,
    IncidentReportedV1,
    IncidentUpdatedV1,
    NudgeKind,
    NudgeSentV1,
    OutcomeImposedV1,
    ParticipantJoinedV1,
    ParticipantRole,
    PersonRef,
    Question,
    RelationshipPair,
    RepairClosedV1,
    RepairOpenedV1,
    RepairOutcome,
    ReportedAnswers,
    ResponseMode,
    Severity,
    SourceRef,
)
from bridgework.common.events import Event
from bridgework.graphql_gateway.settings import GatewaySettings
from tests.factories import sealed

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# A test-only signing secret: tests mint their own tokens with it.
SECRET = "bridgework-tests-only-hs256-secret-0123456789"


def gateway_settings(**overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "development_mode": True,  # HS256 tokens are accepted in development mode only
        "jwt_hs256_secret": SECRET,
        "subscription_min_interval_seconds": 0.05,
    }
    values.update(overrides)
    return GatewaySettings(**values)


def token(
    sub: str = "p-chg-001",
    *roles: str,
    department: str | None = None,
    secret: str = SECRET,
    expires_in: int = 3600,
    algorithm: str = "HS256",
    key: Any = None,
    **claims: Any,
) -> str:
    """A signed token as an identity provider would issue it (change_team by default)."""
    body: dict[str, Any] = {
        "sub": sub,
        "roles": list(roles) or ["change_team"],
        "iat": int(time.time()),
        "exp": int(time.time()) + expires_in,
        **claims,
    }
    if department is not None:
        body["department"] = department
    return jwt.encode(body, key if key is not None else secret, algorithm=algorithm)


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def person(person_id: str, department: str) -> PersonRef:
    return PersonRef(person_id=person_id, department=department)


def as_events(facts: list[Contract], *, source: str = "/tests") -> list[Event[Contract]]:
    return [Event.new(fact, source=source, time=T0) for fact in facts]


@dataclass
class RepairStory:
    """One harm and its repair, told as the events the services would publish."""

    responsible: PersonRef = field(default_factory=lambda: person("p-it-001", "it"))
    affected: PersonRef = field(default_factory=lambda: person("p-fin-014", "finance"))
    facilitator: PersonRef = field(default_factory=lambda: person("p-hr-009", "hr"))
    reported_at: datetime = T0
    opened_at: datetime = T0 + HOUR
    category: IncidentCategory = IncidentCategory.ACCESS_RESTRICTION
    window: timedelta = 14 * DAY
    recurrence_of: list[UUID] = field(default_factory=list)
    repair_id: UUID = field(default_factory=uuid4)
    agreement_id: UUID = field(default_factory=uuid4)
    facts: list[Contract] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.incident = IncidentReportedV1(
            incident_id=uuid4(),
            department=self.responsible.department,
            category=self.category,
            severity=Severity.HIGH,
            summary="USB storage was blocked overnight without notice.",
            occurred_at=self.reported_at - HOUR,
            reported_at=self.reported_at,
            responsible=[self.responsible],
            affected_people=[self.affected],
            affected_departments=[self.affected.department],
            source=SourceRef(tool="native", reference=str(uuid4())),
        )
        departments = sorted({self.responsible.department, self.affected.department})
        self.opened = RepairOpenedV1(
            repair_id=self.repair_id,
            incident_ids=[self.incident.incident_id],
            opened_at=self.opened_at,
            category=self.category,
            departments=departments,
            relationships=[
                RelationshipPair(department_a=departments[0], department_b=departments[1])
            ],
            recurrence_of=self.recurrence_of,
            agreement_due_by=self.opened_at + self.window,
        )
        self.facts.append(self.opened)

    @property
    def departments(self) -> list[str]:
        return list(self.opened.departments)

    def add(self, fact: Contract) -> Contract:
        self.facts.append(fact)
        return fact

    def join_everyone(self, at: datetime | None = None) -> RepairStory:
        at = at or self.opened_at + HOUR
        for who, role in (
            (self.facilitator, ParticipantRole.FACILITATOR),
            (self.responsible, ParticipantRole.RESPONSIBLE),
            (self.affected, ParticipantRole.AFFECTED),
        ):
            self.add(
                ParticipantJoinedV1(
                    repair_id=self.repair_id, participant=who, role=role, joined_at=at
                )
            )
        return self

    def converse(self, at: datetime | None = None) -> RepairStory:
        self.add(
            ConversationRecordedV1(
                repair_id=self.repair_id,
                participant=self.affected,
                role=ParticipantRole.AFFECTED,
                answers=[
                    Answer(question=Question.HARDEST_THING, text=sealed("Missing the month end."))
                ],
                recorded_at=at or self.opened_at + 2 * HOUR,
            )
        )
        return self

    def terms(
        self, due_at: datetime, *, version: int = 1, commitment_id: UUID | None = None
    ) -> CommitmentTerms:
        return CommitmentTerms(
            commitment_id=commitment_id or uuid4(),
            terms_version=version,
            owner=self.responsible,
            owed_to=[self.affected],
            owed_to_departments=[self.affected.department],
            action=sealed("Announce lock-downs a week ahead, with a finance exception route."),
            due_at=due_at,
        )

    def propose(
        self, commitments: list[CommitmentTerms], at: datetime, version: int = 1
    ) -> RepairStory:
        self.add(
            AgreementProposedV1(
                repair_id=self.repair_id,
                agreement_id=self.agreement_id,
                version=version,
                commitments=commitments,
                proposed_by=self.facilitator,
                proposed_at=at,
                consent_required_from=[self.responsible, self.affected],
            )
        )
        return self

    def consent(
        self, who: PersonRef, role: ParticipantRole, at: datetime, *, version: int = 1
    ) -> RepairStory:
        self.add(
            ConsentGivenV1(
                repair_id=self.repair_id,
                agreement_id=self.agreement_id,
                version=version,
                participant=who,
                role=role,
                given_at=at,
            )
        )
        return self

    def decline(
        self, who: PersonRef, role: ParticipantRole, at: datetime, *, version: int = 1
    ) -> RepairStory:
        self.add(
            ConsentDeclinedV1(
                repair_id=self.repair_id,
                agreement_id=self.agreement_id,
                version=version,
                participant=who,
                role=role,
                reason=sealed("The date is too soon."),
                declined_at=at,
            )
        )
        return self

    def agree(
        self, commitments: list[CommitmentTerms], at: datetime, *, version: int = 1
    ) -> RepairStory:
        """Propose, everyone consents, agreement reached, all at `at`."""
        self.propose(commitments, at, version)
        self.consent(self.responsible, ParticipantRole.RESPONSIBLE, at, version=version)
        self.consent(self.affected, ParticipantRole.AFFECTED, at, version=version)
        self.add(
            AgreementReachedV1(
                repair_id=self.repair_id,
                agreement_id=self.agreement_id,
                version=version,
                commitments=commitments,
                consented_by=[self.responsible, self.affected],
                reached_at=at,
                response_mode=ResponseMode.WITH,
            )
        )
        return self

    def impose(
        self, mode: ResponseMode, at: datetime, commitments: list[CommitmentTerms] | None = None
    ) -> RepairStory:
        self.add(
            OutcomeImposedV1(
                repair_id=self.repair_id,
                decided_by=person("p-ops-100", "operations"),
                response_mode=mode,
                reason=sealed("Decided by the security board."),
                commitments=commitments or [],
                imposed_at=at,
            )
        )
        return self

    def keep(self, terms: CommitmentTerms, at: datetime) -> RepairStory:
        self.add(
            CommitmentKeptV1(
                repair_id=self.repair_id,
                agreement_id=self.agreement_id,
                commitment_id=terms.commitment_id,
                terms_version=terms.terms_version,
                owner=terms.owner,
                due_at=terms.due_at,
                kept_at=at,
                on_time=at <= terms.due_at,
            )
        )
        return self

    def lapse(self, terms: CommitmentTerms, at: datetime, count: int = 1) -> RepairStory:
        self.add(
            CommitmentLapsedV1(
                repair_id=self.repair_id,
                agreement_id=self.agreement_id,
                commitment_id=terms.commitment_id,
                terms_version=terms.terms_version,
                owner=terms.owner,
                due_at=terms.due_at,
                lapsed_at=at,
                lapse_count=count,
            )
        )
        return self

    def renegotiate(
        self, terms: CommitmentTerms, due_at: datetime, at: datetime
    ) -> CommitmentTerms:
        new_terms = terms.model_copy(
            update={"terms_version": terms.terms_version + 1, "due_at": due_at}
        )
        self.add(
            CommitmentRenegotiatedV1(
                repair_id=self.repair_id,
                agreement_id=self.agreement_id,
                agreement_version=new_terms.terms_version,
                previous_terms_version=terms.terms_version,
                terms=new_terms,
                reason=sealed("The supplier moved the date."),
                renegotiated_at=at,
            )
        )
        return new_terms

    def release(self, terms: CommitmentTerms, at: datetime) -> RepairStory:
        self.add(
            CommitmentReleasedV1(
                repair_id=self.repair_id,
                agreement_id=self.agreement_id,
                commitment_id=terms.commitment_id,
                terms_version=terms.terms_version,
                owner=terms.owner,
                reason=sealed("No longer needed after the policy change."),
                released_at=at,
            )
        )
        return self

    def nudge(
        self, kind: NudgeKind, at: datetime, terms: CommitmentTerms | None = None
    ) -> RepairStory:
        self.add(
            NudgeSentV1(
                repair_id=self.repair_id,
                nudge_id=uuid4(),
                kind=kind,
                commitment_id=terms.commitment_id if terms else None,
                terms_version=terms.terms_version if terms else None,
                recipient=terms.owner if terms else self.affected,
                channels=[Channel.EMAIL, Channel.EVENT],
                sent_at=at,
            )
        )
        return self

    def check_in(
        self, outcome: CheckInOutcome, at: datetime, who: PersonRef | None = None
    ) -> RepairStory:
        self.add(
            CheckInRecordedV1(
                repair_id=self.repair_id,
                check_in_id=uuid4(),
                participant=who or self.affected,
                outcome=outcome,
                comment=sealed("Thank you for asking."),
                recorded_at=at,
            )
        )
        return self

    def close(
        self,
        outcome: RepairOutcome,
        mode: ResponseMode,
        at: datetime,
        reason_code: str | None = None,
    ) -> RepairStory:
        self.add(
            RepairClosedV1(
                repair_id=self.repair_id,
                outcome=outcome,
                reason_code=reason_code,
                reason=sealed("Closed by the facilitator.") if reason_code else None,
                response_mode=mode,
                closed_at=at,
            )
        )
        return self

    def events(self) -> list[Event[Contract]]:
        """The incident and every repair and follow-up fact, as events."""
        return as_events([self.incident, *self.facts])


@dataclass
class Organisation:
    """Five repairs of November 2026 whose dashboard figures are computed by hand in
    tests/integration/test_gateway_dashboard.py (see the comments there)."""

    a: RepairStory
    b: RepairStory
    c: RepairStory
    d: RepairStory
    e: RepairStory
    now: datetime

    @property
    def stories(self) -> list[RepairStory]:
        return [self.a, self.b, self.c, self.d, self.e]

    def events(self) -> list[Event[Contract]]:
        return [event for story in self.stories for event in story.events()]


def organisation() -> Organisation:
    it, finance = person("p-it-001", "it"), person("p-fin-014", "finance")
    # A: IT locked USB storage; finance affected. Agreed in 48 h, both commitments kept
    # (one after a reminder, one late), confirmed at check-in, closed repaired.
    a = RepairStory(responsible=it, affected=finance).join_everyone().converse()
    a1, a2 = a.terms(T0 + 5 * DAY), a.terms(T0 + 6 * DAY)
    a.agree([a1, a2], T0 + 2 * DAY)
    a.nudge(NudgeKind.REMINDER, T0 + 3 * DAY, a1).keep(a1, T0 + 4 * DAY).keep(a2, T0 + 7 * DAY)
    a.check_in(CheckInOutcome.YES, T0 + 10 * DAY)
    a.close(RepairOutcome.REPAIRED, ResponseMode.WITH, T0 + 11 * DAY)
    # B: the same pair again 20 days later (a recurrence of A), shadow IT; agreed in 24 h,
    # its one commitment lapsed despite a reminder and a lapse offer; check-in: partly.
    b = RepairStory(
        responsible=it,
        affected=finance,
        reported_at=T0 + 20 * DAY,
        opened_at=T0 + 20 * DAY + HOUR,
        category=IncidentCategory.SHADOW_IT,
        recurrence_of=[a.repair_id],
    ).join_everyone()
    b1 = b.terms(T0 + 25 * DAY)
    b.agree([b1], T0 + 21 * DAY)
    b.nudge(NudgeKind.REMINDER, T0 + 24 * DAY, b1).lapse(b1, T0 + 25 * DAY + HOUR)
    b.nudge(NudgeKind.LAPSE_OFFER, T0 + 26 * DAY, b1).check_in(CheckInOutcome.PARTLY, T0 + 27 * DAY)
    # C: marketing's shadow IT; an outcome imposed over them (`to`), its commitment kept on
    # time, then returned to the formal process.
    c = RepairStory(
        responsible=person("p-mkt-003", "marketing"),
        affected=person("p-it-008", "it"),
        reported_at=T0 + 3 * DAY,
        opened_at=T0 + 3 * DAY + HOUR,
        category=IncidentCategory.SHADOW_IT,
    )
    c1 = c.terms(T0 + 9 * DAY)
    c.impose(ResponseMode.TO, T0 + 5 * DAY, [c1]).keep(c1, T0 + 8 * DAY)
    c.close(
        RepairOutcome.RETURNED_TO_FORMAL_PROCESS, ResponseMode.TO, T0 + 12 * DAY, "security_board"
    )
    # D: an outage that never got an agreement: its 14-day window passed (`not`, by the clock).
    d = RepairStory(
        responsible=person("p-it-002", "it"),
        affected=person("p-est-011", "estates"),
        reported_at=T0 + DAY,
        opened_at=T0 + DAY + HOUR,
        category=IncidentCategory.OUTAGE,
    )
    # ... a facilitator offered to take it; nobody answered yet.
    d.add(
        FacilitationOfferedV1(
            repair_id=d.repair_id,
            facilitator=person("p-hr-077", "hr"),
            offered_at=T0 + DAY + 2 * HOUR,
        )
    )
    # E: still within its window; only the facilitator joined (their offer was approved);
    # one consent, one decline.
    e = RepairStory(
        responsible=person("p-hr-005", "hr"),
        affected=person("p-fin-030", "finance"),
        reported_at=T0 + 25 * DAY,
        opened_at=T0 + 25 * DAY + HOUR,
        category=IncidentCategory.DATA_HANDLING,
    )
    offered_at = T0 + 25 * DAY + HOUR + HOUR / 2
    e.add(
        FacilitationOfferedV1(
            repair_id=e.repair_id, facilitator=e.facilitator, offered_at=offered_at
        )
    )
    e.add(
        ParticipantJoinedV1(
            repair_id=e.repair_id,
            participant=e.facilitator,
            role=ParticipantRole.FACILITATOR,
            joined_at=T0 + 25 * DAY + 2 * HOUR,
        )
    )
    e.add(
        FacilitationOfferAnsweredV1(
            repair_id=e.repair_id,
            facilitator=e.facilitator,
            offered_at=offered_at,
            decision=FacilitationDecision.APPROVED,
            answered_by="p-fin-lead",
            answered_at=T0 + 25 * DAY + 2 * HOUR,
        )
    )
    e1 = e.terms(T0 + 40 * DAY)
    e.propose([e1], T0 + 26 * DAY)
    e.consent(e.responsible, ParticipantRole.RESPONSIBLE, T0 + 26 * DAY)
    e.decline(e.affected, ParticipantRole.AFFECTED, T0 + 26 * DAY + HOUR)
    return Organisation(a=a, b=b, c=c, d=d, e=e, now=T0 + 30 * DAY)


def busy_organisation(seed: int = 11, repairs: int = 120) -> list[Event[Contract]]:
    """The hand-made organisation plus `repairs` random stories told with every kind of
    fact the projection folds: recurrences (also of repairs never seen), linked incidents,
    revised incidents with and without answers, proposals, consents and declines, imposed
    outcomes, nudges, lapses, renegotiations, releases, check-ins, closures, conversations,
    and the same facts again under new event ids."""
    rng = random.Random(seed)
    events = list(organisation().events())
    people = [
        person(f"p-{d[:3]}-{n:03d}", d)
        for d in ("it", "finance", "hr", "estates")
        for n in range(6)
    ]
    stories: list[RepairStory] = []
    categories = [IncidentCategory.ACCESS_RESTRICTION, IncidentCategory.SHADOW_IT]
    for _ in range(repairs):
        a, b = rng.sample(people, 2)
        while a.department == b.department:
            a, b = rng.sample(people, 2)
        category = rng.choice([*categories, IncidentCategory.OUTAGE])
        earlier = [
            s.repair_id
            for s in stories
            if s.category == category and set(s.departments) == {a.department, b.department}
        ][-3:]
        if rng.random() < 0.2:
            earlier.append(uuid4())
        reported = T0 + timedelta(hours=rng.randrange(24 * 60))
        story = RepairStory(
            responsible=a,
            affected=b,
            reported_at=reported,
            opened_at=reported + HOUR * rng.randrange(1, 30),
            category=category,
            recurrence_of=earlier,
        )
        _tell(rng, story, reported, a, b, people[0])
        stories.append(story)
        events.extend(story.events())
        if rng.random() < 0.15:
            linked = story.incident.model_copy(
                update={
                    "incident_id": uuid4(),
                    "reported_at": reported - HOUR,
                    "source": SourceRef(tool="native", reference=str(uuid4())),
                }
            )
            events.extend(
                as_events(
                    [
                        linked,
                        IncidentLinkedV1(
                            repair_id=story.repair_id,
                            incident_id=linked.incident_id,
                            linked_at=reported + 2 * DAY,
                        ),
                    ]
                )
            )
    events.extend(as_events([e.data for e in rng.sample(events, 40)]))
    return events


def _tell(
    rng: random.Random,
    story: RepairStory,
    reported: datetime,
    a: PersonRef,
    b: PersonRef,
    other: PersonRef,
) -> None:
    roll = rng.random()
    if roll < 0.8:
        story.join_everyone()
    if rng.random() < 0.3:
        story.converse()
    t1, t2 = story.terms(reported + 5 * DAY), story.terms(reported + 9 * DAY)
    if roll < 0.5:
        story.agree([t1, t2], reported + DAY * rng.randrange(1, 20))
    elif roll < 0.65:
        story.impose(ResponseMode.TO, reported + 2 * DAY, [t1])
    elif roll < 0.8:
        story.propose([t1], reported + DAY)
        story.consent(story.responsible, ParticipantRole.RESPONSIBLE, reported + DAY)
        story.decline(story.affected, ParticipantRole.AFFECTED, reported + DAY + HOUR)
    if roll < 0.65:
        if rng.random() < 0.5:
            story.nudge(NudgeKind.REMINDER, reported + 4 * DAY, t1)
        outcome = rng.random()
        if outcome < 0.4:
            story.keep(t1, reported + DAY * rng.randrange(3, 8))
        elif outcome < 0.6:
            story.lapse(t1, reported + 6 * DAY)
            story.nudge(NudgeKind.LAPSE_OFFER, reported + 7 * DAY, t1)
            if rng.random() < 0.5:
                renegotiated = story.renegotiate(t1, reported + 12 * DAY, reported + 8 * DAY)
                if rng.random() < 0.5:
                    story.keep(renegotiated, reported + 11 * DAY)
        elif outcome < 0.7:
            story.release(t1, reported + 4 * DAY)
        if roll < 0.5 and rng.random() < 0.6:
            story.keep(t2, reported + 10 * DAY)
        if rng.random() < 0.5:
            story.check_in(rng.choice(list(CheckInOutcome)), reported + 12 * DAY)
            if rng.random() < 0.3:
                story.check_in(CheckInOutcome.YES, reported + 14 * DAY)
        if rng.random() < 0.5:
            story.close(
                rng.choice(list(RepairOutcome)), ResponseMode.WITH, reported + 15 * DAY, "other"
            )
    if rng.random() < 0.15:
        story.facts.append(
            IncidentUpdatedV1(
                **{
                    **story.incident.model_dump(),
                    "revision": 2,
                    "updated_at": reported + DAY,
                    "changed_fields": ["affected_people"],
                    "affected_people": [b, other],
                    "reported_at": reported - 2 * HOUR,
                }
            )
        )
    kind = rng.random()
    if kind < 0.1:
        answers = ReportedAnswers(what_happened="Locked out.", make_things_right="Tell us é")
        story.incident = story.incident.model_copy(update={"answers": answers})
    elif kind < 0.15:
        story.incident = story.incident.model_copy(update={"answers": ReportedAnswers()})
    elif kind < 0.2:
        story.incident = story.incident.model_copy(
            update={
                "response_mode": ResponseMode.WITH,
                "source": SourceRef(tool="t", reference=str(uuid4()), url="https://example.org/1"),
            }
        )
