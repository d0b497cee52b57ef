"""Root query fields."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from uuid import UUID

import strawberry
from graphql import GraphQLError

from bridgework.graphql_gateway import repository
from bridgework.graphql_gateway.context import Context
from bridgework.graphql_gateway.types import PageInfo, Repair, RepairConnection, RepairEdge


def encode_cursor(opened_at: datetime, repair_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{opened_at.isoformat()}|{repair_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        opened_at, repair_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(opened_at), UUID(repair_id)
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise GraphQLError("`after` is not a cursor this API gave out") from error


@strawberry.type
class Query:
    @strawberry.field(description="One repair by id.")
    async def repair(self, info: strawberry.Info[Context, None], id: UUID) -> Repair | None:
        async with info.context.pool.acquire() as connection:
            rows = await repository.repairs_by_ids(connection, [id])
        return Repair.from_row(rows[0]) if rows else None

    @strawberry.field(description="Repairs, newest first, optionally of one department.")
    async def repairs(
        self,
        info: strawberry.Info[Context, None],
        first: int = 20,
        after: str | None = None,
        department: str | None = None,
    ) -> RepairConnection:
        cap = info.context.settings.graphql_max_page_size
        if not 1 <= first <= cap:
            raise GraphQLError(f"`first` must be between 1 and {cap}")
        async with info.context.pool.acquire() as connection:
            rows = await repository.repairs_page(
                connection,
                limit=first + 1,
                after=decode_cursor(after) if after else None,
                department=department,
            )
        page = rows[:first]
        edges = [
            RepairEdge(
                cursor=encode_cursor(r["opened_at"], r["repair_id"]), node=Repair.from_row(r)
            )
            for r in page
        ]
        return RepairConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else None
            ),
        )
