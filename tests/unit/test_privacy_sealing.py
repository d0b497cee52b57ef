"""Sealing one text, and the key-encryption key's refusals (no database needed)."""

from __future__ import annotations

import base64
import os
import uuid

import pytest

from bridgework.common.contracts.sealed import Sealed
from bridgework.common.privacy import (
    DataKey,
    LocalKek,
    PrivacyConfigError,
    UnreadableSealedError,
    new_kek_text,
    seal,
    unseal,
)
from bridgework.common.privacy.keys import UnwrapError


def a_key() -> DataKey:
    return DataKey(uuid.uuid4(), "p-it-001", uuid.uuid4(), os.urandom(32))


def test_a_sealed_text_opens_with_its_key_and_carries_no_plaintext() -> None:
    key = a_key()
    sealed = seal(key, "I was worried about the audit, ünïcödé too")
    assert sealed.key_id == key.key_id
    assert "audit" not in sealed.model_dump_json()
    assert unseal(key, sealed) == "I was worried about the audit, ünïcödé too"
    # A fresh nonce each time: equal texts do not give equal ciphertexts.
    assert seal(key, "same").ciphertext != seal(key, "same").ciphertext


def test_another_key_or_a_moved_key_id_does_not_open_it() -> None:
    key, other = a_key(), a_key()
    sealed = seal(key, "what happened")
    with pytest.raises(UnreadableSealedError):
        unseal(other, sealed)
    moved = Sealed(key_id=other.key_id, ciphertext=sealed.ciphertext)
    with pytest.raises(UnreadableSealedError):
        unseal(DataKey(other.key_id, "p", key.repair_id, key.secret), moved)


def test_a_tampered_ciphertext_does_not_open() -> None:
    key = a_key()
    sealed = seal(key, "what happened")
    flipped = ("B" if sealed.ciphertext[20] == "A" else "A").join(
        (sealed.ciphertext[:20], sealed.ciphertext[21:])
    )
    with pytest.raises(UnreadableSealedError):
        unseal(key, Sealed(key_id=key.key_id, ciphertext=flipped))


def test_sealed_values_refuse_what_is_not_base64url() -> None:
    with pytest.raises(ValueError, match="ciphertext"):
        Sealed(key_id=uuid.uuid4(), ciphertext="plain text, not sealed at all!!!!!!!!!!!!!")
    with pytest.raises(ValueError, match="ciphertext"):
        Sealed(key_id=uuid.uuid4(), ciphertext="c2hvcnQ")


def test_the_data_key_secret_never_shows_in_its_repr() -> None:
    key = a_key()
    assert key.secret.hex() not in repr(key)
    assert "secret" not in repr(key)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "BRIDGEWORK_PRIVACY_KEK is not set"),
        ("   ", "BRIDGEWORK_PRIVACY_KEK is not set"),
        ("not base64 at all!", "not base64"),
        (base64.b64encode(os.urandom(16)).decode(), "32 bytes"),
    ],
)
def test_a_missing_or_malformed_kek_is_refused_by_name(value: str | None, message: str) -> None:
    with pytest.raises(PrivacyConfigError, match=message):
        LocalKek.from_setting(value)


def test_a_kek_wraps_a_data_key_bound_to_its_id() -> None:
    kek = LocalKek.from_setting(new_kek_text())
    key_id = uuid.uuid4()
    wrapped = kek.wrap(b"k" * 32, key_id=key_id)
    assert kek.unwrap(wrapped, key_id=key_id) == b"k" * 32
    with pytest.raises(UnwrapError):
        kek.unwrap(wrapped, key_id=uuid.uuid4())
    with pytest.raises(UnwrapError):
        LocalKek.from_setting(new_kek_text()).unwrap(wrapped, key_id=key_id)


def test_the_kek_id_names_the_key_without_revealing_it() -> None:
    secret = os.urandom(32)
    assert LocalKek(secret).kek_id == LocalKek(secret).kek_id
    assert LocalKek(secret).kek_id != LocalKek(os.urandom(32)).kek_id
    assert secret.hex()[:16] not in LocalKek(secret).kek_id
