"""Query.repairsBehind: the repairs behind a dashboard figure or a relationship, for those
who may read that dashboard, and only the repairs they may list (docs/metrics.md,
"Drill-down")."""

from __future__ import annotations

from enum import Enum

import strawberry

from bridgework.graphql_gateway.read.domain.dashboards import dashboard_scope
from bridgework.graphql_gateway.read.domain.drilldown import (
    Behind,
    Figure,
    checked_pair,
    figure_slice,
)
from bridgework.graphql_gateway.read.domain.figures import ORGANISATION
from bridgework.graphql_gateway.read.domain.periods import Period
from bridgework.graphql_gateway.read.entrypoints.graphql.context import Context
from bridgework.graphql_gateway.read.entrypoints.graphql.pagination import (
    Connection,
    PeriodInput,
    connection,
)
from bridgework.graphql_gateway.read.entrypoints.graphql.types import Repair
from bridgework.graphql_gateway.read.use_cases import dashboard

Info = strawberry.Info[Context, None]


@strawberry.enum(
    description="A dashboard figure to drill into; `key` picks one of its counts (the "
    "names of the figure's GraphQL fields; docs/metrics.md lists them)."
)
class DashboardFigure(Enum):
    REPAIRS_OPENED = Figure.REPAIRS_OPENED.value
    RESPONSE_MODE = Figure.RESPONSE_MODE.value
    COMPLETION = Figure.COMPLETION.value
    COMMITMENTS = Figure.COMMITMENTS.value
    TIME_TO_AGREEMENT = Figure.TIME_TO_AGREEMENT.value
    TIME_TO_REPAIR = Figure.TIME_TO_REPAIR.value
    PARTICIPATION = Figure.PARTICIPATION.value
    CONSENT = Figure.CONSENT.value
    NUDGES = Figure.NUDGES.value
    CLOSURES = Figure.CLOSURES.value
    CHECK_INS = Figure.CHECK_INS.value
    INCIDENTS = Figure.INCIDENTS.value
    RELATIONSHIP = Figure.RELATIONSHIP.value


@strawberry.input(description="Two departments; their order does not matter.")
class DepartmentPairInput:
    department_a: str
    department_b: str


async def repairs_behind(
    info: Info,
    *,
    figure: DashboardFigure,
    key: str | None,
    department: str | None,
    pair: DepartmentPairInput | None,
    period: PeriodInput | None,
    first: int,
    after: str | None,
) -> Connection[Repair]:
    """The repairs whose contributions make up the figure's count, newest first."""
    context = info.context
    scope = dashboard_scope(
        viewer=context.viewer,
        department=department,
        period=None if period is None else Period(period.start, period.end),
        today=context.clock.now().date(),
    )
    slice_ = figure_slice(Figure(figure.value), key)
    scoped = None if scope.rollup == ORGANISATION else scope.rollup
    behind = Behind(
        figure=slice_,
        department=scope.rollup,
        period=scope.period,
        pair=None
        if pair is None
        else checked_pair(pair.department_a, pair.department_b, department=scoped),
        now=context.clock.now(),
    )
    records = await dashboard.repairs_behind(
        pool=context.pool,
        viewer=context.viewer,
        behind=behind,
        first=first,
        after=after,
        max_page_size=context.settings.graphql_max_page_size,
    )
    return connection(records, first, position=lambda r: (r.opened_at, r.repair_id), node=Repair.of)
