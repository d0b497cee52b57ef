"""Periods of UTC days, and how the rollups' grains (day, ISO week, month) cover them. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bridgework.common.errors import DomainError, ErrorKind

DEFAULT_PERIOD_DAYS = 365
MAX_PERIOD_DAYS = 366 * 20
MAX_TREND_POINTS = 800
GRANULARITIES = ("day", "week", "month")


@dataclass(frozen=True)
class Period:
    """A range of UTC days, both ends included."""

    start: date
    end: date


def utc_midnight(day: date) -> datetime:
    """The start of a UTC day."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


_FIRST_DAY = date.min + timedelta(days=1)
_LAST_DAY = date.max - timedelta(days=1)


def checked_range(start: date, end: date) -> Period:
    """A period a client named, refused when it runs backwards or touches the calendar's
    first or last day (its edges are computed a day beyond, which would overflow)."""
    for name, day in (("period.from", start), ("period.to", end)):
        if not _FIRST_DAY <= day <= _LAST_DAY:
            raise DomainError(
                "invalid_period",
                f"`{name}` must lie between {_FIRST_DAY} and {_LAST_DAY}",
                kind=ErrorKind.INVALID,
                field="period",
            )
    if start > end:
        raise DomainError(
            "invalid_period",
            "`period.from` must not be after `period.to`",
            kind=ErrorKind.INVALID,
            field="period",
        )
    return Period(start=start, end=end)


def dashboard_period(requested: Period | None, *, today: date) -> Period:
    """The requested period, or the last 365 days up to `today`; at most MAX_PERIOD_DAYS."""
    if requested is None:
        return Period(start=today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), end=today)
    period = checked_range(requested.start, requested.end)
    if (period.end - period.start).days > MAX_PERIOD_DAYS:
        raise DomainError(
            "period_too_long",
            f"a period spans at most {MAX_PERIOD_DAYS} days",
            kind=ErrorKind.INVALID,
            field="period",
        )
    return period


def bucket_of(day: date, granularity: str) -> date:
    """The first day of the day/week (Monday)/month that holds `day`."""
    if granularity == "day":
        return day
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def buckets(period: Period, granularity: str) -> list[date]:
    """Every bucket the period touches, in order (so a trend shows its empty stretches)."""
    found: list[date] = []
    day = bucket_of(period.start, granularity)
    while day <= period.end:
        found.append(day)
        if granularity == "day":
            day += timedelta(days=1)
        elif granularity == "week":
            day += timedelta(days=7)
        else:
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return found


def trend_buckets(period: Period, granularity: str) -> list[date]:
    """The buckets of a trend, refused when there would be too many to draw."""
    starts = buckets(period, granularity)
    if len(starts) > MAX_TREND_POINTS:
        raise DomainError(
            "too_many_points",
            f"a trend has at most {MAX_TREND_POINTS} points: choose a coarser granularity",
            kind=ErrorKind.INVALID,
            field="granularity",
        )
    return starts


def week_start(day: date) -> date:
    """The Monday of the ISO week holding `day`."""
    return day - timedelta(days=day.weekday())


def split_period(start: date, end: date, *, weeks: bool = False) -> list[tuple[str, date, date]]:
    """Bucket ranges (grain, first bucket start, last bucket start) that cover [start, end]
    exactly once: whole months, then (with `weeks`) whole weeks inside the edges, then days.
    """
    first_whole = start if start.day == 1 else _next_month(start)
    after_end = (end + timedelta(days=1)).replace(day=1)  # the month holding end + 1 day
    if first_whole >= after_end:
        return _edge(start, end, weeks=weeks)
    last_month = (after_end - timedelta(days=1)).replace(day=1)
    ranges = [("m", first_whole, last_month)]
    if start < first_whole:
        ranges = _edge(start, first_whole - timedelta(days=1), weeks=weeks) + ranges
    if after_end <= end:
        ranges += _edge(after_end, end, weeks=weeks)
    return ranges


def split_weeks(start: date, end: date) -> list[tuple[str, date, date]]:
    """Bucket ranges covering [start, end] once: whole ISO weeks, and days at the edges."""
    return _edge(start, end, weeks=True)


def _edge(start: date, end: date, *, weeks: bool) -> list[tuple[str, date, date]]:
    """[start, end] as days, or as whole weeks inside it plus the days around them."""
    first_monday = start + timedelta(days=(7 - start.weekday()) % 7)
    last_week = week_start(end + timedelta(days=1)) - timedelta(days=7)  # last whole week
    if not weeks or last_week < first_monday:
        return [("d", start, end)]
    ranges = [("w", first_monday, last_week)]
    if start < first_monday:
        ranges.insert(0, ("d", start, first_monday - timedelta(days=1)))
    if last_week + timedelta(days=6) < end:
        ranges.append(("d", last_week + timedelta(days=7), end))
    return ranges


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
