"""The planned changes you take part in, as `myWork.changes` lists them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from bridgework.common.contracts.engagements import EngagementRole
from bridgework.graphql_gateway.read.domain.my_changes import MyChange as MyChangeRecord
from bridgework.graphql_gateway.read.entrypoints.graphql.context import Context
from bridgework.graphql_gateway.read.entrypoints.graphql.planned_changes import Change
from bridgework.graphql_gateway.read.use_cases.my_changes import changes_taken_part_in

Info = strawberry.Info[Context, None]


@strawberry.type(description="A planned change you take part in, and the parts you take in it.")
class MyChange:
    change: Change
    your_roles: list[EngagementRole] = strawberry.field(
        description="owner (the owner's side) and/or representative (of an affected department)."
    )
    your_departments: list[str] = strawberry.field(
        description="The departments you speak for in its engagement."
    )
    joined_at: datetime = strawberry.field(description="When you first joined its engagement.")

    @classmethod
    def of(cls, record: MyChangeRecord) -> MyChange:
        return cls(
            change=Change.of(record.change),
            your_roles=[EngagementRole(role) for role in record.roles],
            your_departments=list(record.departments),
            joined_at=record.joined_at,
        )


async def my_changes(info: Info) -> list[MyChange]:
    found = await changes_taken_part_in(pool=info.context.pool, viewer=info.context.viewer)
    return [MyChange.of(record) for record in found]
