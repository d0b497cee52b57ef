"""Live dashboards over graphql-transport-ws: a fresh Dashboard after every change to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import strawberry

from bridgework.graphql_gateway.read.entrypoints.graphql.context import Context
from bridgework.graphql_gateway.read.entrypoints.graphql.dashboard import Dashboard, make_dashboard
from bridgework.graphql_gateway.read.entrypoints.graphql.pagination import PeriodInput

Info = strawberry.Info[Context, None]


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="The dashboard now, then again whenever events change its department's "
        "numbers (at most once per BRIDGEWORK_SUBSCRIPTION_MIN_INTERVAL_SECONDS)."
    )
    async def dashboard(
        self, info: Info, department: str | None = None, period: PeriodInput | None = None
    ) -> AsyncGenerator[Dashboard, None]:
        context = info.context
        first = make_dashboard(info, department, period)  # refuses before anything is sent
        seen = context.changes.version
        yield first
        while True:
            seen = await context.changes.wait(first.rollup, seen)
            # Coalesce a burst of batches into one update.
            await asyncio.sleep(context.settings.subscription_min_interval_seconds)
            seen = context.changes.version
            context.reset_loaders()
            yield make_dashboard(info, department, period)
