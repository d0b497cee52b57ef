"""Root query fields: entities as scoped, paginated lists, and the dashboards."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from uuid import UUID

import strawberry

from bridgework.graphql_gateway import access, lookups
from bridgework.graphql_gateway.context import Context
from bridgework.graphql_gateway.dashboard import (
    Dashboard,
    RelationshipHealth,
    make_dashboard,
    relationship_health,
)
from bridgework.graphql_gateway.enums import (
    CheckInOutcome,
    IncidentCategory,
    NudgeKind,
    ResponseMode,
)
from bridgework.graphql_gateway.lookups import Filters, Row
from bridgework.graphql_gateway.pagination import (
    Connection,
    PeriodInput,
    check_page_size,
    connection,
    decode_cursor,
    filters,
)
from bridgework.graphql_gateway.types import (
    CheckIn,
    Commitment,
    CommitmentStatus,
    Incident,
    Nudge,
    Repair,
    RepairStatus,
)

Info = strawberry.Info[Context, None]
PageLookup = Callable[..., Awaitable[list[Row]]]


async def _page_rows(
    info: Info, lookup: PageLookup, *, first: int, after: str | None, wanted: Filters
) -> list[Row]:
    """One page in the viewer's scope, plus one row to tell whether a next page exists."""
    check_page_size(first, info.context.settings.graphql_max_page_size)
    async with info.context.pool.acquire() as db:
        return await lookup(
            db,
            scope=access.scope_of(info.context.viewer),
            filters=wanted,
            limit=first + 1,
            after=decode_cursor(after),
        )


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
class Query:
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
        rows = await info.context.repair.load(id)
        if not rows or rows[0]["opened_at"] is None:
            return None
        row = rows[0]
        mine = await info.context.viewer_repairs()
        if row["repair_id"] in mine or access.may_see_repair(
            info.context.viewer, row["departments"], ()
        ):
            return Repair.from_row(row)
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
            period=period,
        )
        rows = await _page_rows(info, lookups.repairs_page, first=first, after=after, wanted=wanted)
        return connection(rows, first, at="opened_at", key="repair_id", node=Repair.from_row)

    @strawberry.field(description="One incident by id; null when there is none you may see.")
    async def incident(self, info: Info, id: UUID) -> Incident | None:
        rows = await info.context.incident.load(id)
        if not rows:
            return None
        row = rows[0]
        concerned = [row["department"], *row["affected_departments"]]
        if access.may_see_repair(info.context.viewer, concerned, ()):
            return Incident.from_row(row)
        repairs = await info.context.repairs_of_incident.load(id)
        mine = await info.context.viewer_repairs()
        return Incident.from_row(row) if any(r["repair_id"] in mine for r in repairs) else None

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
            period=period,
        )
        rows = await _page_rows(
            info, lookups.incidents_page, first=first, after=after, wanted=wanted
        )
        return connection(rows, first, at="reported_at", key="incident_id", node=Incident.from_row)

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
            period=period,
        )
        rows = await _page_rows(
            info, lookups.commitments_page, first=first, after=after, wanted=wanted
        )
        mine = await info.context.viewer_repairs()
        return connection(
            rows,
            first,
            at="due_at",
            key="commitment_id",
            node=lambda r: Commitment.from_row(r, r["repair_id"] in mine),
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
            period=period,
        )
        rows = await _page_rows(info, lookups.nudges_page, first=first, after=after, wanted=wanted)
        mine = await info.context.viewer_repairs()
        return connection(
            rows,
            first,
            at="sent_at",
            key="nudge_id",
            node=lambda r: Nudge.from_row(r, r["repair_id"] in mine),
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
            period=period,
        )
        rows = await _page_rows(
            info, lookups.check_ins_page, first=first, after=after, wanted=wanted
        )
        mine = await info.context.viewer_repairs()
        return connection(
            rows,
            first,
            at="recorded_at",
            key="check_in_id",
            node=lambda r: CheckIn.from_row(r, r["repair_id"] in mine),
        )

    @strawberry.field(description="Every department the events have named.")
    async def departments(self, info: Info) -> list[Department]:
        _ = info.context.viewer
        async with info.context.pool.acquire() as db:
            rows = await lookups.departments(db)
        return [Department(slug=r["slug"], first_seen_at=r["first_seen_at"]) for r in rows]

    @strawberry.field(
        description="The dashboard of a department, or of the organisation when none is named "
        "(change team; a department lead gets their own). Default period: the last 365 days."
    )
    def dashboard(
        self, info: Info, department: str | None = None, period: PeriodInput | None = None
    ) -> Dashboard:
        return make_dashboard(info, department, period)

    @strawberry.field(
        description="Relationship health per department pair (pairs with `department`, or all)."
    )
    async def relationships(
        self, info: Info, department: str | None = None, period: PeriodInput | None = None
    ) -> list[RelationshipHealth]:
        dashboard = make_dashboard(info, department, period)
        return await relationship_health(info, dashboard.rollup, dashboard.range)
