"""Every service's /docs (and /redoc) page, and the gateway's GraphiQL, render in headless
chromium with no network beyond loopback: their assets are the service's own, not a CDN's."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI, Request

from bridgework.agreements.app import create_app as agreements_app
from bridgework.followup.app import create_app as followup_app
from bridgework.followup.settings import FollowupSettings
from bridgework.graphql_gateway.app import create_app as gateway_app
from bridgework.intake.app import create_app as intake_app
from bridgework.intake.settings import IntakeSettings
from tests.agreements_factories import agreements_settings
from tests.browser import Elements, browse
from tests.gateway_factories import gateway_settings, token
from tests.infra import served

pytestmark = pytest.mark.e2e

SERVICES: dict[str, Callable[[], FastAPI]] = {
    "intake": lambda: intake_app(IntakeSettings(development_mode=True)),
    "agreements": lambda: agreements_app(agreements_settings()),
    "followup": lambda: followup_app(FollowupSettings(development_mode=True)),
    "graphql_gateway": lambda: gateway_app(gateway_settings()),
}


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_swagger_ui_renders_the_api_offline(service: str, chromium: str) -> None:
    app = SERVICES[service]()
    async with served(app) as base:
        dom = Elements()
        dom.feed(await browse(f"{base}/docs"))

    scripts = [a["src"] for a in dom.where("script") if "src" in a]
    assert scripts, "the page loads Swagger UI's script"
    assert all(src.startswith("/docs/assets/") for src in scripts), scripts
    operations = [a for t, a, _ in dom.found if "opblock-summary-path" in a.get("class", "")]
    assert operations, f"Swagger UI drew no operation of {service}'s API"


async def test_redoc_renders_the_api_offline(chromium: str) -> None:
    async with served(SERVICES["agreements"]()) as base:
        dom = Elements()
        dom.feed(await browse(f"{base}/redoc"))

    scripts = [a["src"] for a in dom.where("script") if "src" in a]
    assert scripts == ["/docs/assets/redoc.standalone.js"]
    headings = [" ".join(text) for tag, _, text in dom.found if tag == "h1"]
    assert any("Bridgework agreements" in h for h in headings), headings


async def test_graphiql_renders_offline_and_asks_the_gateway_for_its_schema(
    chromium: str,
) -> None:
    app = gateway_app(gateway_settings(development_mode=True))
    app.state.runtime = SimpleNamespace(pool=None)  # introspection reads no table
    asked: list[str] = []

    @app.middleware("http")
    async def note_graphql_posts(request: Request, call_next: Any) -> Any:
        if request.method == "POST" and request.url.path == "/graphql":
            asked.append(request.headers.get("authorization", ""))
        return await call_next(request)

    async with served(app) as base:
        dom = Elements()
        dom.feed(await browse(f"{base}/graphql#token={token()}"))

    scripts = [a["src"] for a in dom.where("script") if "src" in a]
    assert scripts
    assert all(src.startswith("/graphiql/assets/") for src in scripts), scripts
    assert [a for t, a, _ in dom.found if "graphiql-container" in a.get("class", "").split()]
    assert asked, "GraphiQL's script ran and fetched the schema from /graphql"
    assert all(value.startswith("Bearer ") for value in asked), "with the page's token"
