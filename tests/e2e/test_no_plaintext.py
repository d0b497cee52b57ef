"""Issue 11's "Done when": after a demo run, no confidential plaintext anywhere at rest.

The four services run as processes (each as its own Postgres role, as in production), the
demo year is seeded as `make run` does (deploy/local/seed_demo.py, a reduced year) through
recording proxies, so the texts it sent in confidence are known whatever the story holds, and
a Jira delivery brings tool users no mapping names. Then every topic of the run's namespace
is read from offset 0 (keys, values, headers; dead-letter topics too), every table of every
schema is read whole (the `privacy` key store included), and the services' log lines of the
run are read (tests/e2e/plaintext_scan.py): none may hold a confidential text the demo sent
(answers, reasons, commitment actions, check-in comments) nor a tool's raw user id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from uuid import uuid4

import asyncpg
import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from fastapi import FastAPI, Request, Response

from tests.database_admin import admin_database_url
from tests.e2e.plaintext_scan import every_log_line, every_record, every_row, found
from tests.e2e.system import LOG_DIR, SERVICES, System
from tests.infra import (
    Infrastructure,
    create_database,
    delete_topics,
    drop_database,
    eventually,
    free_port,
    served,
)
from tests.intake_factories import jira_issue_event

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "deploy" / "local"
# The departments that report in the demo, each with its own intake token (as run.sh).
DEMO_DEPARTMENTS = ("it", "finance", "hr", "marketing", "estates", "legal")
# A reduced year: every kind of step the full one takes, in a few minutes.
DEMO_SCALE = 0.1
# The fields of the services' APIs that carry what people say (docs/privacy.md); everything
# under an incident's `answers` too.
CONFIDENTIAL_FIELDS = {"text", "reason", "action", "comment"}
MIN_NEEDLE = 12
HOP_BY_HOP = {"host", "content-length", "transfer-encoding", "connection", "content-encoding"}


@dataclass
class Run:
    """A demo run: the system, its database and namespace, the proxies in front of its
    services, what went through them, and where the services' logs began."""

    system: System
    database_url: str
    namespace: str
    proxies: dict[str, str]
    wire: Wire
    scratch: Path
    log_starts: dict[Path, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
async def run(
    infra: Infrastructure, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Run]:
    database_url = await create_database(infra)
    namespace = f"e2e{uuid4().hex[:8]}"
    system = System.configure(
        kafka=infra.kafka, database_url=database_url, namespace=namespace, own_roles=True
    )
    scratch = tmp_path_factory.mktemp("demo")
    mailbox = Controller(Mailbox(scratch / "mail"), hostname="127.0.0.1", port=free_port())
    wire = Wire()
    logs = [LOG_DIR / f"{name}.log" for name in SERVICES]
    starts = {log: log.stat().st_size if log.exists() else 0 for log in logs}
    async with contextlib.AsyncExitStack() as stack:
        proxies = {
            name: await stack.enter_async_context(
                served(recording_proxy(name, system.url(name), wire))
            )
            for name in SERVICES
        }
        for service in system.services.values():
            # As run.sh starts the demo: clocks a year back, mail to a local sink; check-in
            # links point at the recording proxy, so the comments the demo gives are seen.
            service.env |= {
                "BRIDGEWORK_TIME_TRAVEL": "true",
                "BRIDGEWORK_TIME_TRAVEL_START": "-P365D",
                "BRIDGEWORK_SMTP_HOST": "127.0.0.1",
                "BRIDGEWORK_SMTP_PORT": str(mailbox.port),
                "BRIDGEWORK_SMTP_SECURITY": "none",
                "BRIDGEWORK_PUBLIC_BASE_URL": proxies["followup"],
            }
        mailbox.start()
        stack.callback(mailbox.stop)
        try:
            # Agreements first: its role makes the privacy schema's tables, which follow-up and
            # the gateway refuse to start without (on a fresh database they could be first).
            first = system.services["agreements"]
            first.start()
            await first.wait_ready()
            others = [s for name, s in system.services.items() if name != "agreements"]
            for service in others:
                service.start()
            await asyncio.gather(*(service.wait_ready() for service in others))
            yield Run(system, database_url, namespace, proxies, wire, scratch, starts)
        finally:
            exit_codes = system.stop()
            await drop_database(infra, database_url)
            await delete_topics(infra.kafka, namespace)
    assert all(code in (0, -signal.SIGTERM) for code in exit_codes.values()), exit_codes


# --- what the demo says, recorded on the wire ---------------------------------------------------


@dataclass
class Wire:
    """Every request body the demo sent, by service: what it said is what it sent."""

    bodies: dict[str, list[tuple[str, bytes]]] = field(default_factory=dict)

    def confidential_texts(self) -> dict[str, set[str]]:
        """Each answer, reason, commitment action and check-in comment sent anywhere, and the
        answers of incidents reported to intake, by the field that carried them (long enough
        to be told apart from words)."""
        texts: dict[str, set[str]] = {}
        for service, sent in self.bodies.items():
            for _, body in sent:
                for kind, text in _confidential_values(_parsed(body), incident=service == "intake"):
                    if len(text) >= MIN_NEEDLE:
                        texts.setdefault(kind, set()).add(text)
        return texts

    def summaries(self) -> set[str]:
        """The incident summaries reported to intake (not confidential: they travel in clear)."""
        return {
            text
            for _, body in self.bodies.get("intake", [])
            for text in _values_named(_parsed(body), "summary")
        }


def _parsed(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return {name: values[0] for name, values in parse_qs(body.decode(errors="replace")).items()}


def _confidential_values(value: Any, *, incident: bool = False) -> Iterator[tuple[str, str]]:
    """(field, text) under the confidential fields; in an incident, its `answers` too."""
    if isinstance(value, dict):
        for name, inner in value.items():
            if isinstance(inner, str) and name in CONFIDENTIAL_FIELDS:
                yield name, inner
            elif incident and name == "answers" and isinstance(inner, dict):
                texts = (text for text in inner.values() if isinstance(text, str))
                yield from (("incident answer", text) for text in texts)
            else:
                yield from _confidential_values(inner, incident=incident)
    elif isinstance(value, list):
        for inner in value:
            yield from _confidential_values(inner, incident=incident)


def _values_named(value: Any, wanted: str) -> Iterator[str]:
    if isinstance(value, dict):
        for name, inner in value.items():
            if name == wanted and isinstance(inner, str):
                yield inner
            else:
                yield from _values_named(inner, wanted)
    elif isinstance(value, list):
        for inner in value:
            yield from _values_named(inner, wanted)


def recording_proxy(service: str, target: str, wire: Wire) -> FastAPI:
    """Forwards every request to `target` as it came, keeping its body on `wire`."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    client = httpx.AsyncClient(base_url=target, timeout=60)
    sent = wire.bodies.setdefault(service, [])

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def forward(request: Request) -> Response:
        body = await request.body()
        sent.append((request.url.path, body))
        headers = {k: v for k, v in request.headers.items() if k not in HOP_BY_HOP}
        answer = await client.request(
            request.method,
            request.url.path,
            params=request.query_params,
            content=body,
            headers=headers,
        )
        kept = {k: v for k, v in answer.headers.items() if k not in HOP_BY_HOP}
        return Response(answer.content, answer.status_code, kept)

    return app


# --- driving the run ----------------------------------------------------------------------------


def seed_the_demo(system: System, proxies: dict[str, str], scratch: Path) -> None:
    """deploy/local/seed_demo.py as run.sh runs it (a reduced year), through the proxies."""
    tokens = [f"--token={d}={system.intake_token(d)}" for d in DEMO_DEPARTMENTS]
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            str(DEMO / "seed_demo.py"),
            f"--intake-url={proxies['intake']}",
            f"--agreements-url={proxies['agreements']}",
            f"--followup-url={proxies['followup']}",
            f"--gateway-url={proxies['graphql_gateway']}",
            f"--scale={DEMO_SCALE}",
            f"--state-dir={scratch / 'state'}",
            f"--maildir={scratch / 'mail'}",
            *tokens,
        ],
        env=system.services["agreements"].env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, f"the demo failed:\n{done.stdout}\n{done.stderr}"


async def deliver_from_jira(system: System) -> dict[str, str]:
    """A Jira issue whose users no mapping names; their raw ids (and what else the tool says
    about them) by what they are."""
    raw = {
        "assignee account": f"557058:{uuid4()}",
        "reporter account": uuid4().hex[:24],
        "assignee name": f"assignee.{uuid4().hex[:8]}",
        "reporter name": f"reporter.{uuid4().hex[:8]}",
    }
    payload = jira_issue_event(description=None)
    fields = payload["issue"]["fields"]
    for role in ("assignee", "reporter"):
        user = fields[role]
        user |= {
            "accountId": raw[f"{role} account"],
            "displayName": raw[f"{role} name"],
            "emailAddress": f"{raw[f'{role} name']}@example.org",
        }
    fields["creator"] = fields["reporter"]
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{system.url('intake')}/v1/webhooks/jira/it",
            content=json.dumps(payload),
            headers={
                "content-type": "application/json",
                "authorization": f"Bearer {system.intake_token('it')}",
            },
        )
    assert response.status_code == 202, response.text
    return raw


async def wait_until_quiet(run: Run) -> None:
    """Every outbox drained and every consumer caught up, twice in a row."""
    admin = await asyncpg.connect(admin_database_url(run.database_url))
    quiet_rounds = 0

    async def quiet() -> bool:
        nonlocal quiet_rounds
        outboxes = await admin.fetch(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox'"
        )
        pending = 0
        for row in outboxes:
            pending += await admin.fetchval(f'SELECT count(*) FROM "{row[0]}".outbox')
        lag = 0
        async with httpx.AsyncClient(timeout=5) as client:
            for name in SERVICES:
                ready = (await client.get(f"{run.system.url(name)}/health/ready")).json()
                lag += sum(group["total"] for group in ready.get("consumers", {}).values())
        quiet_rounds = quiet_rounds + 1 if pending == 0 and lag == 0 else 0
        return quiet_rounds >= 2

    try:
        await eventually(quiet, timeout=120, interval=1.0)
    finally:
        await admin.close()


# --- the test -----------------------------------------------------------------------------------


async def test_a_demo_run_leaves_no_confidential_plaintext_anywhere(
    run: Run, infra: Infrastructure
) -> None:
    await asyncio.to_thread(seed_the_demo, run.system, run.proxies, run.scratch)
    raw_ids = await deliver_from_jira(run.system)
    await wait_until_quiet(run)
    secrets = run.wire.confidential_texts()
    summaries = run.wire.summaries()
    # Answers, reasons, commitment actions and check-in comments all went through.
    assert set(secrets) >= CONFIDENTIAL_FIELDS, f"the demo did not send each kind: {secrets}"
    assert summaries, "the demo reported no incident"

    records = await every_record(infra.kafka, run.namespace)
    rows = await every_row(run.database_url)
    logs = every_log_line(run.log_starts)
    everywhere = records + rows + logs

    # The scan finds what is there: incident summaries are not confidential and travel in
    # clear, and the Jira users arrived as keyed pseudonyms.
    summary = max(summaries, key=len)
    assert found(records, {"summary": summary}), "the scan must see the incidents topic"
    assert found(rows, {"summary": summary}), "the scan must see the tables"
    assert found(records, {"pseudonym": "u-jira-"}), "Jira's users must arrive, pseudonymous"

    needles = {f"{kind}: {text[:60]}": text for kind, texts in secrets.items() for text in texts}
    leaks = found(everywhere, needles)
    leaks += found(everywhere, raw_ids)
    assert leaks == [], "plaintext found:\n" + "\n".join(sorted(set(leaks)))
