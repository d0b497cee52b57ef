"""The change team's dashboard page: static HTML and vanilla JS that query /graphql.

The page and its assets hold no data, so they are served to anyone; the page's token comes
from its sign-in box or `#token=` in the URL.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, status
from fastapi.responses import HTMLResponse, JSONResponse, Response

STATIC = resources.files("bridgework.graphql_gateway.read.entrypoints") / "static"
ASSETS = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "charts.js": "text/javascript; charset=utf-8",
    "csv.js": "text/javascript; charset=utf-8",
    "drilldown.js": "text/javascript; charset=utf-8",
    "live-focus.js": "text/javascript; charset=utf-8",
    "changes.js": "text/javascript; charset=utf-8",  # planned changes (docs/metrics.md)
    "dashboard.css": "text/css; charset=utf-8",
}

router = APIRouter(tags=["dashboard"])


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=True)
async def dashboard_page() -> HTMLResponse:
    """The dashboard page (its token comes from the sign-in box or `#token=` in the URL)."""
    return HTMLResponse((STATIC / "dashboard.html").read_text(encoding="utf-8"))


@router.get("/dashboard/assets/{name}", include_in_schema=False)
async def dashboard_asset(name: str) -> Response:
    """One of the page's scripts or its stylesheet."""
    if name not in ASSETS:
        return JSONResponse(
            {"error": "not_found", "detail": f"no asset {name!r}"}, status.HTTP_404_NOT_FOUND
        )
    return Response((STATIC / name).read_bytes(), media_type=ASSETS[name])
