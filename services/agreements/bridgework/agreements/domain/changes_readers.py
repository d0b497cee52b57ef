"""Who may see a change's engagement (and so act on it at all), and who may bring whom in. Pure.

A change is planned in the open between departments: the change team, the people taking part,
and the participants and leads (by their token's roles) of the owner's department and of an
affected department see it. Anyone else finds no such change (404), whatever the command.
"""

from __future__ import annotations

from bridgework.agreements.domain.changes import Change, unknown_change
from bridgework.agreements.domain.readers import CHANGE_TEAM, DEPARTMENT_LEAD, Reader
from bridgework.common.contracts import PersonRef
from bridgework.common.errors import DomainError, ErrorKind

# The token roles that let a person of a department involved see the change.
PARTICIPANT = "participant"
_SEEING_BY_DEPARTMENT = frozenset({PARTICIPANT, DEPARTMENT_LEAD})


def require_may_see(change: Change, reader: Reader) -> None:
    """The change is visible to this person; otherwise it does not exist for them (404)."""
    if CHANGE_TEAM in reader.roles or change.person(reader.person_id) is not None:
        return
    departments = (change.owner.department, *change.affected_departments)
    if reader.department in departments and reader.roles & _SEEING_BY_DEPARTMENT:
        return
    raise unknown_change(change.change_id)


def require_may_bring_in(reader: Reader, participant: PersonRef) -> None:
    """A person joins themselves; the change team, or a lead of their department, adds them."""
    if reader.person_id == participant.person_id and reader.department == participant.department:
        return
    if CHANGE_TEAM in reader.roles:
        return
    if DEPARTMENT_LEAD in reader.roles and reader.department == participant.department:
        return
    raise DomainError(
        "not_yours_to_add",
        "a person joins a change's engagement themselves, or is added by the change team or"
        " a lead of their own department",
        kind=ErrorKind.FORBIDDEN,
        field="participant",
    )
