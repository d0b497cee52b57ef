"""/graphql over HTTP and graphql-transport-ws: strawberry's router, with a WebSocket's token
checked at connection_init (browsers cannot set headers on a WebSocket)."""

from __future__ import annotations

from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.types.unset import UNSET, UnsetType

from bridgework.common.errors import DomainError
from bridgework.graphql_gateway.read.entrypoints.auth import bearer_token, verified
from bridgework.graphql_gateway.read.entrypoints.graphiql import graphiql_page
from bridgework.graphql_gateway.read.entrypoints.graphql.context import Context

CONNECTION_ACK: UnsetType = UNSET  # acknowledge with no payload


class GatewayGraphQLRouter(GraphQLRouter[Context, None]):
    """strawberry's router; app.py builds it with the schema and dependencies.graphql_context."""

    @property
    def graphql_ide_html(self) -> str:
        """GraphiQL served from the gateway's own files, never a CDN's."""
        return graphiql_page()

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """The token comes in the init payload as {"authorization": "Bearer <token>"}; a
        header, when a client can send one, also works."""
        if context.signed_in is not None:
            return CONNECTION_ACK
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        value = params.get("authorization") or params.get("Authorization")
        try:
            token = bearer_token(value if isinstance(value, str) else None)
            context.authenticate(await verified(token, context.settings))
        except DomainError as error:
            raise ConnectionRejectionError(
                {"error": "unauthenticated", "detail": error.detail}
            ) from error
        return CONNECTION_ACK
