"""Check-in links: signed, expiring, and useless once tampered with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from bridgework.common.errors import DomainError, ErrorKind
from bridgework.followup.domain.check_in_links import CheckInClaim, sign, verify

SECRET = b"a-test-secret-of-reasonable-length"
NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def test_a_signed_link_names_its_check_in_until_it_expires() -> None:
    claim = CheckInClaim(uuid4(), NOW + timedelta(days=14))

    assert verify(sign(claim, SECRET), SECRET, now=NOW + timedelta(days=13)) == claim


def test_an_expired_link_is_refused() -> None:
    token = sign(CheckInClaim(uuid4(), NOW + timedelta(days=1)), SECRET)

    with pytest.raises(DomainError) as refused:
        verify(token, SECRET, now=NOW + timedelta(days=1))

    assert (refused.value.code, refused.value.kind) == ("link_expired", ErrorKind.GONE)


def test_a_link_signed_with_another_secret_is_refused() -> None:
    token = sign(CheckInClaim(uuid4(), NOW + timedelta(days=1)), b"someone-else")

    with pytest.raises(DomainError, match="not a valid check-in link") as refused:
        verify(token, SECRET, now=NOW)

    assert (refused.value.code, refused.value.kind) == ("invalid_link", ErrorKind.FORBIDDEN)


def test_a_link_whose_check_in_was_swapped_is_refused() -> None:
    mine = sign(CheckInClaim(uuid4(), NOW + timedelta(days=1)), SECRET)
    theirs = sign(CheckInClaim(uuid4(), NOW + timedelta(days=1)), SECRET)
    forged = theirs.split(".")[0] + "." + mine.split(".")[1]

    with pytest.raises(DomainError, match="not a valid check-in link") as refused:
        verify(forged, SECRET, now=NOW)

    assert refused.value.code == "invalid_link"


@pytest.mark.parametrize(
    "garbage", ["", "no-dot", ".", "abc.def", "%%%.%%%", "é.ü", "abc.dé", "\U0001f600", "a" * 600]
)
def test_garbage_is_refused_not_crashed_on(garbage: str) -> None:
    with pytest.raises(DomainError, match="not a valid check-in link") as refused:
        verify(garbage, SECRET, now=NOW)

    assert refused.value.code == "invalid_link"
