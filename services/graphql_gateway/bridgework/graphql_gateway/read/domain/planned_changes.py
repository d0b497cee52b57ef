"""Planned changes on the dashboard and in the API: who may see one, where each affected
department stands, and the three figures of docs/metrics.md, "Changes". Pure: time is an
argument.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from bridgework.common.errors import DomainError, ErrorKind
from bridgework.graphql_gateway.read.domain.access import Scope
from bridgework.graphql_gateway.read.domain.periods import Period, utc_midnight

# Incidents that occurred within this long after a go-live count as the harm that followed it.
HARM_WINDOW = timedelta(days=90)
MODES = ("with", "to", "for", "not")
UNDECIDED = "undecided"  # live, but agreements has not yet decided its response mode
MAX_CALENDAR_DAYS = 366


@dataclass(frozen=True)
class DepartmentEngagement:
    """One affected department's standing: consented, objected (to the current proposal),
    engaged (took part, no word on the current proposal), told (nobody took part yet)."""

    department: str
    standing: str
    check_in: str | None = None  # yes, partly or no: its answer after go-live (follow-up's)


@dataclass(frozen=True)
class ChangeRecord:
    change_id: UUID
    title: str
    kind: str
    department: str
    owner_department: str
    affected_departments: tuple[str, ...]
    planned_go_live: datetime
    recorded_at: datetime
    went_live_at: datetime | None
    response_mode: str | None
    engagements: tuple[DepartmentEngagement, ...]


@dataclass(frozen=True)
class EngagementRow:
    """What the read model holds of one department's engagement."""

    department: str
    engaged: bool
    decision: str | None
    decision_version: int | None


@dataclass(frozen=True)
class LinkedIncident:
    change_id: UUID
    incident_id: UUID
    occurred_at: datetime


@dataclass(frozen=True)
class HarmRow:
    """The harm that followed the changes of one response mode."""

    response_mode: str
    changes: int
    incidents: int
    windows_open: int  # changes whose 90 days have not all passed yet

    @property
    def incidents_per_change(self) -> float | None:
        return round(self.incidents / self.changes, 4) if self.changes else None


def standings(
    affected: Iterable[str],
    rows: Iterable[EngagementRow],
    current_version: int | None,
    check_ins: Mapping[str, str] | None = None,
) -> tuple[DepartmentEngagement, ...]:
    """Each affected department's standing; a word on an older proposal counts as engaged
    (the department has yet to speak to the current one)."""
    by_department = {row.department: row for row in rows}
    result = []
    for department in sorted(set(affected)):
        row = by_department.get(department)
        if row is None or not row.engaged:
            standing = "told"
        elif row.decision is not None and row.decision_version == current_version:
            standing = row.decision
        else:
            standing = "engaged"
        check_in = (check_ins or {}).get(department)
        result.append(DepartmentEngagement(department, standing, check_in))
    return tuple(result)


def engagement_state(engagements: Sequence[DepartmentEngagement]) -> str:
    """A change's engagement in one word: objected when any department objects, consented
    when all consent, engaging when any took part, else not_engaged."""
    found = {e.standing for e in engagements}
    if "objected" in found:
        return "objected"
    if engagements and found == {"consented"}:
        return "consented"
    if found & {"consented", "engaged"}:
        return "engaging"
    return "not_engaged"


def may_see_change(scope: Scope, change: ChangeRecord) -> bool:
    """Scoped like repairs: the change team sees every change; a department lead those that
    affect their department or that it owns."""
    if scope.everything:
        return True
    return scope.department is not None and (
        scope.department == change.owner_department
        or scope.department in change.affected_departments
    )


def concerns(change: ChangeRecord, rollup: str) -> bool:
    """Whether a change counts on a dashboard: the organisation's ('*') counts every one, a
    department's those it owns or is affected by."""
    return (
        rollup == "*"
        or rollup == change.owner_department
        or (rollup in change.affected_departments)
    )


def calendar_days(days: int) -> timedelta:
    if not 1 <= days <= MAX_CALENDAR_DAYS:
        raise DomainError(
            "invalid_days",
            f"`days` must be between 1 and {MAX_CALENDAR_DAYS}",
            kind=ErrorKind.INVALID,
            field="days",
        )
    return timedelta(days=days)


def calendar(changes: Iterable[ChangeRecord], *, now: datetime, days: int) -> list[ChangeRecord]:
    """Changes not yet live planned to go live before `now + days`, soonest first; those
    whose planned go-live has passed without a go-live report stay at the top (overdue)."""
    horizon = now + calendar_days(days)
    coming = [c for c in changes if c.went_live_at is None and c.planned_go_live < horizon]
    return sorted(coming, key=lambda c: (c.planned_go_live, c.change_id))


def _live_in(change: ChangeRecord, period: Period) -> bool:
    return change.went_live_at is not None and (
        utc_midnight(period.start)
        <= change.went_live_at
        < utc_midnight(period.end) + timedelta(days=1)
    )


def mode_of(change: ChangeRecord) -> str:
    return change.response_mode or UNDECIDED


def proactive_window(changes: Iterable[ChangeRecord], period: Period) -> Counter[str]:
    """Changes that went live in the period, per response mode (undecided apart)."""
    counts: Counter[str] = Counter({mode: 0 for mode in (*MODES, UNDECIDED)})
    for change in changes:
        if _live_in(change, period):
            counts[mode_of(change)] += 1
    return counts


def harm_that_followed(
    changes: Iterable[ChangeRecord],
    incidents: Iterable[LinkedIncident],
    *,
    period: Period,
    now: datetime,
) -> list[HarmRow]:
    """Per response mode, the changes that went live in the period and the incidents linked to
    them that occurred within 90 days of their go-live (from go-live on, both ends included)."""
    live = {c.change_id: c for c in changes if _live_in(c, period)}
    counted: dict[str, set[UUID]] = {}
    seen: set[UUID] = set()
    for incident in incidents:
        change = live.get(incident.change_id)
        if change is None or change.went_live_at is None or incident.incident_id in seen:
            continue
        if change.went_live_at <= incident.occurred_at <= change.went_live_at + HARM_WINDOW:
            seen.add(incident.incident_id)  # one incident names one change: count it once
            counted.setdefault(mode_of(change), set()).add(incident.incident_id)
    rows = []
    for mode in (*MODES, UNDECIDED):
        of_mode = [c for c in live.values() if mode_of(c) == mode]
        rows.append(
            HarmRow(
                response_mode=mode,
                changes=len(of_mode),
                incidents=len(counted.get(mode, set())),
                windows_open=sum(
                    1 for c in of_mode if c.went_live_at is not None
                    and c.went_live_at + HARM_WINDOW > now
                ),
            )
        )  # fmt: skip
    return rows
