"""Which repairs stand behind a dashboard figure: a figure and one of its keys, as the
drill-down index's (metric, keys) (docs/metrics.md, "Drill-down"). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bridgework.common.errors import DomainError, ErrorKind
from bridgework.graphql_gateway.read.domain.periods import Period


class Figure(StrEnum):
    """The dashboard's figures one can drill into (GraphQL's DashboardFigure)."""

    REPAIRS_OPENED = "repairs_opened"
    RESPONSE_MODE = "response_mode"
    COMPLETION = "completion"
    COMMITMENTS = "commitments"
    TIME_TO_AGREEMENT = "time_to_agreement"
    TIME_TO_REPAIR = "time_to_repair"
    PARTICIPATION = "participation"
    CONSENT = "consent"
    NUDGES = "nudges"
    CLOSURES = "closures"
    CHECK_INS = "check_ins"
    INCIDENTS = "incidents"
    RELATIONSHIP = "relationship"


class Overdue(StrEnum):
    """How repairs still waiting past their agreement window (`not` by the clock) count."""

    IGNORE = "ignore"
    ADD = "add"  # `not`: also the pending repairs whose window has passed
    REMOVE = "remove"  # `pending`: only those still within their window


@dataclass(frozen=True)
class FigureSlice:
    """The drill-down index's metric and keys (None: every key) behind one figure's count.
    For INCIDENTS the keys are incident categories, read from the incidents themselves."""

    metric: str
    keys: tuple[str, ...] | None
    overdue: Overdue = Overdue.IGNORE


@dataclass(frozen=True)
class Behind:
    """What one drill-down asks: a figure's slice, for a department ('*': all) and period,
    optionally between one pair of departments."""

    figure: FigureSlice
    department: str
    period: Period
    pair: tuple[str, str] | None
    now: datetime


Keys = dict[str, tuple[str, ...]]
_COMPLETION: Keys = {
    "keptOnTime": ("kept_on_time",),
    "keptLate": ("kept_late",),
    "kept": ("kept_on_time", "kept_late"),
    "partial": ("partial",),
    "lapsed": ("lapsed",),
    "settled": ("kept_on_time", "kept_late", "partial", "lapsed"),
    "inProgress": ("in_progress",),
    "released": ("released",),
}
_COMMITMENTS: Keys = {
    "keptOnTime": ("kept_on_time",),
    "keptLate": ("kept_late",),
    "kept": ("kept_on_time", "kept_late"),
    "lapsed": ("lapsed",),
    "open": ("open",),
    "released": ("released",),
    "renegotiated": ("renegotiated",),
}
_CLOSURES: Keys = {
    "closed": ("closed",),
    "returned": ("outcome:returned_to_formal_process",),
    "repaired": ("outcome:repaired",),
    "unrepaired": ("outcome:unrepaired",),
}
_RELATIONSHIP: Keys = {
    "repairs": ("repairs",),
    "openHarms": ("open",),
    "repairsClosed": (
        "closed:repaired",
        "closed:unrepaired",
        "closed:returned_to_formal_process",
    ),
    "closedRepaired": ("closed:repaired",),
    "returnedToFormalProcess": ("closed:returned_to_formal_process",),
    "commitments": ("commitments",),
    "commitmentsKept": ("commitments_kept",),
    "recurrencesWithin90Days": ("recurrence_90",),
    "recurrencesWithin180Days": ("recurrence_180",),
    "confirmedByAffected": ("confirmed",),
    "checkIns": ("check_in:yes", "check_in:partly", "check_in:no"),
}
# Keys named as the GraphQL fields name the counts; None: the figure takes no key.
_KEYS: dict[Figure, Keys | None] = {
    Figure.REPAIRS_OPENED: None,
    Figure.COMPLETION: _COMPLETION,
    Figure.COMMITMENTS: _COMMITMENTS,
    Figure.TIME_TO_AGREEMENT: None,
    Figure.TIME_TO_REPAIR: None,
    Figure.CONSENT: {k: (k,) for k in ("requested", "given", "declined")},
    Figure.CHECK_INS: {k: (k,) for k in ("yes", "partly", "no")},
    Figure.NUDGES: {
        "any": ("nudged:any",),
        "reminder": ("nudged:reminder",),
        "lapse_offer": ("nudged:lapse_offer",),
        "unnudged": ("unnudged",),
    },
    Figure.CLOSURES: _CLOSURES,
    Figure.RELATIONSHIP: _RELATIONSHIP,
}
_RESPONSE_MODES = ("with", "to", "for", "not", "pending")
# The figure's count when no key is named.
_DEFAULT_KEY = {
    Figure.COMPLETION: "settled",
    Figure.CLOSURES: "closed",
    Figure.RELATIONSHIP: "repairs",
    Figure.NUDGES: "any",
    Figure.INCIDENTS: "shadow_it",
}
_SLUG_LIMIT = 100


def figure_slice(figure: Figure, key: str | None) -> FigureSlice:
    """The index's metric and keys behind `figure` (and `key`), or INVALID naming `key`."""
    key = key if key is not None else _DEFAULT_KEY.get(figure)
    if figure is Figure.REPAIRS_OPENED:
        return FigureSlice("repairs", ("opened",)) if key is None else _refuse(figure, key, ())
    if figure is Figure.RESPONSE_MODE:
        if key is None:
            return FigureSlice("response_mode", None)
        if key not in _RESPONSE_MODES:
            return _refuse(figure, key, _RESPONSE_MODES)
        if key == "not":
            return FigureSlice("response_mode", ("not", "pending"), Overdue.ADD)
        overdue = Overdue.REMOVE if key == "pending" else Overdue.IGNORE
        return FigureSlice("response_mode", (key,), overdue)
    if figure in (Figure.TIME_TO_AGREEMENT, Figure.TIME_TO_REPAIR):
        return FigureSlice(figure.value, None) if key is None else _refuse(figure, key, ())
    if figure is Figure.PARTICIPATION:
        return _participation(key)
    if figure is Figure.INCIDENTS:
        return FigureSlice("incidents", (_slug(key or "", "key"),))
    if figure is Figure.CLOSURES and key is not None and key.startswith("reason:"):
        reason = _slug(key.removeprefix("reason:"), "key")
        return FigureSlice("closures", (f"returned_reason:{reason}",))
    known = _KEYS[figure] or {}
    if key is None or key not in known:
        return _refuse(figure, key, tuple(known))
    metric = "agreement_completion" if figure is Figure.COMPLETION else figure.value
    return FigureSlice(metric, known[key])


