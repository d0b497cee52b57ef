"""Who is asking: the person behind a request, as their verified token says. Pure.

Claims: `sub` (the person's pseudonymous id), `department` (their department slug),
`roles` (a list, or a space-separated string, of change_team, department_lead,
facilitator, participant; unknown roles are ignored).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bridgework.common.errors import DomainError, ErrorKind


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
    expires_at: datetime | None = None  # when the token stops holding; live streams end there


def unauthenticated(reason: str) -> DomainError:
    """The request carries no usable token; `reason` says why (never the token itself)."""
    return DomainError("unauthenticated", reason, kind=ErrorKind.UNAUTHENTICATED)


def viewer_from(
    *,
    subject: str,
    department: str | None,
    roles: Iterable[str],
    expires_at: datetime,
    token: str,
) -> Viewer:
    """The Viewer a verified token names: the gateway's roles (unknown ones ignored)."""
    known = {role.value for role in Role}
    granted = frozenset(Role(r) for r in roles if r in known)
    if Role.DEPARTMENT_LEAD in granted and department is None:
        raise unauthenticated("a department_lead token needs a `department` claim")
    return Viewer(
        subject=subject, department=department, roles=granted, token=token, expires_at=expires_at
    )


def seconds_left(viewer: Viewer, now: datetime) -> float | None:
    """How long the viewer's token still holds at `now`; None when it names no expiry."""
    if viewer.expires_at is None:
        return None
    return (viewer.expires_at - now).total_seconds()
