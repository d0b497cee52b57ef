"""Who may see what. Pure rules over a Viewer; the SQL scopes in repository/listings.py follow them.

- change_team: every aggregate, every repair and incident (department-level detail);
- department_lead: the aggregates of their department, the repairs and incidents that
  concern it;
- facilitator, participant: the repairs they take part in;
- person-level detail (who took part, their answers, consents, check-ins, owners and
  recipients) only to the repair's own facilitator and participants;
- anonymous requests see nothing but /health (refused before any resolver runs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bridgework.common.errors import DomainError, ErrorKind
from bridgework.graphql_gateway.read.domain.figures import ORGANISATION
from bridgework.graphql_gateway.read.domain.viewer import Role, Viewer


@dataclass(frozen=True)
class Scope:
    """Which repairs a viewer may list: all, those of a department, and/or their own."""

    everything: bool
    department: str | None
    person_id: str


def scope_of(viewer: Viewer) -> Scope:
    """The repairs the viewer may list."""
    return Scope(
        everything=Role.CHANGE_TEAM in viewer.roles,
        department=viewer.department if Role.DEPARTMENT_LEAD in viewer.roles else None,
        person_id=viewer.subject,
    )


def aggregates_department(viewer: Viewer, department: str | None) -> str | None:
    """The rollup department a dashboard request may read ('*' = the organisation), or None.

    A department lead who names no department gets their own.
    """
    if Role.CHANGE_TEAM in viewer.roles:
        return department or ORGANISATION
    if Role.DEPARTMENT_LEAD in viewer.roles and department in (None, viewer.department):
        return viewer.department
    return None


def may_see_repair(
    viewer: Viewer, departments: Iterable[str], participant_ids: Iterable[str]
) -> bool:
    """Whether the viewer may see a repair (or an incident) concerning these departments."""
    scope = scope_of(viewer)
    if scope.everything or (scope.department is not None and scope.department in departments):
        return True
    return viewer.subject in set(participant_ids)


def may_see_people(viewer: Viewer, participant_ids: Iterable[str]) -> bool:
    """Person-level detail of a repair: only for the people who take part in it."""
    return viewer.subject in set(participant_ids)


def may_facilitate(viewer: Viewer, facilitator_ids: Iterable[str]) -> bool:
    """Facilitators' actions: a facilitator token, and this repair's facilitator."""
    return Role.FACILITATOR in viewer.roles and viewer.subject in set(facilitator_ids)


def authorised_department(viewer: Viewer, department: str | None) -> str:
    """The rollup department the viewer may read, or FORBIDDEN."""
    allowed = aggregates_department(viewer, department)
    if allowed is None:
        raise DomainError(
            "forbidden",
            "dashboards are for the change team, and for a department lead their own department",
            kind=ErrorKind.FORBIDDEN,
        )
    return allowed


def people_of_repair_only(visible: bool, refusal: str) -> None:
    """Refuse person-level detail to a viewer who takes no part in the repair."""
    if not visible:
        raise DomainError("forbidden", refusal, kind=ErrorKind.FORBIDDEN)


def require_any_role(viewer: Viewer, roles: frozenset[Role]) -> None:
    """FORBIDDEN unless the viewer holds one of `roles`."""
    if not viewer.roles & roles:
        names = " or ".join(sorted(r.value for r in roles))
        raise DomainError("role_required", f"this needs the {names} role", kind=ErrorKind.FORBIDDEN)


def actor_of(viewer: Viewer, roles: frozenset[Role]) -> tuple[str, str]:
    """(person id, department) of a viewer acting in a repair with one of `roles`."""
    require_any_role(viewer, roles)
    if viewer.department is None:
        raise DomainError(
            "department_required",
            "your token names no department to act from",
            kind=ErrorKind.FORBIDDEN,
        )
    return viewer.subject, viewer.department
