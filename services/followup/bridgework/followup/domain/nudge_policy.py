"""Nudge policies and the times they allow, pure: when a supportive message may go out.

A policy is read in the recipient's department's time zone. Messages go out on working
days outside quiet hours. A reminder that would fall outside goes out earlier (the same time
on the last working day before, so it still comes in time); any other nudge waits for the
start of the next window (never earlier than due).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from bridgework.common.contracts import PersonRef
from bridgework.common.errors import DomainError, ErrorKind

DAY = timedelta(days=1)
# A policy allows at least one window a week (a working day exists), so two weeks always suffice.
_SEARCH_DAYS = 15


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def iso(self) -> int:
        return _WEEKDAYS.index(self) + 1


_WEEKDAYS = tuple(Weekday)  # Monday first, as `date.isoweekday() - 1` counts


def _no_window() -> DomainError:
    return DomainError(
        "no_sending_window", "the policy allows no sending window", kind=ErrorKind.CONFLICT
    )


@dataclass(frozen=True)
class NudgePolicy:
    """How and when one department's people are nudged."""

    lead_time: timedelta
    repeat_interval: timedelta
    quiet_hours_start: time | None
    quiet_hours_end: time | None
    working_days: frozenset[Weekday]
    time_zone: str
    check_in_delay: timedelta
    lapse_offer_repeats: int
    # How long before a planned change's go-live an affected department not yet engaged is
    # nudged (domain/change_nudges.py); a default here keeps every existing builder valid.
    engagement_lead_time: timedelta = timedelta(days=14)

    def with_overrides(self, overrides: dict[str, Any]) -> NudgePolicy:
        """This policy with the fields a department set replaced."""
        known = {f.name for f in fields(self)}
        return replace(self, **{k: v for k, v in overrides.items() if k in known})

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def _quiet(policy: NudgePolicy, moment: time) -> bool:
    start, end = policy.quiet_hours_start, policy.quiet_hours_end
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # quiet across midnight, e.g. 18:00-08:00


def allows(policy: NudgePolicy, at: datetime) -> bool:
    """Whether a nudge may go out at `at`."""
    local = at.astimezone(policy.zone)
    weekday = _WEEKDAYS[local.isoweekday() - 1]
    return weekday in policy.working_days and not _quiet(policy, local.time())


def _windows_of(policy: NudgePolicy, day: date) -> list[tuple[datetime, datetime]]:
    """The sending windows of one local day, as aware UTC intervals [start, end)."""
    if _WEEKDAYS[day.isoweekday() - 1] not in policy.working_days:
        return []
    start, end = policy.quiet_hours_start, policy.quiet_hours_end
    local: list[tuple[time, time | None]]
    if start is None or end is None or start == end:
        local = [(time(0), None)]
    elif start < end:
        local = [(time(0), start), (end, None)]
    else:
        local = [(end, start)]
    zone = policy.zone
    windows = []
    for opens, closes in local:
        begin = datetime.combine(day, opens, zone).astimezone(UTC)
        finish = (
            datetime.combine(day + DAY, time(0), zone)
            if closes is None
            else datetime.combine(day, closes, zone)
        ).astimezone(UTC)
        if finish > begin:
            windows.append((begin, finish))
    return windows


def _days(start: date, step: int) -> Iterator[date]:
    for offset in range(_SEARCH_DAYS):
        yield start + step * offset * DAY


def next_allowed(policy: NudgePolicy, at: datetime) -> datetime:
    """The first moment at or after `at` when a nudge may go out."""
    if allows(policy, at):
        return at
    today = at.astimezone(policy.zone).date()
    for day in _days(today - DAY, 1):
        for begin, finish in _windows_of(policy, day):
            if finish > at:
                return max(begin, at)
    raise _no_window()


