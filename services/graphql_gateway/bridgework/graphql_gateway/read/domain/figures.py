"""How the dashboard reads its rollups' counts: rates, duration percentiles, the social
discipline window with overdue repairs, a relationship's status. Pure."""

from __future__ import annotations

import math
from collections.abc import Mapping

ORGANISATION = "*"
NUDGE_KINDS = ("reminder", "lapse_offer")
# The projection's histogram bounds (hours) behind the duration percentiles; a last, open
# bucket holds anything longer than a year. tests/unit/test_gateway_metrics.py holds both
# halves of the gateway to the same bounds.
DURATION_BOUNDS_HOURS: tuple[int, ...] = (
    1, 2, 4, 8, 12, 24, 36, 48, 72, 96, 120, 168, 240, 336, 504, 720, 1080, 1440, 2160, 4320, 8760,
)  # fmt: skip


def rate(part: int, whole: int) -> float | None:
    """part / whole to four places; None when there is no whole."""
    return round(part / whole, 4) if whole else None


def percentile_from_histogram(counts: Mapping[str, int], percent: float) -> float | None:
    """Nearest-rank percentile, reported as the upper bound (hours) of its bucket.

    None when there is nothing to rank or the rank falls in the open bucket (over a year).
    """
    total = sum(counts.values())
    if total <= 0:
        return None
    rank = max(1, math.ceil(percent / 100 * total))
    seen = 0
    for key in sorted(counts):
        seen += counts[key]
        if seen >= rank:
            index = int(key)
            return (
                float(DURATION_BOUNDS_HOURS[index]) if index < len(DURATION_BOUNDS_HOURS) else None
            )
    return None


def relationship_status(counts: Mapping[str, int]) -> str:
    """How the harm between a pair stands, over its repairs opened in the period: repaired
    when at least two thirds of them ended repaired; unrepaired when at least half ended
    otherwise (unrepaired, or returned to the formal process); mending in between (repairs
    still open, or a mixed record); unaddressed when incidents strained the pair but no
    repair of it was opened. Shares, not "every one": on a busy pair some repair is always
    open, and one would keep it amber all year (docs/metrics.md)."""
    repairs = counts.get("repairs", 0)
    if not repairs:
        return "unaddressed"
    closed = sum(v for k, v in counts.items() if k.startswith("closed:"))
    repaired = counts.get("closed:repaired", 0)
    if 3 * repaired >= 2 * repairs:
        return "repaired"
    if 2 * (closed - repaired) >= repairs:
        return "unrepaired"
    return "mending"


def overdue_split(pending: int, not_: int, overdue: int) -> tuple[int, int]:
    """(not, pending) once repairs waiting past their agreement window count as `not`."""
    return not_ + overdue, max(pending - overdue, 0)
