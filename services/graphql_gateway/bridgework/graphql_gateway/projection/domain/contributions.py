"""Dashboard metrics: what each repair and incident adds to the rollups.

Pure. The rollups hold, for every metric, the sum of the contributions of every repair
and incident in its current state. When an event changes a repair, the batch subtracts
the repair's old contribution and adds its new one, so the rollups never drift from
the raw facts and replaying the topics rebuilds the same numbers. docs/metrics.md
defines every metric in words; the keys here are those definitions in code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from bridgework.graphql_gateway.projection.domain.state import (
    CommitmentState,
    IncidentState,
    RepairState,
)

ORGANISATION = "*"

# (metric, department, day, key): one count in the department rollup.
DepartmentKey = tuple[str, str, date, str]
# (department_a, department_b, day, key): one count in the relationship rollup.
PairKey = tuple[str, str, date, str]

# Upper bounds (hours) of the duration histograms behind the percentiles; a last,
# open bucket holds anything longer than a year.
DURATION_BOUNDS_HOURS: tuple[int, ...] = (
    1, 2, 4, 8, 12, 24, 36, 48, 72, 96, 120, 168, 240, 336, 504, 720, 1080, 1440, 2160, 4320, 8760,
)  # fmt: skip
RECURRENCE_WINDOWS_DAYS = (90, 180)
# People who joined a repair, one key per role and person (`<role>:<person id>`).
PEOPLE_METRIC = "people"
# The drill-down index files a relationship's counts under this metric.
RELATIONSHIP_METRIC = "relationship"
NUDGE_KINDS = ("reminder", "lapse_offer")


@dataclass(frozen=True)
class IncidentSummary:
    """What a repair's metrics need of each of its incidents."""

    reported_at: datetime
    named_people: frozenset[str]


def duration_bucket(hours: float) -> str:
    """The histogram bucket (two digits, so keys sort) a duration falls in."""
    for index, bound in enumerate(DURATION_BOUNDS_HOURS):
        if hours <= bound:
            return f"{index:02d}"
    return f"{len(DURATION_BOUNDS_HOURS):02d}"


def _hours(start: datetime, end: datetime) -> float:
    return max((end - start).total_seconds(), 0.0) / 3600


def _day(moment: datetime) -> date:
    """Days are UTC days."""
    return moment.astimezone(UTC).date()


def commitment_outcome(commitment: CommitmentState) -> str:
    """kept_on_time, kept_late, lapsed, open or released."""
    status = commitment.status
    if status == "kept":
        return "kept_on_time" if commitment.kept_on_time else "kept_late"
    return status


def agreement_completion(commitments: Iterable[CommitmentState]) -> str | None:
    """How a repair's plan (its commitments, released ones aside) is being kept.

    kept_on_time: every commitment kept, all on time; kept_late: every one kept, some late;
    partial: some kept and some lapsed; lapsed: some lapsed and none kept; in_progress:
    none lapsed and some still open; released: every commitment released. None: no plan.
    """
    return _completion([commitment_outcome(c) for c in commitments])


def _completion(outcomes: Sequence[str]) -> str | None:
    """agreement_completion, from the commitments' outcomes."""
    if not outcomes:
        return None
    standing = [o for o in outcomes if o != "released"]
    if not standing:
        return "released"
    kept = [o for o in standing if o.startswith("kept")]
    lapsed = [o for o in standing if o == "lapsed"]
    if len(kept) == len(standing):
        return "kept_on_time" if all(o == "kept_on_time" for o in kept) else "kept_late"
    if lapsed:
        return "partial" if kept else "lapsed"
    return "in_progress"


@dataclass(frozen=True)
class RepairParts:
    """What one repair adds to the rollups before it is spread over its departments and
    pairs: (metric, day, key) counts for each of `departments` (the organisation first),
    and (day, key) counts for each of `relationships`. The projection subtracts a repair's
    old parts from its new ones first, and spreads only what changed."""

    departments: tuple[str, ...]
    per_department: dict[tuple[str, date, str], int]
    relationships: tuple[tuple[str, str], ...]
    per_pair: dict[tuple[date, str], int]

    def spread(
        self, departments: dict[DepartmentKey, int], pairs: dict[PairKey, int], sign: int = 1
    ) -> None:
        """Add these parts (times `sign`) to the department and pair counts."""
        spread(self.departments, self.per_department, self.relationships, self.per_pair,
               departments, pairs, sign)  # fmt: skip


def spread(
    departments: tuple[str, ...],
    per_department: Mapping[tuple[str, date, str], int],
    relationships: tuple[tuple[str, str], ...],
    per_pair: Mapping[tuple[date, str], int],
    department_counts: dict[DepartmentKey, int],
    pair_counts: dict[PairKey, int],
    sign: int = 1,
) -> None:
    """Add each (metric, day, key) count to every department, each (day, key) to every pair."""
    get = department_counts.get
    for (metric, day, key), value in per_department.items():
        if value:
            for department in departments:
                slot = (metric, department, day, key)
                department_counts[slot] = get(slot, 0) + sign * value
    get = pair_counts.get
    for (day, key), value in per_pair.items():
        if value:
            for a, b in relationships:
                pair_slot = (a, b, day, key)
                pair_counts[pair_slot] = get(pair_slot, 0) + sign * value


