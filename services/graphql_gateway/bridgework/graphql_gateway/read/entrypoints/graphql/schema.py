"""The GraphQL schema: assembly only, with the limits that keep one query from hogging the service."""

from __future__ import annotations

import logging
import traceback
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from bridgework.graphql_gateway.read.entrypoints.graphql.change_engagement import (
    ChangeEngagementQuery,
)
from bridgework.graphql_gateway.read.entrypoints.graphql.change_mutations import ChangeMutation
from bridgework.graphql_gateway.read.entrypoints.graphql.cost import cost_limit_rule
from bridgework.graphql_gateway.read.entrypoints.graphql.errors import DomainErrors, should_mask
from bridgework.graphql_gateway.read.entrypoints.graphql.execution import GatewayExecutionContext
from bridgework.graphql_gateway.read.entrypoints.graphql.mutation import Mutation
from bridgework.graphql_gateway.read.entrypoints.graphql.nul import NoNulCharacters
from bridgework.graphql_gateway.read.entrypoints.graphql.query import Query
from bridgework.graphql_gateway.read.entrypoints.graphql.subscription import Subscription
from bridgework.graphql_gateway.read.entrypoints.graphql.timing import OperationTiming
from bridgework.graphql_gateway.settings import GatewaySettings

LOG = logging.getLogger("bridgework.graphql_gateway.graphql")

# Bounded: distinct query texts from clients cannot grow memory without limit.
CACHED_DOCUMENTS = 256


def log_failure(error: GraphQLError, operation: str | None) -> None:
    """Log a resolver's failure by operation, path and exception type, with the stack's code
    lines but no message: a message may quote a person's name or address from the input."""
    original = error.original_error
    kind = type(original).__name__ if original is not None else "GraphQLError"
    stack = "".join(traceback.format_tb(original.__traceback__)) if original is not None else ""
    path = ".".join(str(part) for part in error.path or ())
    LOG.error("GraphQL operation %s failed at %s: %s\n%s", operation or "-", path, kind, stack)


# A planned change's engagement (issue 14) beside the repairs' queries and mutations.
@strawberry.type(name="Query")
class AllQueries(Query, ChangeEngagementQuery):
    pass


@strawberry.type(name="Mutation")
class AllMutations(Mutation, ChangeMutation):
    pass


class GatewaySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log only what went wrong on our side: a client's mistake is its answer, not our log.

        Never the error's message, the query or its variables: they may carry people's names
        and addresses (a library's message often quotes the value it choked on).
        """
        operation = execution_context.operation_name if execution_context else None
        for error in errors:
            if should_mask(error):
                log_failure(error, operation)


def build_schema(settings: GatewaySettings) -> strawberry.Schema:
    """The schema with the limits the settings name."""
    # The limit rules are made once, so the validation cache recognises them: the dashboard
    # sends the same documents again and again, and parsing and validating them cost more
    # than executing them.
    rules = [
        *QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
        cost_limit_rule(settings.graphql_max_cost, settings.graphql_max_page_size),
        NoNulCharacters,  # Postgres cannot hold U+0000: refused, naming the argument
    ]
    extensions: list[Any] = [
        OperationTiming,
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        lambda: ParserCache(maxsize=CACHED_DOCUMENTS),
        lambda: ValidationCache(maxsize=CACHED_DOCUMENTS),
        DomainErrors,
    ]
    if not settings.graphql_introspection:
        extensions.append(DisableIntrospection)
    return GatewaySchema(
        query=AllQueries,
        mutation=AllMutations,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=GatewayExecutionContext,
    )
