"""The rules of erasure, access and retention (docs/privacy.md), without I/O.

Erasure is crypto-shredding plus tombstoning: the person's data keys are destroyed (their
sealed texts become unreadable wherever copies went) and their id is replaced, in agreements'
own tables, by a tombstone chosen once (`erased-<12 hex>`). Retention destroys the keys of a
repair closed longer than the retention period ago; the repair's structure stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from bridgework.agreements.domain.readers import Reader, require_role
from bridgework.common.contracts.base import PSEUDONYM_PATTERN
from bridgework.common.contracts.privacy import TOMBSTONE_PREFIX, is_tombstone
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.errors import DomainError, ErrorKind

ErasureStatus = Literal["erased", "already_erased"]
# The JWT role that may erase and export anyone's data (docs/security.md, "Who may do what").
PRIVACY_OFFICER = "privacy_officer"


@dataclass(frozen=True)
class Erasure:
    """What an erasure request did: `already_erased` when an earlier one had done it all."""

    status: ErasureStatus
    tombstone: str
    keys_destroyed: int
    repairs_rewritten: int
    erased_at: datetime


@dataclass(frozen=True)
class Expiry:
    """A closed repair whose data keys retention destroyed."""

    repair_id: UUID
    closed_at: datetime
    keys_destroyed: int


@dataclass(frozen=True)
class OpenedText:
    """One of the person's sealed texts, opened: where it sits and what it says (None: its
    key is gone, retention expired it)."""

    where: str
    text: str | None


@dataclass(frozen=True)
class RepairExport:
    repair_id: UUID
    status: str
    opened_at: datetime
    closed_at: datetime | None
    roles: list[str]
    texts: list[OpenedText]


@dataclass(frozen=True)
class ConversationExport:
    repair_id: UUID
    role: str
    department: str
    recorded_by: str
    recorded_at: datetime
    answers: Any  # the stored answers with each sealed text opened


@dataclass(frozen=True)
class ChangeExport:
    """A planned change the person took part in, with their own sealed texts opened."""

    change_id: UUID
    went_live_at: datetime | None
    texts: list[OpenedText]


@dataclass(frozen=True)
class IncidentExport:
    incident_id: UUID
    department: str
    reported_at: datetime
    named_as: list[str]


@dataclass(frozen=True)
class AgreementsExport:
    """Everything agreements holds about one person, confidential texts opened."""

    person_id: str
    repairs: list[RepairExport] = field(default_factory=list)
    conversations: list[ConversationExport] = field(default_factory=list)
    incidents: list[IncidentExport] = field(default_factory=list)
    changes: list[ChangeExport] = field(default_factory=list)
    key_count: int = 0


def require_person_id(person_id: str) -> str:
    """A person id as erasure and export take it; a tombstone names nobody any more."""
    if not re.fullmatch(PSEUDONYM_PATTERN, person_id):
        raise DomainError(
            "invalid_person_id",
            "person_id must be a pseudonymous id (letters, digits and . _ : -, at most 64)",
            kind=ErrorKind.INVALID,
            field="person_id",
        )
    if is_tombstone(person_id):
        raise DomainError(
            "already_erased",
            f"{TOMBSTONE_PREFIX}… ids are what an erasure left: nothing personal is held",
            kind=ErrorKind.INVALID,
            field="person_id",
        )
    return person_id


def require_privacy_officer(reader: Reader | None, doing: str) -> None:
    """Only the privacy officer erases or exports over HTTP (None: the operators' command line)."""
    if reader is not None:
        require_role(reader.roles, PRIVACY_OFFICER, doing)


def nothing_held() -> DomainError:
    """The refusal for a person id no table and no key names (never held, or never here)."""
    return DomainError(
        "nothing_held",
        "nothing is held about this person",
        kind=ErrorKind.NOT_FOUND,
        field="person_id",
    )


def replace_person(document: Any, person_id: str, tombstone: str) -> Any:
    """A JSON document with every string equal to `person_id` replaced by `tombstone`.

    Person ids are whole strings in the documents (`person_id`, `answered_by`, ...); free
    text is sealed, so an exact match is the person and nothing else."""
    if isinstance(document, str):
        return tombstone if document == person_id else document
    if isinstance(document, list):
        return [replace_person(item, person_id, tombstone) for item in document]
    if isinstance(document, dict):
        return {key: replace_person(value, person_id, tombstone) for key, value in document.items()}
    return document


def sealed_values(document: Any, path: str = "") -> Iterator[tuple[str, Sealed]]:
    """Every sealed text in a JSON document, with where it sits (`agreement.commitments.0.action`)."""
    if isinstance(document, dict):
        if set(document) == {"key_id", "ciphertext"}:
            try:
                sealed = Sealed.model_validate(document)
            except ValueError:
                return  # shaped like one, but not a sealed text: nothing to open
            yield path, sealed
            return
        for key, value in document.items():
            yield from sealed_values(value, f"{path}.{key}" if path else str(key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from sealed_values(value, f"{path}.{index}" if path else str(index))


def names_person(document: Any, person_id: str) -> bool:
    """Whether a JSON document names the person anywhere."""
    if isinstance(document, str):
        return document == person_id
    if isinstance(document, list):
        return any(names_person(item, person_id) for item in document)
    if isinstance(document, dict):
        return any(names_person(value, person_id) for value in document.values())
    return False


def retention_cutoff(now: datetime, period: timedelta) -> datetime:
    """Repairs closed before this instant are past retention."""
    if period <= timedelta(0):
        raise DomainError(
            "invalid_retention_period",
            "the retention period must be positive",
            kind=ErrorKind.INVALID,
            field="retention_period",
        )
    return now - period