def repair_contributions(
    repair: RepairState,
    incidents: Mapping[UUID, IncidentSummary],
    earlier_opened_at: Mapping[UUID, datetime],
) -> tuple[Counter[DepartmentKey], Counter[PairKey]]:
    """What one repair adds to the department and the relationship rollups.

    Nothing until the repair is opened: without its departments it belongs nowhere.
    """
    parts = repair_parts(repair, incidents, earlier_opened_at)
    if parts is None:
        return Counter(), Counter()
    departments: dict[DepartmentKey, int] = {}
    pairs: dict[PairKey, int] = {}
    parts.spread(departments, pairs)
    return Counter(departments), Counter(pairs)


def repair_parts(
    repair: RepairState,
    incidents: Mapping[UUID, IncidentSummary],
    earlier_opened_at: Mapping[UUID, datetime],
) -> RepairParts | None:
    """What one repair adds to the rollups (see RepairParts); None until it is opened.

    The projection runs this twice for every repair a batch touches (before and after),
    so each derived property of the repair is computed once here."""
    opened_at = repair.opened_at
    if opened_at is None:
        return None
    per_department: dict[tuple[str, date, str], int] = {}
    get = per_department.get
    opened = _day(opened_at)

    def add(metric: str, day: date, key: str, value: int = 1) -> None:
        if value:
            slot = (metric, day, key)
            per_department[slot] = get(slot, 0) + value

    closed = repair.closed
    if closed is not None:
        response_mode: str | None = closed.response_mode
    else:
        decision = repair.decision()
        response_mode = decision[2] if decision else None
    add("repairs", opened, "opened")
    add("response_mode", opened, response_mode or "pending")

    named: set[str] = set()
    reported: datetime | None = None
    for incident_id in repair.incidents:
        summary = incidents.get(incident_id)
        if summary is not None:
            named.update(summary.named_people)
            if reported is None or summary.reported_at < reported:
                reported = summary.reported_at
    participants = repair.participants
    add("participation", opened, "named", len(named))
    if participants:
        add("participation", opened, "joined", len(named & repair.participant_ids))
        # Per person, so a period counts each person once per role however many repairs
        # they joined (read side: count the keys whose sum is positive).
        for person_id, role in participants:
            add(PEOPLE_METRIC, opened, f"{role}:{person_id}")

    for proposal in repair.proposals.values():
        required = {p.person_id for p in proposal.consent_required_from}
        answers = [
            c
            for c in repair.consents.values()
            if (c.agreement_id, c.version) == (proposal.agreement_id, proposal.version)
            and c.person.person_id in required
        ]
        day = _day(proposal.proposed_at)
        add("consent", day, "requested", len(required))
        add("consent", day, "given", sum(c.decision == "given" for c in answers))
        add("consent", day, "declined", sum(c.decision == "declined" for c in answers))

    first_reached = repair.first_reached_at
    if first_reached is not None and reported is not None:
        add(
            "time_to_agreement",
            _day(first_reached),
            duration_bucket(_hours(reported, first_reached)),
        )
    confirmed = repair.confirmed_at
    if first_reached is not None and confirmed is not None:
        add("time_to_repair", _day(confirmed), duration_bucket(_hours(first_reached, confirmed)))

    commitments = repair.commitments
    outcomes = {m: commitment_outcome(c) for m, c in commitments.items()}
    if outcomes:
        settled_at = _settled_at(repair, first_reached)
        completion = _completion(list(outcomes.values()))
        if settled_at is not None and completion is not None:
            add("agreement_completion", _day(settled_at), completion)
        first_nudges = _first_nudges(repair)
        for commitment_id, commitment in commitments.items():
            if commitment.due_at is None:
                continue
            due = _day(commitment.due_at)
            outcome = outcomes[commitment_id]
            add("commitments", due, outcome)
            if commitment.terms_version > 1:
                add("commitments", due, "renegotiated")
            if outcome != "released":
                for key in _nudge_keys(commitment, first_nudges.get(commitment_id)):
                    add("nudges", due, key)

    for nudge in repair.nudges.values():
        add("nudges_sent", _day(nudge.sent_at), nudge.kind)

    if closed is not None:
        closed_on = _day(closed.closed_at)
        add("closures", closed_on, "closed")
        add("closures", closed_on, f"outcome:{closed.outcome}")
        if closed.outcome == "returned_to_formal_process":
            add("closures", closed_on, f"returned_reason:{closed.reason_code or 'unspecified'}")

    for check_in in repair.check_ins.values():
        add("check_ins", _day(check_in.recorded_at), check_in.outcome)

    per_pair: dict[tuple[date, str], int] = {}
    for key in _relationship_keys(repair, earlier_opened_at, confirmed):
        per_pair[(opened, key)] = per_pair.get((opened, key), 0) + 1
    standing = [o for o in outcomes.values() if o != "released"]
    for key, value in (
        ("commitments", len(standing)),
        ("commitments_kept", sum(o.startswith("kept") for o in standing)),
    ):
        per_pair[(opened, key)] = per_pair.get((opened, key), 0) + value

    return RepairParts(
        # Each department and pair once, whatever the event listed.
        departments=tuple(dict.fromkeys((ORGANISATION, *repair.departments))),
        per_department=per_department,
        relationships=tuple(dict.fromkeys(repair.relationships)),
        per_pair=per_pair,
    )


