"""The gateway's HTTP surface: /graphql (HTTP and graphql-transport-ws) and /dashboard.

Every GraphQL request needs a bearer token; without one the answer is 401 before any
resolver runs. Only GraphiQL's page itself (GET /graphql for a browser, when enabled)
and the dashboard's static page are served to anyone: neither holds any data.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, FastAPI, Request, status
from fastapi.requests import HTTPConnection
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.types.unset import UNSET, UnsetType

from bridgework.common.clock import Clock
from bridgework.common.runtime import Runtime
from bridgework.graphql_gateway.agreements_api import AgreementsApi
from bridgework.graphql_gateway.auth import AuthenticationError, bearer_token, verify
from bridgework.graphql_gateway.context import Context
from bridgework.graphql_gateway.live import ReadModelChanges
from bridgework.graphql_gateway.schema import build_schema
from bridgework.graphql_gateway.settings import GatewaySettings

CONNECTION_ACK: UnsetType = UNSET  # acknowledge with no payload
STATIC = resources.files("bridgework.graphql_gateway") / "static"
ASSETS = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "charts.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}


class GatewayGraphQLRouter(GraphQLRouter[Context, None]):
    """strawberry's router, with the token of a WebSocket checked at connection_init."""

    def __init__(self, *args: object, settings: GatewaySettings, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.gateway_settings = settings

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Browsers cannot set headers on a WebSocket: the token comes in the init payload,
        as {"authorization": "Bearer <token>"}; a header, when a client can send one, also works."""
        if context.authenticated:
            return CONNECTION_ACK
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        value = params.get("authorization") or params.get("Authorization")
        try:
            context.authenticate(
                verify(
                    bearer_token(value if isinstance(value, str) else None), self.gateway_settings
                )
            )
        except AuthenticationError as error:
            raise ConnectionRejectionError(
                {"error": "unauthenticated", "detail": error.reason}
            ) from error
        return CONNECTION_ACK


def _ide_page_only(connection: HTTPConnection) -> bool:
    """A browser asking for GraphiQL's page (no query): served without a token."""
    if not isinstance(connection, Request) or connection.method != "GET":
        return False
    return (
        "text/html" in connection.headers.get("accept", "")
        and "query" not in connection.query_params
    )


def graphql_router(
    settings: GatewaySettings,
    *,
    clock: Clock,
    changes: ReadModelChanges,
    agreements_api: AgreementsApi,
) -> APIRouter:
    async def context_getter(connection: HTTPConnection) -> Context:
        runtime: Runtime = connection.app.state.runtime
        authorization = connection.headers.get("authorization")
        viewer = None
        if authorization or not (isinstance(connection, WebSocket) or _ide_page_only(connection)):
            viewer = verify(bearer_token(authorization), settings)
        return Context(
            pool=runtime.pool,
            settings=settings,
            clock=clock,
            changes=changes,
            viewer=viewer,
            agreements_api=agreements_api,
        )

    return GatewayGraphQLRouter(
        build_schema(settings),
        path="/graphql",
        context_getter=context_getter,
        graphql_ide="graphiql" if settings.graphql_ide else None,
        settings=settings,
    )


def dashboard_router() -> APIRouter:
    """The change team's dashboard page: static HTML and vanilla JS that query /graphql."""
    router = APIRouter(tags=["dashboard"])

    @router.get("/dashboard", response_class=HTMLResponse, include_in_schema=True)
    async def dashboard_page() -> HTMLResponse:
        """The dashboard page (its token comes from the sign-in box or `#token=` in the URL)."""
        return HTMLResponse((STATIC / "dashboard.html").read_text(encoding="utf-8"))

    @router.get("/dashboard/assets/{name}", include_in_schema=False)
    async def dashboard_asset(name: str) -> Response:
        if name not in ASSETS:
            return JSONResponse(
                {"error": "not_found", "detail": f"no asset {name!r}"}, status.HTTP_404_NOT_FOUND
            )
        return Response((STATIC / name).read_bytes(), media_type=ASSETS[name])

    return router


def install_auth_errors(app: FastAPI) -> None:
    """Answer a missing or bad token with 401 and the reason, in the common error shape."""

    async def unauthenticated(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, AuthenticationError)
        return JSONResponse(
            {"error": "unauthenticated", "detail": error.reason},
            status_code=status.HTTP_401_UNAUTHORIZED,
            headers={"WWW-Authenticate": 'Bearer realm="bridgework"'},
        )

    app.add_exception_handler(AuthenticationError, unauthenticated)
