"""Who is asking: the person behind a request, as their token's claims say. Pure.

Claims: `sub` (the person's pseudonymous id), `department` (their department slug),
`roles` (a list, or a space-separated string, of change_team, department_lead,
facilitator, participant; unknown roles are ignored).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bridgework.common.errors import DomainError, ErrorKind

_PSEUDONYMOUS_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
_DEPARTMENT = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


class Role(StrEnum):
    CHANGE_TEAM = "change_team"
    DEPARTMENT_LEAD = "department_lead"
    FACILITATOR = "facilitator"
    PARTICIPANT = "participant"


@dataclass(frozen=True)
class Viewer:
    """The authenticated person behind a request."""

    subject: str
    department: str | None
    roles: frozenset[Role]
    token: str


def unauthenticated(reason: str) -> DomainError:
    """The request carries no usable token; `reason` says why (never the token itself)."""
    return DomainError("unauthenticated", reason, kind=ErrorKind.UNAUTHENTICATED)


def viewer_from_claims(claims: dict[str, Any], token: str) -> Viewer:
    """The person a verified token's claims name, or UNAUTHENTICATED."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not _PSEUDONYMOUS_ID.match(subject):
        raise unauthenticated("`sub` must be a pseudonymous person id")
    department = claims.get("department")
    if department is not None and (
        not isinstance(department, str) or not _DEPARTMENT.match(department)
    ):
        raise unauthenticated("`department` must be a department slug")
    raw_roles = claims.get("roles", [])
    if isinstance(raw_roles, str):
        raw_roles = raw_roles.split()
    if not isinstance(raw_roles, list):
        raise unauthenticated("`roles` must be a list of role names")
    known = {role.value for role in Role}
    roles = frozenset(Role(r) for r in raw_roles if isinstance(r, str) and r in known)
    if Role.DEPARTMENT_LEAD in roles and department is None:
        raise unauthenticated("a department_lead token needs a `department` claim")
    return Viewer(subject=subject, department=department, roles=roles, token=token)
