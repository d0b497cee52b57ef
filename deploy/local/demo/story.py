"""The demo organisation's year, written before it is played: pure and seeded, so the same
seed and size always tell the same story.

Six departments; IT sits between all of them. Two relationships mend over the year (IT with
marketing, IT with finance): early harms meet imposed outcomes and silence, later ones are
repaired with the people involved, and shadow IT between them falls away. One stays
strained (IT with HR): shadow IT keeps coming, repairs are returned to the formal process
or left unrepaired. The other pairs have the everyday mix.

A plan is a list of steps on days counted from the year's first day; `seeding` plays them.
The year's planned changes (issue 14), and the harm that follows them, are in `change_story`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import StrEnum

YEAR_DAYS = 365
DEPARTMENTS = ("it", "finance", "hr", "marketing", "estates", "legal")
SHORT = {
    "it": "it",
    "finance": "fin",
    "hr": "hr",
    "marketing": "mkt",
    "estates": "est",
    "legal": "leg",
}
CHANGE_TEAM = ("p-chg-001", "hr")
# Outside the numbers the year draws for responsible (1-24) and affected (100+) people.
FACILITATORS = (("p-hr-501", "hr"), ("p-leg-502", "legal"), ("p-fin-503", "finance"))


class Fate(StrEnum):
    """How a repair ends (or where the year leaves it)."""

    WITH = "with"  # everyone consents; commitments play out; the affected answer at check-in
    DECLINED_THEN_WITH = "declined_then_with"  # the first terms are declined with a reason
    FOR = "for"  # the responsible consent, the affected stay silent: imposed as proposed
    TO = "to"  # decided over the responsible's head
    RETURNED = "returned"  # handed back to the formal (punitive) process
    NOT = "not"  # nobody took it up; some are closed unrepaired later


class Keeping(StrEnum):
    """What becomes of one commitment."""

    ON_TIME = "on_time"
    LATE = "late"  # its date passes (follow-up reports the lapse), then it is kept
    RENEGOTIATED = "renegotiated"  # lapses, a new date is agreed, kept by the new date
    RELEASED = "released"  # released by everyone's consent, with a reason
    ABANDONED = "abandoned"  # lapses and nobody takes up the offer to renegotiate


@dataclass(frozen=True)
class Person:
    person_id: str
    department: str

    def ref(self) -> dict[str, str]:
        return {"person_id": self.person_id, "department": self.department}


@dataclass(frozen=True)
class Harm:
    """What a category of incident says, and what is promised to put it right."""

    category: str
    summary: str
    promises: tuple[str, ...]


@dataclass
class RepairPlan:
    """One incident and what its repair will go through."""

    index: int
    day: int  # the day it is reported
    reporter: str
    category: str
    severity: str
    summary: str
    responsible: Person
    affected: Person  # unique to the repair, so their check-in mail names the repair
    fate: Fate
    facilitator: Person
    keepings: tuple[Keeping, ...] = ()
    promises: tuple[str, ...] = ()
    confirms: bool = True  # the affected's answer at check-in: yes, or partly/no
    close_unrepaired_after: int | None = None  # for `not`: closed that many days later
    change_ref: dict[str, str] | None = None  # the planned change it followed (change_story)
    reference: str = field(default="")

    def __post_init__(self) -> None:
        self.reference = f"demo-year-{self.index:04d}"


@dataclass(frozen=True)
class Arc:
    """A relationship's year: who harms whom, how often, and whether it mends."""

    responsible: str
    affected: str
    incidents: int  # at full size
    categories: tuple[str, ...]
    mends: bool | None  # True: repaired over the year; False: stays strained; None: mixed
    shadow_it_falls: bool = False


ARCS = (
    Arc("marketing", "it", 46, ("shadow_it", "shadow_it", "policy_breach"), True, True),
    Arc("finance", "it", 38, ("shadow_it", "shadow_it", "policy_breach"), True, True),
    Arc("it", "finance", 34, ("access_restriction", "outage", "communication"), True),
    Arc("it", "marketing", 22, ("access_restriction", "communication"), True),
    Arc("hr", "it", 34, ("shadow_it", "shadow_it", "data_handling"), False),
    Arc("it", "hr", 20, ("outage", "access_restriction"), False),
    Arc("it", "estates", 30, ("outage", "outage", "communication"), None),
    Arc("it", "legal", 24, ("communication", "access_restriction"), None),
    Arc("hr", "finance", 22, ("data_handling", "communication"), None),
    Arc("marketing", "legal", 18, ("policy_breach", "data_handling"), None),
    Arc("estates", "hr", 12, ("outage", "communication"), None),
)

HARMS = {
    "shadow_it": Harm(
        "shadow_it",
        "{r} ran its work in an unapproved online tool; {a} found it and had to shut it down.",
        (
            "Move the work into the approved tool, with {a}'s help.",
            "Ask {a} before adopting a new tool, through the request form.",
        ),
    ),
    "policy_breach": Harm(
        "policy_breach",
        "{r} bought software on a card, bypassing procurement and {a}'s security review.",
        ("Bring the purchase to {a}'s review.", "Name one person to route purchases."),
    ),
    "access_restriction": Harm(
        "access_restriction",
        "{r} blocked access overnight without notice; {a} could not finish its month end.",
        (
            "Give {a} a supported way through the block.",
            "Announce future lock-downs to {a}'s lead a day ahead.",
        ),
    ),
    "outage": Harm(
        "outage",
        "A change by {r} overran into working hours; {a}'s systems were down for hours.",
        ("Move {a}'s systems out of the risky window.", "Share the change calendar with {a}."),
    ),
    "communication": Harm(
        "communication",
        "{r} announced a change where {a} never looks; people were caught out at a deadline.",
        ("Tell {a} in its own channel first.", "Hold a short briefing with {a}."),
    ),
    "data_handling": Harm(
        "data_handling",
        "{r} shared a file with people in {a} who should never have seen it.",
        ("Apologise to the people affected.", "Restrict the folder to named people."),
    ),
}

