"""Access (GDPR Art. 15) in intake: the incidents and changes whose facts name a person
(docs/privacy.md). Intake holds no confidential text and no contact detail, only these ids."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bridgework.common.contracts.base import PersonRef
from bridgework.common.errors import DomainError, ErrorKind
from bridgework.common.postgres import Pool
from bridgework.intake import repository


@dataclass(frozen=True)
class IntakeExport:
    """The facts (as reported) of every incident and change that names the person."""

    person_id: str
    incidents: list[Any]
    changes: list[Any]


async def export_person(*, pool: Pool, person_id: str) -> IntakeExport:
    """What intake holds about the person; 404 `nothing_held` when nothing names them."""
    async with pool.acquire() as connection:
        found = await repository.bodies_naming(connection, person_id)
    incidents = [body for body in found["incidents"] if _names(body, person_id)]
    changes = [body for body in found["changes"] if _names(body, person_id)]
    if not incidents and not changes:
        raise DomainError(
            "nothing_held",
            "intake holds nothing about this person",
            kind=ErrorKind.NOT_FOUND,
            field="person_id",
        )
    return IntakeExport(person_id=person_id, incidents=incidents, changes=changes)


def _names(body: Any, person_id: str) -> bool:
    """Whether a person ref in the body is the person (not a text that happens to match)."""
    if isinstance(body, dict):
        if set(PersonRef.model_fields) <= set(body) and body.get("person_id") == person_id:
            return True
        return any(_names(value, person_id) for value in body.values())
    if isinstance(body, list):
        return any(_names(value, person_id) for value in body)
    return False
