"""The rules of erasure, export and retention (docs/privacy.md), without I/O."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from pydantic import ValidationError

from bridgework.agreements.domain.privacy import (
    names_person,
    replace_person,
    require_person_id,
    require_privacy_officer,
    retention_cutoff,
    sealed_values,
)
from bridgework.agreements.domain.readers import Reader
from bridgework.agreements.use_cases.privacy import new_tombstone
from bridgework.common.contracts import (
    FacilitationDecision,
    FacilitationOfferAnsweredV1,
    ParticipantJoinedV1,
    ParticipantRole,
    PersonErasedV1,
    PersonRef,
)
from bridgework.common.contracts.privacy import (
    is_tombstone,
    person_digest,
    person_ids_in,
    tombstoned,
)
from bridgework.common.errors import DomainError, ErrorKind

NOW = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
SEALED = {"key_id": str(uuid4()), "ciphertext": "A" * 40}


def test_replace_person_rewrites_exactly_the_id_wherever_it_sits() -> None:
    document = {
        "participants": [{"person": {"person_id": "p-fin-2", "department": "finance"}}],
        "answered_by": "p-fin-2",
        "note": "p-fin-2 said so",  # not the id: a text that contains it
        "other": "p-fin-22",
        "count": 2,
    }

    replaced = replace_person(document, "p-fin-2", "erased-0123456789ab")

    assert replaced == {
        "participants": [{"person": {"person_id": "erased-0123456789ab", "department": "finance"}}],
        "answered_by": "erased-0123456789ab",
        "note": "p-fin-2 said so",
        "other": "p-fin-22",
        "count": 2,
    }
    assert names_person(document, "p-fin-2")
    assert not names_person(replaced, "p-fin-2")


def test_sealed_values_are_found_with_where_they_sit() -> None:
    document = {"agreement": {"commitments": [{"action": SEALED, "owner": "p-1"}]}, "x": SEALED}

    found = [(where, str(s.key_id)) for where, s in sealed_values(document)]

    assert found == [
        ("agreement.commitments.0.action", SEALED["key_id"]),
        ("x", SEALED["key_id"]),
    ]
    assert list(sealed_values({"key_id": "not-a-uuid", "ciphertext": "short"})) == []


@pytest.mark.parametrize(
    ("person_id", "code"),
    [
        ("jane.doe@example.org", "invalid_person_id"),
        ("", "invalid_person_id"),
        ("erased-0123456789ab", "already_erased"),
    ],
)
def test_a_person_id_that_names_nobody_is_refused_naming_the_field(
    person_id: str, code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        require_person_id(person_id)

    assert (refused.value.code, refused.value.field) == (code, "person_id")
    assert refused.value.kind is ErrorKind.INVALID
    assert require_person_id("p-fin-2") == "p-fin-2"


def test_only_the_privacy_officer_erases_over_http() -> None:
    change_team = Reader(person_id="p-chg-1", department=None, roles=frozenset({"change_team"}))
    officer = Reader(person_id="p-dpo-1", department=None, roles=frozenset({"privacy_officer"}))

    with pytest.raises(DomainError) as refused:
        require_privacy_officer(change_team, "erasing a person")

    assert refused.value.code == "role_required"
    require_privacy_officer(officer, "erasing a person")
    require_privacy_officer(None, "erasing a person")  # the operators' command line


def test_retention_counts_back_from_the_services_clock() -> None:
    assert retention_cutoff(NOW, timedelta(days=730)) == NOW - timedelta(days=730)
    with pytest.raises(DomainError):
        retention_cutoff(NOW, timedelta(0))


def test_tombstones_are_random_and_recognisable() -> None:
    first, second = new_tombstone(), new_tombstone()

    assert first != second
    assert is_tombstone(first)
    assert is_tombstone(second)
    assert not is_tombstone("erased-person")
    assert not is_tombstone("p-fin-2")


def test_person_erased_names_the_person_by_digest_only() -> None:
    digest = hashlib.sha256(b"p-fin-2").hexdigest()
    erased = PersonErasedV1(
        erasure_id=uuid4(), person_digest=digest, tombstone="erased-0123456789ab", erased_at=NOW
    )

    assert person_digest("p-fin-2") == digest
    assert erased.subject() == digest
    assert "p-fin-2" not in erased.model_dump_json()
    with pytest.raises(ValidationError):
        PersonErasedV1(
            erasure_id=uuid4(), person_digest="p-fin-2", tombstone="erased-1", erased_at=NOW
        )


def test_events_are_tombstoned_in_every_person_ref_and_bare_id() -> None:
    repair_id = uuid4()
    joined = ParticipantJoinedV1(
        repair_id=repair_id,
        participant=PersonRef(person_id="p-fin-2", department="finance"),
        role=ParticipantRole.AFFECTED,
        joined_at=NOW,
    )
    answered = FacilitationOfferAnsweredV1(
        repair_id=repair_id,
        facilitator=PersonRef(person_id="p-hr-1", department="hr"),
        offered_at=NOW,
        decision=FacilitationDecision.APPROVED,
        answered_by="p-fin-2",
        answered_at=NOW,
    )
    tombstones = {"p-fin-2": "erased-0123456789ab"}

    assert person_ids_in(answered) == {"p-hr-1", "p-fin-2"}
    assert tombstoned(joined, tombstones).participant.person_id == "erased-0123456789ab"
    rewritten = tombstoned(answered, tombstones)
    assert rewritten.answered_by == "erased-0123456789ab"
    assert rewritten.facilitator.person_id == "p-hr-1"
    assert tombstoned(joined, {"p-other": "erased-000000000000"}) is joined
