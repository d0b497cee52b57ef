"""What a facilitator's or participant's change asks for, and what became of it. Pure values:
the use cases turn them into agreements' requests and its answers back into these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from bridgework.graphql_gateway.read.domain.viewer import Role

FACILITATORS = frozenset({Role.FACILITATOR})
PEOPLE_OF_A_REPAIR = frozenset({Role.FACILITATOR, Role.PARTICIPANT})
# Who assigns facilitators and answers offers (agreements checks the department involved).
ASSIGNERS = frozenset({Role.CHANGE_TEAM, Role.DEPARTMENT_LEAD})
# Who imposes an outcome: a facilitator of the repair, or the change team.
IMPOSERS = frozenset({Role.FACILITATOR, Role.CHANGE_TEAM})


@dataclass(frozen=True)
class Someone:
    """A person named in a change: a pseudonymous id and a department."""

    person_id: str
    department: str


@dataclass(frozen=True)
class CommitmentPlan:
    """One commitment as proposed or imposed; `commitment_id` revises a pending one."""

    owner: Someone
    action: str
    due_at: datetime
    owed_to: tuple[Someone, ...] = ()
    owed_to_departments: tuple[str, ...] = ()
    commitment_id: UUID | None = None


@dataclass(frozen=True)
class RepairChange:
    """The change was made; the repair as agreements now tells it."""

    repair_id: UUID
    closed: bool
    response_mode: str | None
    agreement_status: str | None
    agreement_version: int | None


@dataclass(frozen=True)
class ConversationSaved:
    """A participant's answers were recorded."""

    participant_id: str
    recorded_at: datetime


@dataclass(frozen=True)
class ChangeRefused:
    """Agreements refused the change: its HTTP status, code, detail and failing fields."""

    status: int
    code: str
    detail: str
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AgreementsUnavailable:
    """Agreements did not answer usefully: nothing is known to be done."""

    detail: str
