"""Repair and follow-up events carry what people say only sealed (issue 11): every
confidential field is a `Sealed`, a plain string there is an invalid event naming the field,
and no other field can hold free text."""

from __future__ import annotations

import inspect
import re
from typing import Any, get_args
from uuid import uuid4

import pytest
from pydantic import BaseModel, ValidationError

from bridgework.common.contracts import followups, repairs
from bridgework.common.contracts.base import NUL_FREE_PATTERNS, Contract
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.events import Event, from_kafka, to_kafka
from tests.factories import T0, plain, sealed

# Every confidential text of the two streams, by contract and field (issue 11, DESIGN.md).
CONFIDENTIAL = {
    ("Answer", "text"),
    ("CommitmentTerms", "action"),
    ("ConsentDeclinedV1", "reason"),
    ("OutcomeImposedV1", "reason"),
    ("CommitmentRenegotiatedV1", "reason"),
    ("CommitmentReleasedV1", "reason"),
    ("RepairClosedV1", "reason"),
    ("FacilitationOfferAnsweredV1", "reason"),
    ("CheckInRecordedV1", "comment"),
}
# Strings that are codes, not words: a closed set a facilitator picks from.
CODES = {("RepairClosedV1", "reason_code")}


def contracts() -> list[type[Contract]]:
    found = []
    for module in (repairs, followups):
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Contract) and value.__module__ == module.__name__:
                found.append(value)
    return found


def holds_sealed(annotation: Any) -> bool:
    return annotation is Sealed or Sealed in get_args(annotation)


def free_text(model: type[BaseModel], name: str) -> bool:
    """A string field held to no pattern: it could carry anything a person wrote."""
    field = model.model_fields[name]
    if str not in (field.annotation, *get_args(field.annotation)):
        return False
    patterns = {getattr(m, "pattern", None) for m in field.metadata}
    return not (patterns & NUL_FREE_PATTERNS)


def test_every_confidential_field_is_sealed() -> None:
    fields = {
        (model.__name__, name): holds_sealed(info.annotation)
        for model in contracts()
        for name, info in model.model_fields.items()
    }
    assert {pair for pair, is_sealed in fields.items() if is_sealed} == CONFIDENTIAL


def test_no_other_field_of_a_repair_or_follow_up_event_holds_free_text() -> None:
    plain_strings = {
        (model.__name__, name)
        for model in contracts()
        for name in model.model_fields
        if free_text(model, name)
    }
    assert plain_strings == CODES


def declined(reason: Any) -> dict[str, Any]:
    return {
        "repair_id": str(uuid4()),
        "agreement_id": str(uuid4()),
        "version": 1,
        "participant": {"person_id": "p-fin-2", "department": "finance"},
        "role": "affected",
        "reason": reason,
        "declined_at": T0.isoformat(),
    }


def test_a_plain_text_where_a_sealed_one_belongs_is_an_invalid_event_naming_the_field() -> None:
    with pytest.raises(ValidationError) as refused:
        repairs.ConsentDeclinedV1.model_validate(declined("The date is too soon."))

    assert [error["loc"] for error in refused.value.errors()] == [("reason",)]


@pytest.mark.parametrize(
    "ciphertext",
    ["short", "not base64url!" * 4, "x" * 43_001],
    ids=["too short for a nonce and tag", "not base64url", "longer than any sealed text"],
)
def test_a_sealed_value_is_base64url_of_a_plausible_length(ciphertext: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Sealed.model_validate({"key_id": str(uuid4()), "ciphertext": ciphertext})

    assert [error["loc"] for error in refused.value.errors()] == [("ciphertext",)]


def test_a_sealed_reason_travels_as_the_key_id_and_ciphertext_only() -> None:
    reason = sealed("The date is too soon.")
    fact = repairs.ConsentDeclinedV1.model_validate(declined(reason.model_dump(mode="json")))

    record = to_kafka(Event.new(fact, source="/tests", time=T0))
    body = record.value
    back = from_kafka(record.headers, body).data

    assert isinstance(back, repairs.ConsentDeclinedV1)
    assert back.reason == reason
    assert b"too soon" not in body
    assert re.search(rb'"reason":\{"key_id":"[0-9a-f-]{36}","ciphertext":"[\w-]+"\}', body)
    assert plain(back.reason) == "The date is too soon."
