"""Who may read a repair (and so act on it at all), and who may act with a role their token
must hold. Pure.

The roles are the identity provider's (as the gateway's access rules read them): the
change team reads every repair, a department lead the repairs that concern their
department, anyone else the repairs they take part in; a facilitator also sees a repair no
facilitator has taken yet, so they can offer to take the case. Every command checks
`require_may_read` first: a repair the person may not see does not exist for them (404),
whatever else they might or might not be allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridgework.agreements.domain.repair import Repair, unknown_repair
from bridgework.common.contracts import ParticipantRole, PersonRef
from bridgework.common.errors import DomainError, ErrorKind

CHANGE_TEAM = "change_team"
DEPARTMENT_LEAD = "department_lead"
FACILITATOR = "facilitator"


@dataclass(frozen=True)
class Reader:
    """The person reading, as their verified token names them."""

    person_id: str
    department: str | None
    roles: frozenset[str]


def require_may_read(repair: Repair, reader: Reader) -> None:
    """The repair is readable by this person; otherwise it does not exist for them (404)."""
    if CHANGE_TEAM in reader.roles or repair.participant(reader.person_id) is not None:
        return
    if DEPARTMENT_LEAD in reader.roles and reader.department in repair.departments:
        return
    if FACILITATOR in reader.roles and not repair.with_role(ParticipantRole.FACILITATOR):
        return
    raise unknown_repair(repair.repair_id)


def acting_person(reader: Reader) -> PersonRef:
    """The person acting, as repairs name people: their id and their token's department."""
    if reader.department is None:
        raise DomainError(
            "department_required",
            "your token names no department to act from",
            kind=ErrorKind.FORBIDDEN,
        )
    return PersonRef(person_id=reader.person_id, department=reader.department)


def may_assign_facilitators(repair: Repair, reader: Reader) -> bool:
    """The change team, for any repair; a department lead, for a repair their department is
    involved in."""
    if CHANGE_TEAM in reader.roles:
        return True
    return DEPARTMENT_LEAD in reader.roles and reader.department in repair.departments


def require_may_list(reader: Reader) -> None:
    """Listing every repair is the change team's."""
    if CHANGE_TEAM not in reader.roles:
        raise DomainError(
            "change_team_only", "listing repairs is for the change team", kind=ErrorKind.FORBIDDEN
        )


def require_role(roles: frozenset[str], role: str, doing: str) -> None:
    """FORBIDDEN unless the token holds `role`."""
    if role not in roles:
        raise DomainError(
            "role_required", f"{doing} needs the {role} role", kind=ErrorKind.FORBIDDEN
        )
