"""Planned changes in GraphQL: `change`, `changes` (scoped like repairs) and `changeDashboard`
(the calendar, the proactive window and the harm that followed; docs/metrics.md, "Changes")."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from bridgework.graphql_gateway.read.domain.dashboards import dashboard_scope
from bridgework.graphql_gateway.read.domain.figures import ORGANISATION
from bridgework.graphql_gateway.read.domain.periods import Period
from bridgework.graphql_gateway.read.domain.planned_changes import (
    ChangeRecord,
    engagement_state,
    mode_of,
)
from bridgework.graphql_gateway.read.entrypoints.graphql.context import Context
from bridgework.graphql_gateway.read.entrypoints.graphql.figures import PeriodRange
from bridgework.graphql_gateway.read.entrypoints.graphql.pagination import (
    Connection,
    PeriodInput,
    connection,
)
from bridgework.graphql_gateway.read.use_cases import planned_changes

Info = strawberry.Info[Context, None]


@strawberry.type(description="Where an affected department stands in a change's engagement.")
class DepartmentEngagement:
    department: str
    standing: str = strawberry.field(
        description="consented or objected (to the current proposal), engaged (took part, no "
        "word on the current proposal), told (nobody from it took part yet)."
    )
    check_in: str | None = strawberry.field(
        default=None,
        description='After go-live, the department\'s answer to "is it working for you?": '
        "yes, partly or no; null until it answers.",
    )


@strawberry.type(description="A planned change by one department that affects others.")
class Change:
    id: UUID
    title: str
    kind: str = strawberry.field(description="control, rollout, retirement, policy or access.")
    owner_department: str
    recorded_by: str = strawberry.field(description="The department whose tool recorded it.")
    affected_departments: list[str]
    planned_go_live: datetime
    recorded_at: datetime
    went_live_at: datetime | None
    response_mode: str = strawberry.field(
        description="with, to, for or not once agreements decided it at go-live; undecided before."
    )
    engagement_state: str = strawberry.field(
        description="objected (any department), consented (all), engaging (some took part), "
        "not_engaged."
    )
    engagements: list[DepartmentEngagement]

    @classmethod
    def of(cls, record: ChangeRecord) -> Change:
        return cls(
            id=record.change_id,
            title=record.title,
            kind=record.kind,
            owner_department=record.owner_department,
            recorded_by=record.department,
            affected_departments=list(record.affected_departments),
            planned_go_live=record.planned_go_live,
            recorded_at=record.recorded_at,
            went_live_at=record.went_live_at,
            response_mode=mode_of(record),
            engagement_state=engagement_state(record.engagements),
            engagements=[
                DepartmentEngagement(
                    department=e.department, standing=e.standing, check_in=e.check_in
                )
                for e in record.engagements
            ],
        )


@strawberry.type(description="Changes that went live in the period with one response mode.")
class ModeCount:
    response_mode: str
    changes: int


@strawberry.type(description="The harm that followed the changes of one response mode.")
class ChangeHarm:
    response_mode: str
    changes: int = strawberry.field(description="Changes of this mode live in the period.")
    incidents: int = strawberry.field(
        description="Incidents naming one of them that occurred within 90 days of its go-live."
    )
    incidents_per_change: float | None
    windows_open: int = strawberry.field(
        description="Of those changes, how many are not yet 90 days past go-live."
    )


@strawberry.type(description="Planned changes on a dashboard (docs/metrics.md, 'Changes').")
class ChangeDashboard:
    department: str | None
    period: PeriodRange
    calendar: list[Change] = strawberry.field(
        description="Changes not yet live planned before now + `days`, soonest first."
    )
    proactive_window: list[ModeCount]
    harm_that_followed: list[ChangeHarm]


@strawberry.type
class ChangesQuery:
    @strawberry.field(
        description="One planned change by id (the change team; a lead of its owner's or an "
        "affected department; anyone taking part in its engagement); null when there is none "
        "you may see."
    )
    async def change(self, info: Info, id: UUID) -> Change | None:
        found = await planned_changes.change(
            pool=info.context.pool, viewer=info.context.viewer, change_id=id
        )
        return None if found is None else Change.of(found)

    @strawberry.field(
        description="Planned changes you may see (change team: all; a department lead: those "
        "that affect or belong to their department), latest planned go-live first. Filters: "
        "department (owning or affected), live."
    )
    async def changes(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        department: str | None = None,
        live: bool | None = None,
    ) -> Connection[Change]:
        records = await planned_changes.changes_page(
            pool=info.context.pool,
            viewer=info.context.viewer,
            department=department,
            live=live,
            first=first,
            after=after,
            max_page_size=info.context.settings.graphql_max_page_size,
        )
        return connection(
            records, first, position=lambda r: (r.planned_go_live, r.change_id), node=Change.of
        )

    @strawberry.field(
        description="The planned changes of a department's dashboard, or the organisation's "
        "(change team; a department lead gets their own). Default period: the last 365 days."
    )
    async def change_dashboard(
        self,
        info: Info,
        department: str | None = None,
        period: PeriodInput | None = None,
        days: int = 90,
    ) -> ChangeDashboard:
        now = info.context.clock.now()
        scope = dashboard_scope(
            viewer=info.context.viewer,
            department=department,
            period=None if period is None else Period(period.start, period.end),
            today=now.date(),
        )
        figures = await planned_changes.change_figures(
            pool=info.context.pool, scope=scope, now=now, days=days
        )
        return ChangeDashboard(
            department=None if scope.rollup == ORGANISATION else scope.rollup,
            period=PeriodRange(start=scope.period.start, end=scope.period.end),
            calendar=[Change.of(c) for c in figures.calendar],
            proactive_window=[
                ModeCount(response_mode=mode, changes=count)
                for mode, count in figures.proactive_window.items()
            ],
            harm_that_followed=[
                ChangeHarm(
                    response_mode=h.response_mode,
                    changes=h.changes,
                    incidents=h.incidents,
                    incidents_per_change=h.incidents_per_change,
                    windows_open=h.windows_open,
                )
                for h in figures.harm
            ],
        )
