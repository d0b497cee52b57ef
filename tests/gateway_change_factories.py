"""A hand-made year of planned changes for the gateway's change figures (docs/metrics.md,
"Changes"): eight changes, their engagement, and the incidents that name them. The period is
November 2026; the clock stands at 2 December 2026, 12:00 UTC.

| change | kind, owner -> affected | went live | mode | incidents naming it (occurred) |
| A | control, it -> finance, hr | 3 Nov 09:00 | with | i1 5 Nov (counts), i2 1 Nov (before go-live) |
| B | access, it -> finance | 10 Nov 09:00 | to | i3 8 Feb 2027 09:00 (day 90, counts), i4 a |
|   |                       |              |    | second later; i5 11 Nov, by tool item (counts) |
| C | rollout, it -> hr | 20 Nov 09:00 | for | none |
| D | policy, hr -> finance | 15 Oct 09:00 | not | i6 20 Oct (D is outside the period) |
| E | retirement, it -> estates | 25 Nov 09:00 | (undecided) | i7 26 Nov (counts) |
| F | access, it -> finance, hr | planned 10 Dec | | finance consented to v2; hr objected to v1 |
| G | policy, estates -> it | planned 28 Nov (overdue) | | nobody engaged |
| H | rollout, it -> finance | planned 1 Jun 2027 (beyond 90 days) | | |
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

from bridgework.common.contracts import (
    ChangeKind,
    ChangeRecordedV1,
    ChangeRef,
    ChangeUpdatedV1,
    ChangeWentLiveV1,
    Contract,
    GoLiveReporter,
    PersonRef,
    ResponseMode,
    SourceRef,
)
from bridgework.common.contracts.engagements import (
    AdjustmentProposedV1,
    ChangeModeDecidedV1,
    DepartmentAtGoLive,
    DepartmentConsentedV1,
    DepartmentObjectedV1,
    DepartmentStanding,
    EngagementRole,
    RepresentativeJoinedV1,
)
from bridgework.common.events import Event
from tests.factories import incident_reported, sealed

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
RECORDED = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def at(month: int, day: int, hour: int = 9, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def cid(letter: str) -> UUID:
    return UUID(f"00000000-0000-4000-8000-0000000000{ord(letter):02x}")


def iid(number: int) -> UUID:
    return UUID(f"00000000-0000-4000-9000-{number:012d}")


@dataclass
class ChangeStory:
    facts: list[Contract] = field(default_factory=list)

    def change(
        self,
        letter: str,
        kind: ChangeKind,
        owner: str,
        affected: list[str],
        planned: datetime,
    ) -> None:
        self.facts.append(
            ChangeRecordedV1(
                change_id=cid(letter),
                department=owner,
                title=f"Change {letter}",
                kind=kind,
                owner=PersonRef(person_id=f"p-{owner}-1", department=owner),
                affected_departments=sorted(affected),
                planned_go_live=planned,
                recorded_at=RECORDED,
                source=SourceRef(tool="servicenow", reference=f"CHG00{letter}"),
            )
        )

    def live(self, letter: str, went: datetime, mode: ResponseMode | None, kind: ChangeKind,
             owner: str, affected: list[str]) -> None:  # fmt: skip
        self.facts.append(
            ChangeWentLiveV1(
                change_id=cid(letter), department=owner, went_live_at=went, reported_at=went,
                reported_by=GoLiveReporter.API, planned_go_live=went,
            )
        )  # fmt: skip
        if mode is not None:
            self.facts.append(
                ChangeModeDecidedV1(
                    change_id=cid(letter), kind=kind, owner_department=owner, went_live_at=went,
                    response_mode=mode,
                    departments=[
                        DepartmentAtGoLive(department=d, standing=DepartmentStanding.TOLD)
                        for d in affected
                    ],
                )
            )  # fmt: skip

    def incident(self, number: int, occurred: datetime, ref: ChangeRef) -> None:
        self.facts.append(
            incident_reported(
                incident_id=iid(number), occurred_at=occurred, reported_at=occurred, change_ref=ref
            )
        )

    def events(self) -> list[Event[Contract]]:
        return [Event.new(fact, source="/tests", time=RECORDED) for fact in self.facts]


def person(person_id: str, department: str) -> PersonRef:
    return PersonRef(person_id=person_id, department=department)


def change_story() -> ChangeStory:
    story = ChangeStory()
    plans = {
        "A": (ChangeKind.CONTROL, "it", ["finance", "hr"], at(11, 3), ResponseMode.WITH),
        "B": (ChangeKind.ACCESS, "it", ["finance"], at(11, 10), ResponseMode.TO),
        "C": (ChangeKind.ROLLOUT, "it", ["hr"], at(11, 20), ResponseMode.FOR),
        "D": (ChangeKind.POLICY, "hr", ["finance"], at(10, 15), ResponseMode.NOT),
        "E": (ChangeKind.RETIREMENT, "it", ["estates"], at(11, 25), None),
    }
    for letter, (kind, owner, affected, went, mode) in plans.items():
        story.change(letter, kind, owner, affected, went)
        story.live(letter, went, mode, kind, owner, affected)
    story.change("F", ChangeKind.ACCESS, "it", ["finance", "hr"], at(12, 1))
    # F's go-live moved from 1 to 10 December (revision 2 wins).
    recorded = story.facts[-1]
    assert isinstance(recorded, ChangeRecordedV1)
    story.facts.append(
        ChangeUpdatedV1(
            **{**recorded.model_dump(), "planned_go_live": at(12, 10)},
            revision=2, updated_at=at(11, 2), changed_fields=["planned_go_live"],
        )
    )  # fmt: skip
    story.change("G", ChangeKind.POLICY, "estates", ["it"], at(11, 28))
    story.change("H", ChangeKind.ROLLOUT, "it", ["finance"], at(6, 1, year=2027))

    f = cid("F")
    fin, hr, lead = person("p-fin-2", "finance"), person("p-hr-3", "hr"), person("p-it-1", "it")
    story.facts += [
        RepresentativeJoinedV1(change_id=f, participant=lead, role=EngagementRole.OWNER,
                               department="it", joined_at=at(11, 3)),
        RepresentativeJoinedV1(change_id=f, participant=fin, role=EngagementRole.REPRESENTATIVE,
                               department="finance", joined_at=at(11, 4)),
        RepresentativeJoinedV1(change_id=f, participant=hr, role=EngagementRole.REPRESENTATIVE,
                               department="hr", joined_at=at(11, 4)),
        AdjustmentProposedV1(change_id=f, version=1, adjustments=[], proposed_by=lead,
                             proposed_at=at(11, 5), consent_required_from=["finance", "hr"]),
        DepartmentConsentedV1(change_id=f, department="finance", version=1, representative=fin,
                              consented_at=at(11, 6)),
        DepartmentObjectedV1(change_id=f, department="hr", version=1, representative=hr,
                             reason=sealed("Payroll run falls that week."), objected_at=at(11, 6)),
        AdjustmentProposedV1(change_id=f, version=2, adjustments=[], proposed_by=lead,
                             proposed_at=at(11, 9), consent_required_from=["finance", "hr"]),
        DepartmentConsentedV1(change_id=f, department="finance", version=2, representative=fin,
                              consented_at=at(11, 10)),
    ]  # fmt: skip

    by_id = ChangeRef
    story.incident(1, at(11, 5), by_id(change_id=cid("A")))
    story.incident(2, at(11, 1), by_id(change_id=cid("A")))
    story.incident(3, at(2, 8, year=2027), by_id(change_id=cid("B")))
    story.incident(4, at(2, 8, year=2027) + timedelta(seconds=1), by_id(change_id=cid("B")))
    story.incident(5, at(11, 11), by_id(tool="servicenow", reference="CHG00B", department="it"))
    story.incident(6, at(10, 20), by_id(change_id=cid("D")))
    story.incident(7, at(11, 26), by_id(change_id=cid("E")))
    # Names a change nobody has told the gateway of: kept, counted nowhere.
    story.incident(8, at(11, 12), by_id(tool="jira", reference="CHG-404"))
    return story
