"""Relay-style pages as GraphQL types; the cursor rules are domain/pagination.py's."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Generic, TypeVar
from uuid import UUID

import strawberry

from bridgework.graphql_gateway.read.domain.pagination import encode_cursor

T = TypeVar("T")
R = TypeVar("R")


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


def period_of(period: PeriodInput | None) -> tuple[date, date] | None:
    """The (from, to) days a client named."""
    return None if period is None else (period.start, period.end)


def connection(
    records: Sequence[R],
    first: int,
    *,
    position: Callable[[R], tuple[datetime, UUID]],
    node: Callable[[R], T],
) -> Connection[T]:
    """A page from `first + 1` records: the extra one only says whether more follow."""
    page = records[:first]
    edges = [Edge(cursor=encode_cursor(*position(r)), node=node(r)) for r in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(records) > first, end_cursor=edges[-1].cursor if edges else None
        ),
    )
