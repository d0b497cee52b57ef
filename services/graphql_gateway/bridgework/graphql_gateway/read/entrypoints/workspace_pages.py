"""The people's pages: a facilitator's queue, a repair's story, a planned change, and my work.
Static HTML and vanilla JS that act only through /graphql with the person's token, like the
dashboard.

The pages and their assets hold no data, so they are served to anyone; a repair's page is
the same document for every id (its script reads the id from the path).
"""

from __future__ import annotations

from importlib import resources
from uuid import UUID

from fastapi import APIRouter, status
from fastapi.responses import HTMLResponse, JSONResponse, Response

STATIC = resources.files("bridgework.graphql_gateway.read.entrypoints") / "static"
ASSETS = {
    "workspace.js": "text/javascript; charset=utf-8",
    "queue.js": "text/javascript; charset=utf-8",
    "repair.js": "text/javascript; charset=utf-8",
    "repair-forms.js": "text/javascript; charset=utf-8",
    "me.js": "text/javascript; charset=utf-8",
    "change.js": "text/javascript; charset=utf-8",
    "change-forms.js": "text/javascript; charset=utf-8",
    "workspace.css": "text/css; charset=utf-8",
}

router = APIRouter(tags=["pages"])


def _page(name: str) -> HTMLResponse:
    return HTMLResponse((STATIC / name).read_text(encoding="utf-8"))


@router.get("/queue", response_class=HTMLResponse)
async def queue_page() -> HTMLResponse:
    """A facilitator's queue: repairs waiting for a facilitator, and their own by next step."""
    return _page("queue.html")


@router.get("/repairs/{repair_id}", response_class=HTMLResponse)
async def repair_page(repair_id: UUID) -> HTMLResponse:
    """A repair's story and the actions the viewer may take there."""
    return _page("repair.html")


@router.get("/changes/{change_id}", response_class=HTMLResponse)
async def change_page(change_id: UUID) -> HTMLResponse:
    """A planned change: its engagement with the departments it affects, and what the viewer
    may do there."""
    return _page("change.html")


@router.get("/me", response_class=HTMLResponse)
async def my_page() -> HTMLResponse:
    """A participant's view: my repairs, my commitments, what waits for my consent."""
    return _page("me.html")


@router.get("/pages/assets/{name}", include_in_schema=False)
async def page_asset(name: str) -> Response:
    """One of the pages' scripts or their stylesheet."""
    if name not in ASSETS:
        return JSONResponse(
            {"error": "not_found", "detail": f"no asset {name!r}"}, status.HTTP_404_NOT_FOUND
        )
    return Response((STATIC / name).read_bytes(), media_type=ASSETS[name])