def _settled_at(repair: RepairState, first_reached: datetime | None) -> datetime | None:
    """When the repair's plan was settled: its first agreement, or the imposed outcome."""
    times = [t for t in (first_reached, repair.imposed and repair.imposed.imposed_at) if t]
    return min(times) if times else None


def _first_nudges(repair: RepairState) -> dict[UUID | None, dict[str, datetime]]:
    """For each commitment, when it was first nudged, by kind."""
    firsts: dict[UUID | None, dict[str, datetime]] = {}
    for nudge in repair.nudges.values():
        if nudge.kind in NUDGE_KINDS:
            kinds = firsts.setdefault(nudge.commitment_id, {})
            known = kinds.get(nudge.kind)
            kinds[nudge.kind] = nudge.sent_at if known is None else min(known, nudge.sent_at)
    return firsts


def _nudge_keys(commitment: CommitmentState, firsts: dict[str, datetime] | None) -> list[str]:
    """nudged:<kind> and kept_after:<kind> (kept at or after the first such nudge), for each
    kind and for `any`; a commitment never nudged counts as unnudged (and kept:unnudged)."""
    kept_at = commitment.kept_at
    if not firsts:
        return ["unnudged"] + (["kept:unnudged"] if kept_at is not None else [])
    keys: list[str] = []
    for kind, first in sorted({**firsts, "any": min(firsts.values())}.items()):
        keys.append(f"nudged:{kind}")
        if kept_at is not None and kept_at >= first:
            keys.append(f"kept_after:{kind}")
    return keys


_RECURRENCE_WINDOWS = tuple(
    (timedelta(days=days), f"recurrence_{days}") for days in RECURRENCE_WINDOWS_DAYS
)


def _relationship_keys(
    repair: RepairState, earlier_opened_at: Mapping[UUID, datetime], confirmed: datetime | None
) -> list[str]:
    opened_at = repair.opened_at
    assert opened_at is not None
    keys = ["repairs", "open" if repair.closed is None else f"closed:{repair.closed.outcome}"]
    if confirmed is not None:
        keys.append("confirmed")
    # A recurrence within a window: the latest earlier opening (not after this one) is.
    latest: datetime | None = None
    for earlier in repair.recurrence_of:
        at = earlier_opened_at.get(earlier)
        if at is not None and at <= opened_at and (latest is None or at > latest):
            latest = at
    if latest is not None:
        gap = opened_at - latest
        for window, key in _RECURRENCE_WINDOWS:
            if gap <= window:
                keys.append(key)
    for check_in in repair.check_ins.values():
        keys.append(f"check_in:{check_in.outcome}")
    return keys


def incident_contributions(incident: IncidentState) -> Counter[DepartmentKey]:
    """One incident counts under its category on the day it was reported, for the reporting
    department, every affected department and the organisation."""
    facts = incident.facts
    departments = {ORGANISATION, facts.department, *facts.affected_departments}
    day = _day(facts.reported_at)
    return Counter(
        {("incidents", department, day, facts.category.value): 1 for department in departments}
    )


def incident_pair_contributions(incident: IncidentState) -> Counter[PairKey]:
    """One incident counts under `incidents:<category>` on its report day for every pair it
    strains: the side that caused it (its responsible people's departments, else the
    reporter) with each side that bore it (affected departments and people's departments),
    the rule agreements opens repairs' relationships by."""
    facts = incident.facts
    causing = {p.department for p in facts.responsible} or {facts.department}
    harmed = {*facts.affected_departments, *(p.department for p in facts.affected_people)}
    pairs = {(a, b) if a < b else (b, a) for a in causing for b in harmed if a != b}
    day = _day(facts.reported_at)
    key = f"incidents:{facts.category.value}"
    return Counter({(a, b, day, key): 1 for a, b in pairs})


FigureSlot = tuple[str, date, str]


def figure_slots(parts: RepairParts | None) -> frozenset[FigureSlot]:
    """The (metric, day, key) counts a repair adds to, for the drill-down index: the repairs
    behind a figure are exactly those filed under its counts. A person's role is filed as
    `participation`/`role:<role>`; a pair's counts under RELATIONSHIP_METRIC."""
    if parts is None:
        return frozenset()
    slots: set[FigureSlot] = set()
    for (metric, day, key), value in parts.per_department.items():
        if value > 0:
            if metric == PEOPLE_METRIC:
                slots.add(("participation", day, "role:" + key.partition(":")[0]))
            else:
                slots.add((metric, day, key))
    for (day, key), value in parts.per_pair.items():
        if value > 0:
            slots.add((RELATIONSHIP_METRIC, day, key))
    return frozenset(slots)


def week_start(day: date) -> date:
    """The Monday of the ISO week holding `day`."""
    return day - timedelta(days=day.weekday())
