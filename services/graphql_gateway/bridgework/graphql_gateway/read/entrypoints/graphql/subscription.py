"""Live dashboards over graphql-transport-ws: a fresh Dashboard after every change to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime

import strawberry

from bridgework.graphql_gateway.read.domain.viewer import seconds_left, unauthenticated
from bridgework.graphql_gateway.read.entrypoints.graphql.context import Context
from bridgework.graphql_gateway.read.entrypoints.graphql.dashboard import Dashboard, make_dashboard
from bridgework.graphql_gateway.read.entrypoints.graphql.pagination import PeriodInput

Info = strawberry.Info[Context, None]


def _token_seconds_left(context: Context) -> float | None:
    """Seconds until the viewer's token expires, by the wall clock the token was checked by."""
    left = seconds_left(context.viewer, datetime.now(UTC))
    if left is not None and left <= 0:
        raise unauthenticated("the token has expired; subscribe again with a new one")
    return left


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
        _token_seconds_left(context)  # a socket may outlive its token: none starts after exp
        first = make_dashboard(info, department, period)  # refuses before anything is sent
        seen = context.changes.version
        yield first
        while True:
            # A stream lasts no longer than the token that opened it: at `exp` it ends with
            # UNAUTHENTICATED, and the client subscribes again with a fresh token.
            try:
                async with asyncio.timeout(_token_seconds_left(context)):
                    seen = await context.changes.wait(first.rollup, seen)
                    # Coalesce a burst of batches into one update.
                    await asyncio.sleep(context.settings.subscription_min_interval_seconds)
            except TimeoutError:
                raise unauthenticated(
                    "the token has expired; subscribe again with a new one"
                ) from None
            seen = context.changes.version
            context.reset_loaders()
            yield make_dashboard(info, department, period)
