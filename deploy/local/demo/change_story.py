"""The demo year's planned changes (issue 14), written before they are played: pure and seeded
like the incidents' story, with a random of their own so the incidents' year stays the same.

IT (and once HR) plans changes that affect the other departments. Early in the year most go
live imposed: over a department's objection, or without asking anyone; later the owners engage
the affected departments first and every department consents (some object to the first terms
and consent to revised ones). Two go live with a department that was never told. Harm follows
each imposed change within weeks, as incidents that name it (`change_ref`); after changes made
WITH the affected, little. A few changes are still coming at the year's end, their engagement
under way: the dashboard's calendar.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from enum import StrEnum

from demo.story import SHORT, YEAR_DAYS, Arc, Person, RepairPlan, _plan, year


class Approach(StrEnum):
    """How a change's owner goes about it, and so the mode agreements decides at go-live."""

    WITH = "with"  # every affected department engaged and consenting before go-live
    OVERRULED = "overruled"  # a department objects; it goes live anyway: `to`
    UNASKED = "unasked"  # a control or access change, nobody asked: `to`
    PROVIDED = "provided"  # a rollout nobody was asked about (one joined, no say): `for`
    UNTOLD = "untold"  # a department is added only when it goes live: `not`
    COMING = "coming"  # planned after today: on the calendar, engagement under way


MODE = {
    Approach.WITH: "with",
    Approach.OVERRULED: "to",
    Approach.UNASKED: "to",
    Approach.PROVIDED: "for",
    Approach.UNTOLD: "not",
    Approach.COMING: "",
}
# Changes of each approach at full size; a reduced year keeps at least one of each.
COUNTS = {
    Approach.WITH: 6,
    Approach.OVERRULED: 2,
    Approach.UNASKED: 2,
    Approach.PROVIDED: 2,
    Approach.UNTOLD: 2,
    Approach.COMING: 3,
}
# Incidents naming the change within 90 days of its go-live: the harm that followed.
HARMS = {
    Approach.WITH: (1, 0, 0),  # cycled over the approach's changes
    Approach.OVERRULED: (4, 5),
    Approach.UNASKED: (3, 4),
    Approach.PROVIDED: (2, 3),
    Approach.UNTOLD: (3, 4),
    Approach.COMING: (0,),
}
# What each kind of change may be; the kind decides `to` or `for` when nobody consented.
CATALOGUE = {
    "control": ("MFA for the {a} system", "USB storage blocked on {a} laptops"),
    "access": ("Admin rights removed from {a} laptops", "Shared drives of {a} made read-only"),
    "rollout": ("New expenses tool for {a}", "Laptop refresh to the new image in {a}"),
    "retirement": ("The old CRM switched off for {a}", "The fax gateway retired for {a}"),
    "policy": ("Data retention tightened for {a}", "Approved software list enforced in {a}"),
}
KINDS = {
    Approach.WITH: ("control", "rollout", "access", "retirement", "policy", "rollout"),
    Approach.OVERRULED: ("control", "access"),
    Approach.UNASKED: ("access", "control"),
    Approach.PROVIDED: ("rollout",),
    Approach.UNTOLD: ("retirement", "policy"),
    Approach.COMING: ("control", "rollout", "access"),
}
# The harm an affected department reports after a change of the kind.
HARM_CATEGORIES = {
    "control": ("access_restriction", "communication"),
    "access": ("access_restriction", "access_restriction"),
    "rollout": ("outage", "communication"),
    "retirement": ("communication", "outage"),
    "policy": ("communication", "data_handling"),
}
AFFECTED = ("finance", "hr", "marketing", "estates", "legal")
# Each department's lead: nudged before go-live, represents it, answers the check-in after.
LEADS = {d: Person(f"p-{SHORT[d]}-601", d) for d in ("it", *AFFECTED)}
OWNERS = (Person("p-it-701", "it"), Person("p-it-702", "it"))
HR_OWNER = Person("p-hr-701", "hr")


