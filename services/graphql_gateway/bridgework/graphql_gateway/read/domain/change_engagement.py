"""What a viewer may do on a change's page, from the engagement agreements showed them. Pure.

Offered, not enforced: agreements decides every command (and refuses with the field and why);
the page only leaves out forms that could not succeed, as a repair's page does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bridgework.graphql_gateway.read.domain.viewer import Viewer

OWNER = "owner"
REPRESENTATIVE = "representative"


@dataclass(frozen=True)
class Taking:
    """Someone taking part in a change's engagement."""

    person_id: str
    department: str
    role: str


@dataclass(frozen=True)
class EngagementFacts:
    """What the actions depend on."""

    live: bool
    owner_department: str
    affected_departments: tuple[str, ...]
    people: tuple[Taking, ...]
    proposal_version: int | None  # the current proposal's
    agreed_version: int | None
    adjustments_open: int  # of the current proposal, not yet kept


def engagement_actions(viewer: Viewer, facts: EngagementFacts) -> list[str]:
    """The actions offered: join_as_representative, join_as_owner, answer_questions, propose,
    answer_proposal (for the viewer's department), keep_adjustment."""
    mine = [p for p in facts.people if p.person_id == viewer.subject]
    roles = {p.role for p in mine}
    actions: list[str] = []
    if not facts.live:
        department = viewer.department
        if department in facts.affected_departments and REPRESENTATIVE not in roles and not mine:
            actions.append("join_as_representative")
        if department == facts.owner_department and not mine:
            actions.append("join_as_owner")
        if REPRESENTATIVE in roles:
            actions.append("answer_questions")
        if mine:
            actions.append("propose")
        if REPRESENTATIVE in roles and facts.proposal_version is not None:
            actions.append("answer_proposal")
    agreed = facts.agreed_version is not None and facts.agreed_version == facts.proposal_version
    if mine and agreed and facts.adjustments_open:
        actions.append("keep_adjustment")
    return actions


def representing(viewer: Viewer, people: Iterable[Taking]) -> str | None:
    """The department the viewer represents in the change, if any."""
    for person in people:
        if person.person_id == viewer.subject and person.role == REPRESENTATIVE:
            return person.department
    return None
