"""GraphQL types of the read model; built from rows here, so rows never leak into the schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry

from bridgework.graphql_gateway.context import Context

Row = dict[str, Any]


@strawberry.type(description="A harm a department reported through intake.")
class Incident:
    id: UUID
    department: str = strawberry.field(description="The reporting department.")
    category: str
    severity: str
    summary: str = strawberry.field(description="What happened, in the reporter's words.")
    occurred_at: datetime
    reported_at: datetime
    source_tool: str

    @classmethod
    def from_row(cls, row: Row) -> Incident:
        return cls(
            id=row["incident_id"],
            department=row["department"],
            category=row["category"],
            severity=row["severity"],
            summary=row["summary"],
            occurred_at=row["occurred_at"],
            reported_at=row["reported_at"],
            source_tool=row["source_tool"],
        )


@strawberry.type(description="An unordered pair of departments that a harm strained.")
class Relationship:
    department_a: str
    department_b: str


@strawberry.type(description="The restorative case opened for one or more incidents.")
class Repair:
    id: UUID
    status: str
    opened_at: datetime
    departments: list[str]

    @strawberry.field(description="The incidents this repair was opened for.")
    async def incidents(self, info: strawberry.Info[Context, None]) -> list[Incident]:
        rows = await info.context.incidents_of_repair.load(self.id)
        return [Incident.from_row(row) for row in rows]

    @strawberry.field(description="The department pairs this repair concerns.")
    async def relationships(self, info: strawberry.Info[Context, None]) -> list[Relationship]:
        rows = await info.context.relationships_of_repair.load(self.id)
        return [
            Relationship(department_a=r["department_a"], department_b=r["department_b"])
            for r in rows
        ]

    @classmethod
    def from_row(cls, row: Row) -> Repair:
        return cls(
            id=row["repair_id"],
            status=row["status"],
            opened_at=row["opened_at"],
            departments=list(row["departments"]),
        )


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class RepairEdge:
    cursor: str
    node: Repair


@strawberry.type(description="A page of repairs, newest first.")
class RepairConnection:
    edges: list[RepairEdge]
    page_info: PageInfo
