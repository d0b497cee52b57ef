"""Relay-style cursor pagination: opaque keyset cursors and page-size caps."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

import strawberry

from bridgework.graphql_gateway.errors import BadInputError
from bridgework.graphql_gateway.lookups import Filters

T = TypeVar("T")
Row = dict[str, Any]


@strawberry.type(description="Where a page ends, Relay-style.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of results, newest first.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo


@strawberry.input(description="A range of UTC days; both ends are included.")
class PeriodInput:
    start: date = strawberry.field(name="from")
    end: date = strawberry.field(name="to")


def encode_cursor(at: datetime, key: UUID) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{key}".encode()).decode()


def decode_cursor(cursor: str | None) -> tuple[datetime, UUID] | None:
    if cursor is None:
        return None
    try:
        at, key = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(at), UUID(key)
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise BadInputError("`after` is not a cursor this API gave out") from error


def check_page_size(first: int, cap: int) -> None:
    if not 1 <= first <= cap:
        raise BadInputError(f"`first` must be between 1 and {cap}")


def filters(
    *,
    department: str | None = None,
    status: str | None = None,
    category: str | None = None,
    period: PeriodInput | None = None,
) -> Filters:
    if period is not None and period.start > period.end:
        raise BadInputError("`period.from` must not be after `period.to`")
    return Filters(
        department=department,
        status=status,
        category=category,
        start=period.start if period else None,
        end=period.end if period else None,
    )


def connection(
    rows: Sequence[Row],
    first: int,
    *,
    at: str,
    key: str,
    node: Callable[[Row], T],
) -> Connection[T]:
    """A page from `first + 1` rows: the extra row only says whether more follow."""
    page = rows[:first]
    edges = [Edge(cursor=encode_cursor(row[at], row[key]), node=node(row)) for row in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else None
        ),
    )
