"""Who may call follow-up's admin API and see a repair it follows (pure rules)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from bridgework.common.contracts import ParticipantRole, PersonRef
from bridgework.common.errors import DomainError, ErrorKind
from bridgework.followup.domain.readers import (
    MACHINE,
    Caller,
    require_may_administer,
    require_may_read,
)
from bridgework.followup.domain.schedule import Participant, TrackedRepair
from tests.followup_factories import MONDAY

REPAIR = TrackedRepair(repair_id=uuid4(), opened_at=MONDAY, departments=("finance", "it"))
PEOPLE = [
    Participant(PersonRef(person_id="p-it-001", department="it"), ParticipantRole.RESPONSIBLE)
]


def person(person_id: str, *roles: str, department: str | None = None) -> Caller:
    return Caller(person_id=person_id, department=department, roles=frozenset(roles))


def refused(kind: ErrorKind) -> pytest.RaisesExc[DomainError]:
    return pytest.raises(DomainError, check=lambda error: error.kind is kind)


@pytest.mark.parametrize(
    ("caller", "department"),
    [
        (MACHINE, None),
        (person("p-chg-1", "change_team"), None),
        (person("p-chg-1", "change_team"), "finance"),
        (person("p-it-9", "department_lead", department="it"), "it"),
    ],
)
def test_who_may_administer(caller: Caller, department: str | None) -> None:
    require_may_administer(caller, department)


@pytest.mark.parametrize(
    ("caller", "department"),
    [
        (person("p-it-9", "department_lead", department="it"), None),
        (person("p-it-9", "department_lead", department="it"), "finance"),
        (person("p-it-9", "department_lead"), "it"),
        (person("p-it-9", "participant", department="it"), "it"),
        (person("p-hr-1", "facilitator", department="hr"), None),
    ],
)
def test_anyone_else_lacks_the_role(caller: Caller, department: str | None) -> None:
    with refused(ErrorKind.FORBIDDEN) as error:
        require_may_administer(caller, department)
    assert error.value.code == "role_required"


@pytest.mark.parametrize(
    "caller",
    [
        MACHINE,
        person("p-chg-1", "change_team"),
        person("p-fin-1", "department_lead", department="finance"),
        person("p-it-001", "participant", department="it"),
    ],
)
def test_who_may_see_a_repair(caller: Caller) -> None:
    require_may_read(caller, REPAIR, PEOPLE)


@pytest.mark.parametrize(
    "caller",
    [
        person("p-ops-1", "department_lead", department="ops"),
        person("p-it-002", "participant", department="it"),  # same department, not in it
        person("p-hr-1", "facilitator", department="hr"),
    ],
)
def test_to_anyone_else_the_repair_is_not_followed(caller: Caller) -> None:
    with refused(ErrorKind.NOT_FOUND) as error:
        require_may_read(caller, REPAIR, PEOPLE)
    assert error.value.code == "unknown_repair"
