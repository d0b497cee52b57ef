"""Who may call follow-up's admin API and read what it follows. Pure.

A caller is a machine holding the service's admin token, or a person their verified token
names. The roles are the identity provider's, read as agreements reads them: the change team
administers everything and reads every repair; a department lead administers their own
department's nudge policy and webhook and reads the repairs that concern their department;
anyone else reads only the repairs they take part in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bridgework.common.errors import DomainError, ErrorKind
from bridgework.followup.domain.schedule import Participant, TrackedRepair, not_followed

CHANGE_TEAM = "change_team"
DEPARTMENT_LEAD = "department_lead"


@dataclass(frozen=True)
class Caller:
    """Who calls: a person (`person_id` set) or a machine with the admin token (it unset)."""

    person_id: str | None
    department: str | None = None
    roles: frozenset[str] = frozenset()

    @property
    def is_machine(self) -> bool:
        """True for the admin token (or development's open door), which may do everything."""
        return self.person_id is None


# The admin token's holder: deployments' scripts, `make run`'s demo, the tests' helpers.
MACHINE = Caller(person_id=None)


def require_may_administer(caller: Caller, department: str | None = None) -> None:
    """The caller may change follow-up's settings: of `department` when the route names one
    (a lead, for their own), else of the whole service (the change team); FORBIDDEN if not."""
    if caller.is_machine or CHANGE_TEAM in caller.roles:
        return
    if (
        department is not None
        and DEPARTMENT_LEAD in caller.roles
        and caller.department == department
    ):
        return
    doing = f"managing {department}'s follow-up" if department else "follow-up's admin API"
    raise DomainError(
        "role_required", f"{doing} needs the {CHANGE_TEAM} role", kind=ErrorKind.FORBIDDEN
    )


def require_may_read(
    caller: Caller, repair: TrackedRepair, participants: Sequence[Participant]
) -> None:
    """The caller may see this repair; otherwise it does not exist for them (404, as agreements
    answers, so a refusal does not confirm that the repair exists)."""
    if caller.is_machine or CHANGE_TEAM in caller.roles:
        return
    if DEPARTMENT_LEAD in caller.roles and caller.department in repair.departments:
        return
    if any(p.person.person_id == caller.person_id for p in participants):
        return
    raise not_followed(repair.repair_id)
