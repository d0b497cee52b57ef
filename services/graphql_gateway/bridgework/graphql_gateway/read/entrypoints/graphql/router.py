"""/graphql over HTTP and graphql-transport-ws: strawberry's router, with a WebSocket's token
checked at connection_init (browsers cannot set headers on a WebSocket)."""

from __future__ import annotations

from fastapi import Response, status
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.types.unset import UNSET, UnsetType

from bridgework.common.errors import DomainError
from bridgework.common.http_errors import RETRY_AFTER_SECONDS
from bridgework.graphql_gateway.read.entrypoints.auth import bearer_token, verified
from bridgework.graphql_gateway.read.entrypoints.graphiql import graphiql_page
from bridgework.graphql_gateway.read.entrypoints.graphql.context import Context
from bridgework.graphql_gateway.read.entrypoints.graphql.errors import DATABASE_UNAVAILABLE

CONNECTION_ACK: UnsetType = UNSET  # acknowledge with no payload


class GatewayGraphQLRouter(GraphQLRouter[Context, None]):
    """strawberry's router; app.py builds it with the schema and dependencies.graphql_context."""

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        """As strawberry answers, but 503 with Retry-After when the database was away, as
        every other route of every service answers then (common/http_errors.py)."""
        response = super().create_response(response_data, sub_response)
        results = response_data if isinstance(response_data, list) else [response_data]
        codes = {
            error.get("extensions", {}).get("code")
            for result in results
            for error in result.get("errors") or ()
            if isinstance(error, dict)
        }
        if DATABASE_UNAVAILABLE in codes:
            response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

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
