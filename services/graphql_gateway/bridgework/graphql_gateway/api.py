"""The gateway's HTTP surface: the GraphQL endpoint."""

from __future__ import annotations

from fastapi import APIRouter, Request
from strawberry.fastapi import GraphQLRouter

from bridgework.common.runtime import get_runtime
from bridgework.graphql_gateway.context import Context
from bridgework.graphql_gateway.schema import build_schema
from bridgework.graphql_gateway.settings import GatewaySettings


def graphql_router(settings: GatewaySettings) -> APIRouter:
    async def context_getter(request: Request) -> Context:
        return Context(pool=get_runtime(request).pool, settings=settings)

    router: GraphQLRouter[Context, None] = GraphQLRouter(
        build_schema(settings),
        path="/graphql",
        context_getter=context_getter,
        graphql_ide="graphiql" if settings.graphql_ide else None,
    )
    return router
