"""Which rollup and period a dashboard request reads. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bridgework.graphql_gateway.read.domain.access import authorised_department
from bridgework.graphql_gateway.read.domain.periods import Period, dashboard_period
from bridgework.graphql_gateway.read.domain.viewer import Viewer


@dataclass(frozen=True)
class DashboardScope:
    """The rollup department ('*' = the organisation) and period a dashboard reads."""

    rollup: str
    period: Period


def dashboard_scope(
    *, viewer: Viewer, department: str | None, period: Period | None, today: date
) -> DashboardScope:
    """What the viewer may read for this request: FORBIDDEN or INVALID before any query."""
    rollup = authorised_department(viewer, department)
    return DashboardScope(rollup=rollup, period=dashboard_period(period, today=today))
