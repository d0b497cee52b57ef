"""GraphiQL with its own files: strawberry's page loads React and GraphiQL from a public CDN,
which leaves it blank on a machine without internet.

The files are GraphiQL 3.9.0, React and ReactDOM 18.3.1 from their npm packages, unchanged
(static/THIRD-PARTY-LICENSES.txt). They hold no data, so they are served to anyone; whether
the page itself is served is the `graphql_ide` setting's (off outside development mode).
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse, Response

STATIC = resources.files("bridgework.graphql_gateway.read.entrypoints") / "static"
_JS = "text/javascript; charset=utf-8"
ASSETS = {
    "graphiql.min.js": _JS,
    "graphiql.min.css": "text/css; charset=utf-8",
    "react.production.min.js": _JS,
    "react-dom.production.min.js": _JS,
    "graphiql-start.js": _JS,
    "THIRD-PARTY-LICENSES.txt": "text/plain; charset=utf-8",
}


def graphiql_page() -> str:
    """The page GET /graphql answers a browser with, when GraphiQL is on."""
    return (STATIC / "graphiql.html").read_text(encoding="utf-8")


router = APIRouter(include_in_schema=False)


@router.get("/graphiql/assets/{name}")
async def graphiql_asset(name: str) -> Response:
    """One of GraphiQL's files, cached by the browser for a day."""
    if name not in ASSETS:
        return JSONResponse(
            {"error": "not_found", "detail": f"no asset {name!r}"}, status.HTTP_404_NOT_FOUND
        )
    return Response(
        (STATIC / name).read_bytes(),
        media_type=ASSETS[name],
        headers={"Cache-Control": "public, max-age=86400"},
    )