def _participation(key: str | None) -> FigureSlice:
    """named / joined, or a role (facilitator, responsible, affected, ...): who joined in it."""
    if key is None:
        return FigureSlice("participation", ("named",))
    if key in ("named", "joined"):
        return FigureSlice("participation", (key,))
    return FigureSlice("participation", (f"role:{_slug(key, 'key')}",))


def checked_pair(
    department_a: str, department_b: str, *, department: str | None
) -> tuple[str, str]:
    """A department pair in the rollups' order (a < b), refused when it is no pair or leaves
    out the department the drill-down is scoped to."""
    a, b = sorted((_slug(department_a, "pair"), _slug(department_b, "pair")))
    if a == b:
        raise DomainError(
            "invalid_pair", "a pair names two departments", kind=ErrorKind.INVALID, field="pair"
        )
    if department is not None and department not in (a, b):
        raise DomainError(
            "invalid_pair",
            f"the pair must include the department `{department}`",
            kind=ErrorKind.INVALID,
            field="pair",
        )
    return a, b


def _slug(value: str, field: str) -> str:
    if not value or len(value) > _SLUG_LIMIT:
        raise DomainError(
            "invalid_value",
            f"`{field}` must be 1 to {_SLUG_LIMIT} characters",
            kind=ErrorKind.INVALID,
            field=field,
        )
    return value


def _refuse(figure: Figure, key: str | None, known: tuple[str, ...]) -> FigureSlice:
    allowed = ", ".join(known) if known else "none"
    raise DomainError(
        "invalid_figure_key",
        f"`key` of figure {figure.value} must be one of: {allowed} (got {key!r})",
        kind=ErrorKind.INVALID,
        field="key",
    )