@dataclass
class ChangePlan:
    """One planned change and what becomes of it; days count from the year's first day."""

    approach: Approach
    title: str
    kind: str
    owner: Person
    affected: tuple[str, ...]
    recorded_day: int
    go_live_day: int  # for COMING, after the year's end: it stays on the calendar
    objects_first: bool = False  # WITH: the first affected department objects to version 1
    stage: str = ""  # COMING: `consented`, `engaging` or `told` at the year's end
    late_department: str | None = None  # UNTOLD: added by the tool when it goes live
    harm_count: int = 0  # incidents naming it within 90 days of go-live
    harms: list[RepairPlan] = field(default_factory=list)
    reference: str = ""  # the tool's reference, numbered in the order recorded

    @property
    def mode(self) -> str:
        """The response mode agreements should decide at go-live ('' while coming)."""
        return MODE[self.approach]

    def representative(self, department: str) -> Person:
        return LEADS[department]


def planned_changes(*, seed: int = 2026, scale: float = 1.0) -> list[ChangePlan]:
    """The year's changes, by day recorded, each with the incidents that follow it; those
    incidents' indexes continue the year's (their affected people stay unique)."""
    rng = random.Random(f"{seed}-changes")  # noqa: S311 - a story told again, not a secret
    next_index = len(year(seed=seed, scale=scale))
    plans: list[ChangePlan] = []
    for approach, full in COUNTS.items():
        for n in range(max(1, round(full * scale))):
            plans.append(_change(rng, approach, n))
    plans.sort(key=lambda p: (p.recorded_day, p.go_live_day, p.title))
    for number, plan in enumerate(plans, start=1):
        # Numbered in the order recorded; the number makes titles unique, as check-ins need.
        plan.reference = f"demo-change-{number:03d}"
        plan.title = f"{plan.title} (CHG-{number:03d})"
        for _ in range(plan.harm_count):
            plan.harms.append(_harm(rng, next_index, plan))
            next_index += 1
    return plans


def _change(rng: random.Random, approach: Approach, n: int) -> ChangePlan:
    kinds = KINDS[approach]
    kind = kinds[n % len(kinds)]
    if approach == Approach.COMING:
        go_live = YEAR_DAYS + rng.randrange(15, 45)
        recorded = YEAR_DAYS - rng.randrange(12, 26)
    else:
        # Imposed early in the year, engaged later: the organisation learns to ask first.
        first, last = (150, 290) if approach == Approach.WITH else (40, 200)
        go_live = rng.randrange(first, last)
        recorded = go_live - rng.randrange(28, 42)
    owner = HR_OWNER if kind == "policy" and approach != Approach.WITH else OWNERS[n % 2]
    candidates = [d for d in AFFECTED if d != owner.department]
    if owner.department == "hr":
        candidates.append("it")
    affected = tuple(sorted(rng.sample(candidates, 2 if rng.random() < 0.5 else 1)))
    late: str | None = None
    if approach == Approach.UNTOLD:
        late = rng.choice([d for d in candidates if d not in affected])
    title = rng.choice(CATALOGUE[kind]).format(a=" and ".join(_name(d) for d in affected))
    harms = HARMS[approach]
    return ChangePlan(
        approach=approach,
        title=title,
        kind=kind,
        owner=owner,
        affected=affected,
        recorded_day=recorded,
        go_live_day=go_live,
        objects_first=approach == Approach.WITH and n % 3 == 1,
        stage=("consented", "engaging", "told")[n % 3] if approach == Approach.COMING else "",
        late_department=late,
        harm_count=harms[n % len(harms)],
    )


def _name(department: str) -> str:
    return department.upper() if department in ("it", "hr") else department.capitalize()


def _harm(rng: random.Random, index: int, change: ChangePlan) -> RepairPlan:
    """An incident an affected department reports within weeks of the change's go-live."""
    departments = change.affected + ((change.late_department,) if change.late_department else ())
    department = rng.choice(departments)
    category = rng.choice(HARM_CATEGORIES[change.kind])
    last = min(80, YEAR_DAYS - 4 - change.go_live_day)
    day = change.go_live_day + rng.randrange(2, max(3, last))
    arc = Arc(change.owner.department, department, 0, (category,), None)
    plan = _plan(rng, index, day, arc, category)
    return dataclasses.replace(
        plan,
        responsible=change.owner,
        summary=f'After "{change.title}" went live, {_name(department)} could not work'
        " as before, and nobody had said what to do instead.",
        change_ref={
            "tool": "native",
            "reference": change.reference,
            "department": change.owner.department,
        },
    )