SEVERITIES = ("low", "moderate", "moderate", "high", "severe")


def year(*, seed: int = 2026, scale: float = 1.0) -> list[RepairPlan]:
    """Every incident of the year, in the order reported."""
    rng = random.Random(seed)  # noqa: S311 - a story told again, not a secret
    drafts: list[tuple[int, Arc, str]] = []
    for arc in ARCS:
        for _ in range(max(1, round(arc.incidents * scale))):
            category = rng.choice(arc.categories)
            drafts.append((_day_of(rng, arc, category), arc, category))
    drafts.sort(key=lambda draft: (draft[0], draft[1].responsible, draft[1].affected))
    return [
        _plan(rng, index, day, arc, category) for index, (day, arc, category) in enumerate(drafts)
    ]


def _day_of(rng: random.Random, arc: Arc, category: str) -> int:
    """When an incident happens: shadow IT between mending pairs thins out over the year."""
    if arc.shadow_it_falls and category == "shadow_it":
        # Most in the first months, few by the end (a Beta(1, 3): density (1 - x)²).
        return int(rng.betavariate(1, 3) * (YEAR_DAYS - 20))
    return rng.randrange(0, YEAR_DAYS - 3)


def _plan(rng: random.Random, index: int, day: int, arc: Arc, category: str) -> RepairPlan:
    progress = day / YEAR_DAYS
    fate = _fate(rng, arc, progress)
    harm = HARMS[category]
    names = {"r": arc.responsible.capitalize(), "a": arc.affected.capitalize()}
    promises = tuple(p.format(**names) for p in harm.promises)
    keepings = _keepings(rng, arc, fate, progress)
    responsible = Person(f"p-{SHORT[arc.responsible]}-{rng.randrange(1, 25):03d}", arc.responsible)
    return RepairPlan(
        index=index,
        day=day,
        reporter=arc.responsible if rng.random() < 0.4 else arc.affected,
        category=category,
        severity=rng.choice(SEVERITIES),
        summary=harm.summary.format(**names),
        responsible=responsible,
        affected=Person(f"p-{SHORT[arc.affected]}-{100 + index:04d}", arc.affected),
        fate=fate,
        facilitator=Person(*FACILITATORS[index % len(FACILITATORS)]),
        keepings=keepings,
        promises=promises[: len(keepings)] if keepings else promises[:1],
        confirms=_confirms(rng, arc, progress),
        close_unrepaired_after=rng.choice((None, 30, 45)) if fate == Fate.NOT else None,
    )


def _fate(rng: random.Random, arc: Arc, progress: float) -> Fate:
    if arc.mends is True:
        # Early on IT decides alone or nobody meets; by the end most repairs are made WITH.
        weights = {
            Fate.WITH: 0.2 + 0.6 * progress,
            Fate.DECLINED_THEN_WITH: 0.1,
            Fate.FOR: 0.15 * (1 - progress) + 0.03,
            Fate.TO: 0.25 * (1 - progress) + 0.02,
            Fate.RETURNED: 0.08 * (1 - progress),
            Fate.NOT: 0.2 * (1 - progress) + 0.02,
        }
    elif arc.mends is False:
        weights = {
            Fate.WITH: 0.2,
            Fate.DECLINED_THEN_WITH: 0.05,
            Fate.FOR: 0.1,
            Fate.TO: 0.2,
            Fate.RETURNED: 0.25 + 0.1 * progress,
            Fate.NOT: 0.2,
        }
    else:
        weights = {
            Fate.WITH: 0.45,
            Fate.DECLINED_THEN_WITH: 0.08,
            Fate.FOR: 0.1,
            Fate.TO: 0.12,
            Fate.RETURNED: 0.08,
            Fate.NOT: 0.17,
        }
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _keepings(rng: random.Random, arc: Arc, fate: Fate, progress: float) -> tuple[Keeping, ...]:
    if fate in (Fate.RETURNED, Fate.NOT):
        return ()
    count = 1 if fate in (Fate.FOR, Fate.TO) else rng.choice((1, 2, 2))
    late = 0.35 - 0.2 * progress if arc.mends else 0.35
    weights = {
        Keeping.ON_TIME: 1 - late,
        Keeping.LATE: late * 0.5,
        Keeping.RENEGOTIATED: late * 0.5,
    }
    chosen = [rng.choices(list(weights), weights=list(weights.values()))[0] for _ in range(count)]
    if count == 2 and rng.random() < 0.2:
        chosen[1] = Keeping.RELEASED  # never the last one standing: agreements refuses that
    if arc.mends is False:
        # Where the relationship stays strained, a lapsed commitment is left lapsed (no draw
        # of its own, so the rest of the year's story stays as it was).
        chosen = [Keeping.ABANDONED if k == Keeping.RENEGOTIATED else k for k in chosen]
    return tuple(chosen)


def _confirms(rng: random.Random, arc: Arc, progress: float) -> bool:
    if arc.mends is True:
        return rng.random() < 0.55 + 0.4 * progress
    if arc.mends is False:
        return rng.random() < 0.3
    return rng.random() < 0.7
