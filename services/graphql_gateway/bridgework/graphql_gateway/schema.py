"""The GraphQL schema: assembly only, with the limits that keep one query from hogging the service."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter

from bridgework.graphql_gateway.query import Query
from bridgework.graphql_gateway.settings import GatewaySettings


def build_schema(settings: GatewaySettings) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        extensions=[
            lambda: QueryDepthLimiter(max_depth=settings.graphql_max_depth),
            lambda: MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases),
            lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        ],
    )
