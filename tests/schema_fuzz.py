"""Schemathesis against a service running in-process, on the real database and broker.

The app runs on the test's event loop; schemathesis and Hypothesis run in a worker thread and
hand each request to that loop over ASGI, so the app's pool never crosses loops (as
tests/integration/test_followup_no_server_errors.py does). Each drawn case gets a drawn
`Tweak` too: whose credentials it carries, a real repair's id in its path, a signature.
Bounded: a few examples per operation and mode.
"""

from __future__ import annotations

import asyncio
import json
import traceback
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.generation.case import Case

BASE_URL = "http://service"
Send = Callable[[dict[str, Any]], httpx.Response]


@dataclass(frozen=True)
class Tweak:
    """What a drawn case carries besides what schemathesis made of the document."""

    path: Mapping[str, str] = field(default_factory=dict)  # set where the operation has them
    headers: Mapping[str, str] = field(default_factory=dict)  # "" removes one
    body: Callable[[Any], Any] | None = None  # the JSON body (None if there is none) rewritten
    sign: Callable[[bytes], dict[str, str]] | None = None  # headers over the body sent

    def apply(self, case: Case[Any], base_url: str = BASE_URL) -> dict[str, Any]:
        known = case.path_parameters or {}
        chosen = {name: quote(value, safe="") for name, value in self.path.items() if name in known}
        case.path_parameters = {**known, **chosen}
        request = request_of(case, base_url)
        for name, value in self.headers.items():
            sent = request["headers"]
            for same in [n for n in sent if n.lower() == name.lower()]:
                del sent[same]
            if value:
                sent[name] = value
        if self.body is not None:
            rewritten = self.body(_json_or_none(request))
            if rewritten is not None:
                request.pop("data", None)
                request["content"] = json.dumps(rewritten).encode()
                request["headers"].setdefault("Content-Type", "application/json")
        if self.sign is not None:
            body = request.get("content", b"")
            signed = self.sign(body if isinstance(body, bytes) else body.encode())
            # schemathesis may have drawn the same header (a declared apiKey scheme) in
            # another case; a server reads the first of two, so the drawn one must go.
            sent = request["headers"]
            for same in [n for n in sent if n.lower() in {k.lower() for k in signed}]:
                del sent[same]
            sent.update(signed)
        return request


Tweaks = Callable[[Any], st.SearchStrategy[Tweak]]  # an operation's tweaks
# What is wrong with an answer, or None: a 5xx by default (GraphQL adds its masked errors).
Judge = Callable[[httpx.Response], str | None]


def server_error(answer: httpx.Response) -> str | None:
    if answer.status_code >= 500:
        return f"{answer.status_code} {answer.text[:500]}"
    return None


def _json_or_none(request: dict[str, Any]) -> Any:
    try:
        return json.loads(request.get("content") or b"null")
    except ValueError:
        return None


def request_of(case: Case[Any], base_url: str = BASE_URL) -> dict[str, Any]:
    """httpx's keyword arguments for a case (schemathesis speaks `requests`' dialect); a JSON
    body as bytes, so a tweak can sign exactly what is sent."""
    kwargs = case.as_transport_kwargs(base_url=base_url)
    request: dict[str, Any] = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "headers": dict(kwargs.get("headers") or {}),
        "params": kwargs.get("params") or {},
    }
    if "json" in kwargs:
        request["content"] = json.dumps(kwargs["json"]).encode()
        request["headers"].setdefault("Content-Type", "application/json")
    elif isinstance(kwargs.get("data"), bytes | str):
        request["content"] = kwargs["data"]
    elif kwargs.get("data") is not None:
        request["data"] = kwargs["data"]
    return request


def no_tweaks(_: Any) -> st.SearchStrategy[Tweak]:
    return st.just(Tweak())


def describe(request: dict[str, Any], outcome: str) -> str:
    body = request.get("content") or request.get("data") or b""
    shown = body[:300] if isinstance(body, bytes | str) else repr(body)[:300]
    return f"{request['method']} {request['url']} params={request['params']} body={shown!r} -> {outcome}"


@dataclass
class Report:
    """Every request that answered 5xx or crashed the app, with its answer or traceback; and
    how often each operation answered each status (so a test can show it reached handlers)."""

    failures: list[str] = field(default_factory=list)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)

    def answered(self, operation: str) -> set[int]:
        return {status for (label, status) in self.statuses if label == operation}


def fuzz(
    schema: Any,
    send: Send,
    *,
    examples: int,
    tweaks: Tweaks = no_tweaks,
    modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    judge: Judge = server_error,
    base_url: str = BASE_URL,
) -> Report:
    """Draw cases of every operation in every mode, send them, and report (GraphQL's
    operations go to `base_url` itself: give the endpoint's)."""
    report = Report()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in modes:
            try:
                _probe(operation, mode, send, examples, tweaks, judge, base_url, report)()
            except Unsatisfiable:
                continue  # no input of this operation can be broken (GET without parameters)
    return report


def _probe(
    operation: Any,
    mode: GenerationMode,
    send: Send,
    examples: int,
    tweaks: Tweaks,
    judge: Judge,
    base_url: str,
    report: Report,
) -> Callable[[], None]:
    """The Hypothesis test of one operation in one mode."""

    @given(case=operation.as_strategy(mode), tweak=tweaks(operation))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def probe(case: Case[Any], tweak: Tweak) -> None:
        request = tweak.apply(case, base_url)
        try:
            answer = send(request)
        except Exception:  # ASGITransport re-raises what the app did not catch
            report.failures.append(describe(request, traceback.format_exc(limit=-8)))
            return
        report.statuses[(operation.label, answer.status_code)] += 1
        wrong = judge(answer)
        if wrong is not None:
            report.failures.append(describe(request, wrong))

    result: Callable[[], None] = probe
    return result


async def fuzz_running(
    client: httpx.AsyncClient,
    schema: Any,
    *,
    examples: int,
    tweaks: Tweaks = no_tweaks,
    modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    judge: Judge = server_error,
    base_url: str = BASE_URL,
    timeout: float = 120,
) -> Report:
    """`fuzz` in a worker thread, each request sent through `client` on this loop."""
    loop = asyncio.get_running_loop()

    def send(request: dict[str, Any]) -> httpx.Response:
        future = asyncio.run_coroutine_threadsafe(client.request(**request), loop)
        return future.result(timeout=30)

    work = asyncio.to_thread(
        fuzz,
        schema,
        send,
        examples=examples,
        tweaks=tweaks,
        modes=modes,
        judge=judge,
        base_url=base_url,
    )
    return await asyncio.wait_for(work, timeout=timeout)
