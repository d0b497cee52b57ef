"""The dashboard page in a real headless browser (Debian's chromium), drawing real data.

The gateway runs under uvicorn on a free port with the hand-made organisation of
tests/gateway_factories.py in its read model; chromium opens /dashboard with a change
team token, runs the page's JavaScript against /graphql and dumps the DOM it built.
Install the browser once with deploy/local/browser.sh (apt: chromium, chromium-driver).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bridgework.common.clock import ManualClock
from bridgework.graphql_gateway.app import create_app
from tests.browser import Elements, browse
from tests.gateway_factories import gateway_settings, organisation, token
from tests.gateway_read_model import fold_into
from tests.infra import Infrastructure, create_database, drop_database, free_port, served

pytestmark = pytest.mark.e2e


@pytest.fixture
async def dashboard_url(infra: Infrastructure) -> AsyncIterator[str]:
    """The gateway serving the organisation of November 2026, with the clock on 2 December."""
    database_url = await create_database(infra)
    org = organisation()
    settings = gateway_settings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=f"tbrowser{free_port()}",
    )
    app = create_app(settings, clock=ManualClock(org.now))
    try:
        async with served(app, lifespan=True) as base:
            await fold_into(database_url, org.events())
            yield f"{base}/dashboard#token={token()}"
    finally:
        await drop_database(infra, database_url)


def is_bar(attributes: dict[str, str]) -> bool:
    # Bars are drill-down buttons too (class "bar drillable").
    return "bar" in attributes.get("class", "").split()


async def test_the_dashboard_draws_every_chart_from_the_graphql_api(
    chromium: str, dashboard_url: str
) -> None:
    dom = Elements()
    dom.feed(await browse(dashboard_url))

    body = dom.where("body")[0]
    assert body.get("data-state") == "ready", body
    # The social discipline window: A and B with, C to, D not (its window passed).
    window = {a["data-key"]: int(a["data-value"]) for a in dom.inside("window", "rect")}
    assert window == {"with": 2, "to": 1, "for": 0, "not": 1}
    # Agreement completion: one kept on time (C), one kept late (A), one lapsed (B).
    completion = {
        a["data-key"]: int(a["data-value"])
        for a in dom.inside("completion", "rect")
        if "data-key" in a
    }
    assert completion == {"kept_on_time": 1, "kept_late": 1, "lapsed": 1}
    # The relationship map: four strained pairs among five departments.
    edges = {
        a["data-key"]: (int(a["data-value"]), a["data-status"])
        for a in dom.inside("relationships", "line")
    }
    assert edges == {
        "estates|it": (1, "mending"),
        "finance|hr": (1, "mending"),
        "finance|it": (2, "mending"),
        "it|marketing": (1, "unrepaired"),
    }
    assert len(dom.inside("relationships", "circle")) == 5
    # Trends: two shadow IT incidents; response modes drawn as columns per week.
    [trend] = dom.inside("shadow-trend", "polyline")
    assert trend["data-total"] == "2"
    mode_bars = dom.inside("mode-trend", "rect")
    assert sum(int(a["data-value"]) for a in mode_bars if is_bar(a)) == 4
    assert any(is_bar(a) for a in dom.inside("completion-trend", "rect"))
    # Figures: 2 of 3 settled agreements kept in full; 4 repairs with a response, 2 WITH.
    assert dom.figure("agreements-kept") == "67%"
    assert dom.figure("restorative-rate") == "50%"
    assert dom.figure("repairs-opened") == "5"


async def test_the_dashboard_asks_for_a_sign_in_without_a_token(
    chromium: str, dashboard_url: str
) -> None:
    dom = Elements()
    dom.feed(await browse(dashboard_url.split("#")[0]))

    assert dom.where("body")[0].get("data-state") == "signed-out"
    assert dom.where("section", id="signin")[0].get("hidden") is None