def earlier_sending_time(policy: NudgePolicy, at: datetime) -> datetime:
    """`at` if a nudge may go out then; otherwise the same time of day on the last working
    day before, or, when that time of day is quiet, the start of that day's window (the last
    one starting before that time, or else its first). Never later than `at`: a reminder
    moved by the policy still comes in time."""
    zone = policy.zone
    local = at.astimezone(zone)
    for day in _days(local.date(), -1):
        candidate = min(datetime.combine(day, local.time(), zone).astimezone(UTC), at)
        if allows(policy, candidate):
            return candidate
        starts = [begin for begin, _ in _windows_of(policy, day) if begin <= at]
        earlier = [begin for begin in starts if begin <= candidate]
        if earlier:
            return max(earlier)
        if starts:  # that time of day comes before the day's first window: its start
            return min(starts)
    raise _no_window()


def is_known_time_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone this machine knows."""
    try:
        ZoneInfo(name)
    except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return False
    return True


_DURATIONS = ("lead_time", "repeat_interval", "check_in_delay", "engagement_lead_time")
_TIMES = ("quiet_hours_start", "quiet_hours_end")


def overrides_to_json(overrides: dict[str, Any]) -> dict[str, Any]:
    """Policy fields as stored: durations in seconds, times as `HH:MM`, days as names."""
    stored: dict[str, Any] = {}
    for name, value in overrides.items():
        if name in _DURATIONS:
            stored[name] = value.total_seconds()
        elif name in _TIMES:
            stored[name] = None if value is None else value.strftime("%H:%M")
        elif name == "working_days":
            stored[name] = sorted((Weekday(d) for d in value), key=lambda d: d.iso)
        else:
            stored[name] = value
    return stored


def overrides_from_json(stored: dict[str, Any]) -> dict[str, Any]:
    """The inverse of `overrides_to_json`."""
    fields_: dict[str, Any] = {}
    for name, value in stored.items():
        if name in _DURATIONS:
            fields_[name] = timedelta(seconds=value)
        elif name in _TIMES:
            fields_[name] = None if value is None else time.fromisoformat(value)
        elif name == "working_days":
            fields_[name] = frozenset(Weekday(d) for d in value)
        else:
            fields_[name] = value
    return fields_


class PolicyOf:
    """The effective policy for a person: their department's, or the defaults."""

    def __init__(self, defaults: NudgePolicy, by_department: dict[str, NudgePolicy]) -> None:
        self.defaults = defaults
        self.by_department = by_department

    def __call__(self, person: PersonRef) -> NudgePolicy:
        return self.by_department.get(person.department, self.defaults)

    @classmethod
    def of_overrides(cls, defaults: NudgePolicy, stored: dict[str, dict[str, Any]]) -> PolicyOf:
        """Every department's effective policy from the overrides as stored."""
        return cls(
            defaults,
            {
                department: defaults.with_overrides(overrides_from_json(overrides))
                for department, overrides in stored.items()
            },
        )


class PoliciesNotLoaded(PolicyOf):
    """Stands in when a batch cannot need a policy, so the policies table is not read."""

    def __init__(self, defaults: NudgePolicy) -> None:
        super().__init__(defaults, {})

    def __call__(self, person: PersonRef) -> NudgePolicy:
        raise DomainError(
            "policy_not_loaded",
            "a nudge policy was needed but not loaded for this batch",
            kind=ErrorKind.CONFLICT,
        )


@dataclass(frozen=True)
class DepartmentPolicy:
    """A department's effective policy and the fields it set itself."""

    department: str
    overridden: list[str]
    effective: NudgePolicy


def department_policy(
    department: str, stored: dict[str, Any], defaults: NudgePolicy
) -> DepartmentPolicy:
    """The policy a department's stored overrides make of the defaults."""
    fields_ = overrides_from_json(stored)
    overridden = sorted(
        {"quiet_hours" if name.startswith("quiet_hours") else name for name in fields_}
    )
    return DepartmentPolicy(department, overridden, defaults.with_overrides(fields_))
