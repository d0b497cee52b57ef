"""Opening repairs for incidents, and recurrence: earlier repairs about the same matter.

"The same matter": same incident category and at least one shared department pair, opened
within the recurrence window; the newest few are linked, newest first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from uuid import UUID

from bridgework.agreements.domain.repair import NewId, Repair
from bridgework.common.contracts import IncidentCategory, IncidentFacts, RelationshipPair


@dataclass(frozen=True)
class PriorRepair:
    """An earlier repair, as far as recurrence needs to know it."""

    repair_id: UUID
    category: IncidentCategory
    relationships: tuple[RelationshipPair, ...]
    opened_at: datetime


def strained_relationships(incident: IncidentFacts) -> list[RelationshipPair]:
    """Every pair (responsible department, affected department) of two different departments."""
    return list(_sides_of(incident).relationships)


def same_matter_keys(
    incidents: Iterable[IncidentFacts],
) -> list[tuple[IncidentCategory, RelationshipPair]]:
    """What recurrence looks for, for each incident: its category with each strained pair."""
    return [
        (incident.category, pair)
        for incident in incidents
        for pair in _sides_of(incident).relationships
    ]


@dataclass(frozen=True)
class _Sides:
    """What opening a repair derives from an incident's departments alone."""

    departments: tuple[str, ...]  # every department concerned, sorted
    relationships: tuple[RelationshipPair, ...]  # the strained pairs, sorted


def _sides_of(incident: IncidentFacts) -> _Sides:
    return _sides(
        incident.department,
        tuple([person.department for person in incident.responsible]),
        tuple(incident.affected_departments),
        tuple([person.department for person in incident.affected_people]),
    )


@lru_cache(maxsize=4096)
def _sides(
    reporter: str,
    responsible_people: tuple[str, ...],
    affected: tuple[str, ...],
    affected_people: tuple[str, ...],
) -> _Sides:
    # Cached by departments: the same few pairs of departments come again and again, and
    # building (validating) the pairs costs more than the rest of opening a repair.
    # The side that caused the harm: the responsible people's departments, else the reporter.
    responsible = set(responsible_people) or {reporter}
    # The side that bore the harm: named departments and the affected people's departments.
    harmed = set(affected) | set(affected_people)
    pairs = {(a, b) if a < b else (b, a) for a in responsible for b in harmed if a != b}
    return _Sides(
        departments=tuple(sorted({reporter} | responsible | harmed)),
        relationships=tuple(relationship(a, b) for a, b in sorted(pairs)),
    )


@lru_cache(maxsize=4096)
def relationship(department_a: str, department_b: str) -> RelationshipPair:
    """The pair, validated once and shared (it is immutable)."""
    return RelationshipPair(department_a=department_a, department_b=department_b)


def recurrence_of(
    category: IncidentCategory,
    relationships: Iterable[RelationshipPair],
    earlier: Iterable[PriorRepair],
    *,
    now: datetime,
    window: timedelta,
    limit: int,
) -> tuple[UUID, ...]:
    """Earlier repairs about the same matter: same category, a shared department pair, within
    the window; the newest `limit` of them, newest first."""
    pairs = {_spelling(pair) for pair in relationships}
    since = now - window
    matching = {
        prior.repair_id: prior
        for prior in earlier
        if prior.category == category
        and since <= prior.opened_at <= now
        and any(_spelling(pair) in pairs for pair in prior.relationships)
    }
    newest_first = sorted(matching.values(), key=_opened_at, reverse=True)
    return tuple(prior.repair_id for prior in newest_first[:limit])


def _spelling(pair: RelationshipPair) -> tuple[str, str]:
    # Plain tuples: hashing pydantic models costs more than the rest of opening a repair.
    return pair.department_a, pair.department_b


def _opened_at(prior: PriorRepair) -> datetime:
    return prior.opened_at


class SameMatterIndex:
    """Earlier repairs by (category, department pair), the newest `limit` of each kept, so a
    batch of thousands of incidents finds its recurrences without comparing all pairs."""

    def __init__(self, earlier: Iterable[PriorRepair], *, limit: int) -> None:
        self.limit = limit
        self._by_key: dict[tuple[IncidentCategory, str, str], list[PriorRepair]] = {}
        for prior in earlier:
            self.add(prior)

    def add(self, prior: PriorRepair) -> None:
        """Remember a repair (one opened a moment ago, or found in storage)."""
        for pair in prior.relationships:
            kept = self._by_key.setdefault((prior.category, *_spelling(pair)), [])
            # Newest first; of repairs opened at the same instant, the one added last.
            at = 0
            while at < len(kept) and kept[at].opened_at > prior.opened_at:
                at += 1
            kept.insert(at, prior)
            del kept[self.limit :]

    def candidates(
        self, category: IncidentCategory, relationships: Iterable[RelationshipPair]
    ) -> list[PriorRepair]:
        """The kept repairs of this category sharing any of these department pairs."""
        return [
            prior
            for pair in relationships
            for prior in self._by_key.get((category, *_spelling(pair)), ())
        ]

    def recurrence_of(
        self,
        category: IncidentCategory,
        relationships: Sequence[RelationshipPair],
        *,
        now: datetime,
        window: timedelta,
    ) -> tuple[UUID, ...]:
        """`recurrence_of(category, relationships, self.candidates(…), …)`, faster: every
        candidate already has the category and a shared pair, and each pair's are kept
        newest first."""
        since = now - window
        if len(relationships) == 1:
            kept = self._by_key.get((category, *_spelling(relationships[0])), ())
            within = [p.repair_id for p in kept if since <= p.opened_at <= now]
            return tuple(within[: self.limit])
        return recurrence_of(
            category,
            relationships,
            self.candidates(category, relationships),
            now=now,
            window=window,
            limit=self.limit,
        )


def open_repair(
    incident: IncidentFacts,
    *,
    repair_id: UUID,
    now: datetime,
    agreement_window: timedelta,
    earlier: SameMatterIndex | None = None,
    recurrence_window: timedelta = timedelta(days=180),
) -> Repair:
    """Open a repair for a newly reported incident; an agreement is due within the window, and
    it links back to the earlier repairs about the same matter that `earlier` knows."""
    sides = _sides_of(incident)
    index = earlier or SameMatterIndex((), limit=0)
    return Repair(
        repair_id=repair_id,
        incident_ids=(incident.incident_id,),
        category=incident.category,
        opened_at=now,
        agreement_due_by=now + agreement_window,
        departments=sides.departments,
        relationships=sides.relationships,
        recurrence_of=index.recurrence_of(
            incident.category, sides.relationships, now=now, window=recurrence_window
        ),
    )


def open_repairs(
    incidents: Iterable[IncidentFacts],
    *,
    new_id: NewId,
    now: datetime,
    agreement_window: timedelta,
    earlier: SameMatterIndex,
    recurrence_window: timedelta = timedelta(days=180),
) -> list[Repair]:
    """Open a repair for each incident, in order: a later incident about the same matter
    recurs the earlier ones of the same batch too (`earlier` learns each repair opened)."""
    repairs: list[Repair] = []
    for incident in incidents:
        repair = open_repair(
            incident,
            repair_id=new_id(),
            now=now,
            agreement_window=agreement_window,
            earlier=earlier,
            recurrence_window=recurrence_window,
        )
        repairs.append(repair)
        earlier.add(as_prior(repair))
    return repairs


def as_prior(repair: Repair) -> PriorRepair:
    """What recurrence needs to know of a repair."""
    return PriorRepair(
        repair_id=repair.repair_id,
        category=repair.category,
        relationships=repair.relationships,
        opened_at=repair.opened_at,
    )
