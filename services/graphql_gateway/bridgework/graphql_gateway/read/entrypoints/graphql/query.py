"""Root query fields: entities as scoped, paginated lists, and the dashboards."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry

from bridgework.graphql_gateway.read.domain import access
from bridgework.graphql_gateway.read.domain.pagination import Filters, filters
from bridgework.graphql_gateway.read.domain.records import CommitmentRecord
from bridgework.graphql_gateway.read.entrypoints.graphql import drilldown
from bridgework.graphql_gateway.read.entrypoints.graphql.context import Context
from bridgework.graphql_gateway.read.entrypoints.graphql.dashboard import (
    Dashboard,
    make_dashboard,
    relationship_health,
)
from bridgework.graphql_gateway.read.entrypoints.graphql.details import CheckIn, Commitment, Nudge
from bridgework.graphql_gateway.read.entrypoints.graphql.drilldown import (
    DashboardFigure,
    DepartmentPairInput,
)
from bridgework.graphql_gateway.read.entrypoints.graphql.enums import (
    CheckInOutcome,
    IncidentCategory,
    NudgeKind,
    ResponseMode,
)
from bridgework.graphql_gateway.read.entrypoints.graphql.figures import RelationshipHealth
from bridgework.graphql_gateway.read.entrypoints.graphql.pagination import (
    Connection,
    PeriodInput,
    connection,
    period_of,
)
from bridgework.graphql_gateway.read.entrypoints.graphql.planned_changes import ChangesQuery
from bridgework.graphql_gateway.read.entrypoints.graphql.types import (
    CommitmentStatus,
    Incident,
    Repair,
    RepairStatus,
)
from bridgework.graphql_gateway.read.entrypoints.graphql.workspace import WorkspaceQuery
from bridgework.graphql_gateway.read.use_cases import lists

Info = strawberry.Info[Context, None]


def _page(info: Info, wanted: Filters, first: int, after: str | None) -> dict[str, Any]:
    """What every page use case needs beside its listing."""
    return {
        "pool": info.context.pool,
        "viewer": info.context.viewer,
        "filters": wanted,
        "first": first,
        "after": after,
        "max_page_size": info.context.settings.graphql_max_page_size,
    }


def _due(commitment: CommitmentRecord) -> tuple[datetime, UUID]:
    # A page lists only commitments with a due date (listings' condition).
    assert commitment.due_at is not None
    return commitment.due_at, commitment.commitment_id


@strawberry.type(description="The person asking, as their token says.")
class Viewer:
    person_id: str
    department: str | None
    roles: list[str]


@strawberry.type(description="An organisational unit that events have named.")
class Department:
    slug: str
    first_seen_at: datetime

    @strawberry.field(description="This department's dashboard (change team, or its lead).")
    def dashboard(self, info: Info, period: PeriodInput | None = None) -> Dashboard:
        return make_dashboard(info, self.slug, period)


def _enum_value(value: object) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


@strawberry.type
class Query(WorkspaceQuery, ChangesQuery):
    @strawberry.field(description="Who you are, as your token says.")
    def viewer(self, info: Info) -> Viewer:
        viewer = info.context.viewer
        return Viewer(
            person_id=viewer.subject,
            department=viewer.department,
            roles=sorted(role.value for role in viewer.roles),
        )

    @strawberry.field(description="One repair by id; null when there is none you may see.")
    async def repair(self, info: Info, id: UUID) -> Repair | None:
        found = await info.context.repair.load(id)
        if not found or found[0].opened_at is None:
            return None
        record = found[0]
        mine = await info.context.viewer_repairs()
        if record.repair_id in mine or access.may_see_repair(
            info.context.viewer, record.departments, ()
        ):
            return Repair.of(record)
        return None

    @strawberry.field(
        description="Repairs you may see, newest first. Filters: department (any it "
        "concerns), status, category, period (opening day)."
    )
    async def repairs(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        department: str | None = None,
        status: RepairStatus | None = None,
        category: IncidentCategory | None = None,
        period: PeriodInput | None = None,
    ) -> Connection[Repair]:
        wanted = filters(
            department=department,
            status=_enum_value(status),
            category=_enum_value(category),
            period=period_of(period),
        )
        records = await lists.repairs_page(**_page(info, wanted, first, after))
        return connection(
            records, first, position=lambda r: (r.opened_at, r.repair_id), node=Repair.of
        )

    @strawberry.field(description="One incident by id; null when there is none you may see.")
    async def incident(self, info: Info, id: UUID) -> Incident | None:
        found = await info.context.incident.load(id)
        if not found:
            return None
        record = found[0]
        concerned = [record.department, *record.affected_departments]
        if access.may_see_repair(info.context.viewer, concerned, ()):
            return Incident.of(record)
        repairs = await info.context.repairs_of_incident.load(id)
        mine = await info.context.viewer_repairs()
        return Incident.of(record) if any(r.repair_id in mine for r in repairs) else None

    @strawberry.field(
        description="Incidents you may see, newest report first. Filters: department "
        "(reporting or affected), status (the response mode the tool reported), category, "
        "period (report day)."
    )
    async def incidents(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        department: str | None = None,
        status: ResponseMode | None = None,
        category: IncidentCategory | None = None,
        period: PeriodInput | None = None,
    ) -> Connection[Incident]:
        wanted = filters(
            department=department,
            status=_enum_value(status),
            category=_enum_value(category),
            period=period_of(period),
        )
        records = await lists.incidents_page(**_page(info, wanted, first, after))
        return connection(
            records, first, position=lambda r: (r.reported_at, r.incident_id), node=Incident.of
        )

    @strawberry.field(
        description="Commitments of repairs you may see, latest due date first. Filters: "
        "department (of the repair), status, category (of the repair), period (due day)."
    )
    async def commitments(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        department: str | None = None,
        status: CommitmentStatus | None = None,
        category: IncidentCategory | None = None,
        period: PeriodInput | None = None,
    ) -> Connection[Commitment]:
        wanted = filters(
            department=department,
            status=_enum_value(status),
            category=_enum_value(category),
            period=period_of(period),
        )
        records = await lists.commitments_page(**_page(info, wanted, first, after))
        mine = await info.context.viewer_repairs()
        return connection(
            records, first, position=_due, node=lambda r: Commitment.of(r, r.repair_id in mine)
        )

    @strawberry.field(
        description="Nudges sent in repairs you may see, latest first. Filters: department, "
        "kind, category, period (day sent)."
    )
    async def nudges(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        department: str | None = None,
        kind: NudgeKind | None = None,
        category: IncidentCategory | None = None,
        period: PeriodInput | None = None,
    ) -> Connection[Nudge]:
        wanted = filters(
            department=department,
            status=_enum_value(kind),
            category=_enum_value(category),
            period=period_of(period),
        )
        records = await lists.nudges_page(**_page(info, wanted, first, after))
        mine = await info.context.viewer_repairs()
        return connection(
            records,
            first,
            position=lambda r: (r.sent_at, r.nudge_id),
            node=lambda r: Nudge.of(r, r.repair_id in mine),
        )

    @strawberry.field(
        description="Check-ins in repairs you may see, latest first. Filters: department, "
        "outcome, category, period (day recorded)."
    )
    async def check_ins(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        department: str | None = None,
        outcome: CheckInOutcome | None = None,
        category: IncidentCategory | None = None,
        period: PeriodInput | None = None,
    ) -> Connection[CheckIn]:
        wanted = filters(
            department=department,
            status=_enum_value(outcome),
            category=_enum_value(category),
            period=period_of(period),
        )
        records = await lists.check_ins_page(**_page(info, wanted, first, after))
        mine = await info.context.viewer_repairs()
        return connection(
            records,
            first,
            position=lambda r: (r.recorded_at, r.check_in_id),
            node=lambda r: CheckIn.of(r, r.repair_id in mine),
        )

    @strawberry.field(description="Every department the events have named.")
    async def departments(self, info: Info) -> list[Department]:
        _ = info.context.viewer
        records = await lists.departments(pool=info.context.pool)
        return [Department(slug=r.slug, first_seen_at=r.first_seen_at) for r in records]

    @strawberry.field(
        description="The dashboard of a department, or of the organisation when none is named "
        "(change team; a department lead gets their own). Default period: the last 365 days."
    )
    def dashboard(
        self, info: Info, department: str | None = None, period: PeriodInput | None = None
    ) -> Dashboard:
        return make_dashboard(info, department, period)

    @strawberry.field(
        description="The repairs behind a dashboard figure (or a relationship's, with `pair`) "
        "for the same department and period, newest opening first; for those who may read "
        "that dashboard, and only repairs they may list."
    )
    async def repairs_behind(
        self,
        info: Info,
        figure: DashboardFigure,
        key: str | None = None,
        department: str | None = None,
        pair: DepartmentPairInput | None = None,
        period: PeriodInput | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[Repair]:
        return await drilldown.repairs_behind(
            info, figure=figure, key=key, department=department, pair=pair, period=period,
            first=first, after=after,
        )  # fmt: skip

    @strawberry.field(
        description="Relationship health per department pair (pairs with `department`, or all)."
    )
    async def relationships(
        self, info: Info, department: str | None = None, period: PeriodInput | None = None
    ) -> list[RelationshipHealth]:
        dashboard = make_dashboard(info, department, period)
        return await relationship_health(info, dashboard.scope)
