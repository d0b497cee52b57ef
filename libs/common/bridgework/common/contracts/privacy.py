"""Erasure news, published by agreements on `<namespace>.privacy`, keyed by the person's digest.

The erased id itself never travels again: consumers hold a person's id already and find it by
its SHA-256 digest. The topic is compacted and never expires (kafka_setup), because an
erasure must outlive every event that names the person: a replay from offset 0 meets it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from bridgework.common.contracts.base import Contract, PersonRef, Stream

DIGEST_PATTERN = r"^[0-9a-f]{64}$"
TOMBSTONE_PATTERN = r"^erased-[0-9a-f]{12}$"
TOMBSTONE_PREFIX = "erased-"

PersonDigest = Annotated[
    str,
    StringConstraints(pattern=DIGEST_PATTERN),
    Field(description="sha256 (hex) of the erased person's pseudonymous id."),
]
Tombstone = Annotated[
    str,
    StringConstraints(pattern=TOMBSTONE_PATTERN),
    Field(description="What stands for the erased person from now on: `erased-<12 hex>`."),
]
# Contract fields holding a bare person id rather than a PersonRef.
_BARE_PERSON_FIELDS = frozenset({"answered_by"})

C = TypeVar("C", bound=BaseModel)


class PrivacyEvent(Contract):
    stream: ClassVar[Stream] = "privacy"


class PersonErasedV1(PrivacyEvent):
    """A person was erased: their keys are destroyed; their id becomes `tombstone`."""

    event_type: ClassVar[str] = "bridgework.privacy.person-erased.v1"

    erasure_id: UUID
    person_digest: PersonDigest
    tombstone: Tombstone
    erased_at: AwareDatetime

    def subject(self) -> str:
        return self.person_digest


def person_digest(person_id: str) -> str:
    """How an erased person is named on the privacy stream and in erasure records."""
    return hashlib.sha256(person_id.encode("utf-8")).hexdigest()


def is_tombstone(person_id: str) -> bool:
    """Whether `person_id` is what an erasure left, not a person."""
    return re.fullmatch(TOMBSTONE_PATTERN, person_id) is not None


def person_ids_in(contract: BaseModel) -> set[str]:
    """Every person id a contract names (PersonRefs, and the bare id fields), at any depth."""
    found: set[str] = set()
    _collect(contract, found)
    return found


def _collect(value: Any, found: set[str]) -> None:
    if isinstance(value, PersonRef):
        found.add(value.person_id)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            item = getattr(value, name)
            if name in _BARE_PERSON_FIELDS and isinstance(item, str):
                found.add(item)
            else:
                _collect(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, found)


def tombstoned(contract: C, tombstones: Mapping[str, str]) -> C:
    """`contract` with every person id in `tombstones` replaced by its tombstone (the same
    object when it names none of them), so a replayed event folds as if written after."""
    replaced = _replace(contract, tombstones)
    assert isinstance(replaced, type(contract))
    return replaced


def _replace(value: Any, tombstones: Mapping[str, str]) -> Any:
    if isinstance(value, PersonRef):
        tombstone = tombstones.get(value.person_id)
        return value if tombstone is None else value.model_copy(update={"person_id": tombstone})
    if isinstance(value, BaseModel):
        changes: dict[str, Any] = {}
        for name in type(value).model_fields:
            item = getattr(value, name)
            if name in _BARE_PERSON_FIELDS and isinstance(item, str):
                new = tombstones.get(item, item)
            else:
                new = _replace(item, tombstones)
            if new is not item:
                changes[name] = new
        return value.model_copy(update=changes) if changes else value
    if isinstance(value, list | tuple):
        items = [_replace(item, tombstones) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return type(value)(items)
    return value
