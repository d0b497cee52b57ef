"""The API's own documentation pages, served with their assets by the service itself.

FastAPI's default /docs and /redoc load their scripts from a public CDN: on a machine
without internet they stay blank. Swagger UI's and ReDoc's files come from the
`fastapi-offline` wheel instead (MIT; Swagger UI 5, which reads OpenAPI 3.1), so the pages
work wherever the service runs.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_PATH = "/docs/assets"
_ASSETS = files("fastapi_offline") / "static"


def install_api_docs(app: FastAPI, *, title: str) -> None:
    """Swagger UI at /docs and ReDoc at /redoc for the app's OpenAPI document, offline."""
    app.mount(ASSETS_PATH, StaticFiles(directory=str(_ASSETS)), name="api-docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    favicon = f"{ASSETS_PATH}/favicon.png"

    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title}: API",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=favicon,
        )

    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title}: API",
            redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=favicon,
            with_google_fonts=False,
        )

    app.add_api_route("/docs", swagger_ui, methods=["GET"], include_in_schema=False)
    app.add_api_route("/redoc", redoc, methods=["GET"], include_in_schema=False)
