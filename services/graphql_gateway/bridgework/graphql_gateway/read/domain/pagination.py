"""Keyset pagination's rules: opaque cursors, page-size caps, and the list filters. Pure."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from bridgework.common.errors import DomainError, ErrorKind
from bridgework.graphql_gateway.read.domain.periods import checked_range

Cursor = tuple[datetime, UUID]


@dataclass(frozen=True)
class Filters:
    """The list filters of the schema; a period is a range of UTC days, both ends included."""

    department: str | None = None
    status: str | None = None
    category: str | None = None
    start: date | None = None
    end: date | None = None


def filters(
    *,
    department: str | None = None,
    status: str | None = None,
    category: str | None = None,
    period: tuple[date, date] | None = None,
) -> Filters:
    """The filters a client named, refused when their period runs backwards."""
    if period is not None:
        checked_range(*period)
    return Filters(
        department=department,
        status=status,
        category=category,
        start=period[0] if period else None,
        end=period[1] if period else None,
    )


def encode_cursor(at: datetime, key: UUID) -> str:
    """The opaque cursor of a row at (time, id)."""
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{key}".encode()).decode()


def decode_cursor(cursor: str | None) -> Cursor | None:
    """The (time, id) a cursor this API gave out stands for."""
    if cursor is None:
        return None
    try:
        at, key = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(at), UUID(key)
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise DomainError(
            "invalid_cursor",
            "`after` is not a cursor this API gave out",
            kind=ErrorKind.INVALID,
            field="after",
        ) from error


def check_page_size(first: int, cap: int) -> None:
    """Refuse a page smaller than one or larger than the cap."""
    if not 1 <= first <= cap:
        raise DomainError(
            "invalid_page_size",
            f"`first` must be between 1 and {cap}",
            kind=ErrorKind.INVALID,
            field="first",
        )
