"""A change's response mode, decided once when it goes live (docs/agreements.md, "Changes").

Every affected department (intake's latest facts at go-live) gets a standing, judged against
the moment the change really went live, whatever the plan said before:
- `not_told`: agreements first heard it was affected at or after go-live;
- `consented`: one of its representatives consented to the version current at go-live,
  before go-live;
- `objected`: its latest word before go-live on that version was an objection;
- `engaged`: a representative joined before go-live, but no consent to that version;
- `told`: known to be affected, nobody from it took part.
Then: any `not_told` makes the change `not`; every department `consented` makes it `with`;
otherwise it went live without everyone's consent: over an objection it is `to` (heard and
overruled), and without one it is `to` for the kinds that restrict people (control, access,
policy, retirement) and `for` for a rollout (something provided, decided on their behalf).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bridgework.agreements.domain.changes import Change, ChangeDecision, GoLive
from bridgework.common.contracts import (
    ChangeKind,
    ChangeModeDecidedV1,
    DepartmentAtGoLive,
    DepartmentStanding,
    ResponseMode,
)

# Kinds that take something away from the affected; a rollout provides something instead.
RESTRICTING_KINDS = frozenset(
    {ChangeKind.CONTROL, ChangeKind.ACCESS, ChangeKind.POLICY, ChangeKind.RETIREMENT}
)


def standing_at(change: Change, department: str, went_live_at: datetime) -> DepartmentStanding:
    """Where one affected department stood when the change went live."""
    told = change.told_at.get(department)
    if told is None or told >= went_live_at:
        return DepartmentStanding.NOT_TOLD
    current = _version_at(change, went_live_at)
    if current is not None:
        word = change.word_of(department, current)
        if word is not None and word.at < went_live_at:
            return DepartmentStanding.CONSENTED if word.consented else DepartmentStanding.OBJECTED
    joined = any(p.joined_at < went_live_at for p in change.representatives_of(department))
    return DepartmentStanding.ENGAGED if joined else DepartmentStanding.TOLD


def mode_of(kind: ChangeKind, standings: list[DepartmentStanding]) -> ResponseMode:
    """The response mode from the departments' standings (the rule in the module's docstring)."""
    if DepartmentStanding.NOT_TOLD in standings:
        return ResponseMode.NOT
    if all(s == DepartmentStanding.CONSENTED for s in standings):
        return ResponseMode.WITH
    if DepartmentStanding.OBJECTED in standings or kind in RESTRICTING_KINDS:
        return ResponseMode.TO
    return ResponseMode.FOR


def go_live(change: Change, *, went_live_at: datetime) -> ChangeDecision:
    """The change went live: decide its mode once; a repeated report changes nothing."""
    if change.go_live is not None:
        return ChangeDecision(change)
    departments = [
        DepartmentAtGoLive(department=d, standing=standing_at(change, d, went_live_at))
        for d in change.affected_departments
    ]
    mode = mode_of(change.kind, [d.standing for d in departments])
    consented = _version_at(change, went_live_at) if mode == ResponseMode.WITH else None
    decided = GoLive(went_live_at=went_live_at, response_mode=mode, consented_version=consented)
    event = ChangeModeDecidedV1(
        change_id=change.change_id,
        kind=change.kind,
        owner_department=change.owner.department,
        went_live_at=went_live_at,
        response_mode=mode,
        departments=departments,
        consented_version=consented,
    )
    return ChangeDecision(replace(change, go_live=decided), (event,))


def _version_at(change: Change, moment: datetime) -> int | None:
    """The newest version proposed before `moment`."""
    before = [p.version for p in change.proposals if p.proposed_at < moment]
    return max(before) if before else None
