"""Planned changes: one change, a page of them, and the dashboard's three change figures."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from bridgework.common.postgres import Pool
from bridgework.graphql_gateway.read.domain.access import scope_of
from bridgework.graphql_gateway.read.domain.dashboards import DashboardScope
from bridgework.graphql_gateway.read.domain.figures import ORGANISATION
from bridgework.graphql_gateway.read.domain.pagination import check_page_size, decode_cursor
from bridgework.graphql_gateway.read.domain.planned_changes import (
    ChangeRecord,
    HarmRow,
    calendar,
    calendar_days,
    concerns,
    harm_that_followed,
    may_see_change,
    proactive_window,
)
from bridgework.graphql_gateway.read.domain.viewer import Viewer
from bridgework.graphql_gateway.read.repository import change_participants as participants
from bridgework.graphql_gateway.read.repository import planned_changes as repository


@dataclass(frozen=True)
class ChangeFigures:
    calendar: list[ChangeRecord]
    proactive_window: Counter[str]
    harm: list[HarmRow]


async def change(*, pool: Pool, viewer: Viewer, change_id: UUID) -> ChangeRecord | None:
    """The change, when the viewer may see it: by their scope, or because they take part in
    its engagement (a representative who leads nothing reads their department's check-in)."""
    async with pool.acquire() as connection:
        found = await repository.change(connection, change_id)
        if found is None:
            return None
        if may_see_change(scope_of(viewer), found):
            return found
        taking_part = await participants.takes_part(connection, change_id, viewer.subject)
    return found if taking_part else None


async def changes_page(
    *,
    pool: Pool,
    viewer: Viewer,
    department: str | None,
    live: bool | None,
    first: int,
    after: str | None,
    max_page_size: int,
) -> list[ChangeRecord]:
    """A page of the changes the viewer may see, latest planned go-live first (one more than
    `first`, to tell whether more follow)."""
    check_page_size(first, max_page_size)
    cursor = decode_cursor(after)
    scope = scope_of(viewer)
    async with pool.acquire() as connection:
        # Changes are few (tens a month): filtered and paged here, after one scoped query.
        found = await repository.changes_concerning(
            connection, None if scope.everything else scope.department
        ) if scope.everything or scope.department else []  # fmt: skip
    visible = [
        c for c in found
        if may_see_change(scope, c)
        and (department is None or concerns(c, department))
        and (live is None or live == (c.went_live_at is not None))
        and (cursor is None or (c.planned_go_live, c.change_id) < cursor)
    ]  # fmt: skip
    visible.sort(key=lambda c: (c.planned_go_live, c.change_id), reverse=True)
    return visible[: first + 1]


async def change_figures(
    *, pool: Pool, scope: DashboardScope, now: datetime, days: int
) -> ChangeFigures:
    """The calendar (from `now`, `days` ahead), the proactive window and the harm that
    followed (changes live in the scope's period) of the changes the dashboard concerns."""
    calendar_days(days)  # refused before any query
    department = None if scope.rollup == ORGANISATION else scope.rollup
    async with pool.acquire() as connection, connection.transaction(readonly=True):
        changes = await repository.changes_concerning(connection, department)
        live = [c.change_id for c in changes if c.went_live_at is not None]
        incidents = await repository.linked_incidents(connection, live)
    return ChangeFigures(
        calendar=calendar(changes, now=now, days=days),
        proactive_window=proactive_window(changes, scope.period),
        harm=harm_that_followed(changes, incidents, period=scope.period, now=now),
    )
