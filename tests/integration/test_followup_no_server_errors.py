"""Property: whatever schemathesis makes of follow-up's own OpenAPI document, valid requests
and broken ones, the answer is never a 5xx.

The service runs in-process on the real database and broker, on this test's event loop;
schemathesis and Hypothesis run in a worker thread and hand each request to that loop over
ASGI, so the app's pool never crosses loops. Bounded: a few examples per operation and mode.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.generation.case import Case

from bridgework.common.clock import ManualClock
from bridgework.followup.app import create_app
from tests.followup_factories import MONDAY, followup_settings
from tests.infra import Infrastructure, running

pytestmark = [
    pytest.mark.integration,
    # schemathesis' own negative strategies draw from `random`: its matter, not this test's.
    pytest.mark.filterwarnings(
        "ignore:Do not use the `random` module:hypothesis.errors.HypothesisDeprecationWarning"
    ),
]

BASE_URL = "http://service"
EXAMPLES = 12  # per operation and mode: enough to reach odd bodies, well under a minute
# The check-in link is the one way in without a login: probe its token harder, also with
# token-shaped text (`<payload>.<signature>`) of any characters, which a plain string
# rarely is (a dot and a non-ASCII letter together once answered 500).
CHECK_IN_EXAMPLES = 100
_ANY = st.characters(exclude_categories=["Cs"], exclude_characters="/")
TOKENS = st.builds(
    "{}.{}".format, st.text(_ANY, min_size=1, max_size=40), st.text(_ANY, min_size=1, max_size=60)
)
Send = Callable[[dict[str, Any]], int]


def _request(case: Case[Any]) -> dict[str, Any]:
    """httpx's keyword arguments for a case (schemathesis speaks `requests`' dialect)."""
    kwargs = case.as_transport_kwargs(base_url=BASE_URL)
    request: dict[str, Any] = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "headers": kwargs.get("headers") or {},
        "params": kwargs.get("params") or {},
    }
    if "json" in kwargs:
        request["json"] = kwargs["json"]
    elif isinstance(kwargs.get("data"), bytes | str):
        request["content"] = kwargs["data"]
    elif kwargs.get("data") is not None:
        request["data"] = kwargs["data"]
    return request


def _with_token(drawn: tuple[Case[Any], str | None]) -> Case[Any]:
    """The case, with a token-shaped path parameter where one was drawn."""
    case, token = drawn
    if token is not None:
        # Percent-encoded as a client would send it; the server decodes it again.
        case.path_parameters = {**(case.path_parameters or {}), "token": quote(token, safe="")}
    return case


def _fuzz(schema: Any, send: Send) -> list[str]:
    """Every request that answered 5xx or crashed the app, as `METHOD url -> what`."""
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        check_in = operation.path.startswith("/v1/check-ins/")
        examples = CHECK_IN_EXAMPLES if check_in else EXAMPLES
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            cases = operation.as_strategy(mode)
            if check_in:
                cases = st.tuples(cases, st.none() | TOKENS).map(_with_token)

            @given(case=cases)
            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def probe(case: Case[Any]) -> None:
                request = _request(case)
                try:
                    status = str(send(request))
                except Exception as error:  # ASGITransport re-raises what the app did not catch
                    status = f"raised {type(error).__name__}: {error}"
                if not status.isdigit() or int(status) >= 500:
                    failures.append(f"{request['method']} {request['url']} -> {status}")

            try:
                probe()
            except Unsatisfiable:
                continue  # no input of this operation can be broken (GET without parameters)
    return failures


async def test_no_request_made_from_followups_openapi_document_answers_a_server_error(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    settings_ = followup_settings(infra, database_url, namespace)

    async with running(create_app(settings_, ManualClock(MONDAY))) as followup:
        document = (await followup.get("/openapi.json")).json()
        schema = schemathesis.openapi.from_dict(document)
        loop = asyncio.get_running_loop()

        def send(request: dict[str, Any]) -> int:
            answer: httpx.Response = asyncio.run_coroutine_threadsafe(
                followup.request(**request), loop
            ).result(timeout=30)
            return answer.status_code

        failures = await asyncio.wait_for(asyncio.to_thread(_fuzz, schema, send), timeout=120)

    assert failures == []
