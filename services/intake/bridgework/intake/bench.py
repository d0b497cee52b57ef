"""Benchmark: intake's acceptance path, in one process, against the real Postgres.

    python -m bridgework.intake.bench --batches 20 --batch-size 500 --singles 300

Creates a throwaway database on DATABASE_URL's server, migrates intake's schema, makes one
department token and then measures, each phase after a warm-up:

- `use case`: `service.accept` on already-validated submissions (the transaction with its
  advisory locks, look-ups, inserts and outbox rows): what the batch costs below HTTP;
- `validate`: the request body (bytes) to `BatchSubmission`, as FastAPI does it;
- `http batch (new)`: `POST /v1/incidents/batch` through the real app (routing, token check,
  validation, the use case, the receipt) over httpx's in-process ASGI transport;
- `http batch (duplicate)`: the same bodies once more: every item a duplicate;
- `http batch (new, 2 in flight)`: fresh batches, two requests at a time (as
  bench/pipeline.py --via intake sends them);
- `http batch (update)`: the first bodies with a new summary: every item an update;
- `http single`: `POST /v1/incidents` one at a time, with p50/p99 latency.

Kafka is not needed: the outbox relay does not run (its rows stay in the throwaway
database), so the figures are intake's own. Wall is elapsed time, CPU is this process's
CPU (`time.process_time()`, the in-process HTTP client included); wall minus CPU is
roughly the wait on Postgres. It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import asyncpg
import httpx

from bridgework.common.clock import SystemClock
from bridgework.common.postgres import Pool, create_pool, migrate
from bridgework.common.runtime import Runtime
from bridgework.intake import service
from bridgework.intake.api import BatchSubmission
from bridgework.intake.app import create_app
from bridgework.intake.service import Item
from bridgework.intake.settings import IntakeSettings


def submission(n: int, *, summary: str | None = None) -> dict[str, Any]:
    """A native submission like the pipeline benchmark's (tests/factories.submission_json)."""
    return {
        "department": "it",
        "category": "access_restriction",
        "severity": "high",
        "summary": summary or f"USB ports were locked on every laptop without notice ({n}).",
        "occurred_at": "2026-11-02T09:30:00+00:00",
        "responsible": [{"person_id": "p-it-7", "department": "it"}],
        "affected_people": [{"person_id": "p-fin-2", "department": "finance"}],
        "affected_departments": ["finance"],
        "source": {"tool": "native", "reference": str(uuid4())},
    }


def batch_payloads(batches: int, size: int) -> list[bytes]:
    """Request bodies of `batches` batches, encoded up front (bytes: nothing for the garbage
    collector to walk, so the benchmark's own heap does not inflate the figures)."""
    return [
        json.dumps({"incidents": [submission(b * size + i) for i in range(size)]}).encode()
        for b in range(batches)
    ]


def changed(payload: bytes) -> bytes:
    """The same items with another summary: each one an update."""
    document = json.loads(payload)
    for item in document["incidents"]:
        item["summary"] += " Changed."
    return json.dumps(document).encode()


def line(name: str, items: int, wall: float, cpu: float) -> str:
    return (
        f"{name:<29} {items:>7} items  wall {wall / items * 1e6:7.1f} us/item"
        f"  cpu {cpu / items * 1e6:7.1f} us/item  ({items / wall:8,.0f}/s wall)"
    )


async def timed(step: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    await step()
    return time.perf_counter() - wall, time.process_time() - cpu


async def bench_use_case(pool: Pool, settings: IntakeSettings, batches: int, size: int) -> str:
    clock = SystemClock()
    wall = cpu = 0.0
    for index, payload in enumerate(batch_payloads(batches + 1, size)):
        items = [Item(s) for s in BatchSubmission.model_validate_json(payload).incidents]
        started, cpu_started = time.perf_counter(), time.process_time()
        await service.accept(pool=pool, clock=clock, settings=settings, items=items)
        if index:  # the first is the warm-up
            wall += time.perf_counter() - started
            cpu += time.process_time() - cpu_started
    return line("use case (new)", batches * size, wall, cpu)


def bench_validation(batches: int, size: int) -> str:
    raw = batch_payloads(batches, size)
    wall, cpu = time.perf_counter(), time.process_time()
    for body in raw:
        BatchSubmission.model_validate(json.loads(body))
    return line("validate (json+model)", batches * size, time.perf_counter() - wall,
                time.process_time() - cpu)  # fmt: skip


async def bench_http(
    client: httpx.AsyncClient, token: str, batches: int, size: int, singles: int
) -> list[str]:
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    encoded = batch_payloads(batches + 1, size)

    async def post_batches(payloads: Iterable[bytes]) -> None:
        for payload in payloads:
            response = await client.post("/v1/incidents/batch", content=payload, headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"batch refused: {response.status_code} {response.text[:500]}")

    await post_batches(encoded[:1])  # warm-up
    out = []
    wall, cpu = await timed(lambda: post_batches(encoded[1:]))
    out.append(line("http batch (new)", batches * size, wall, cpu))
    wall, cpu = await timed(lambda: post_batches(encoded[1:]))
    out.append(line("http batch (duplicate)", batches * size, wall, cpu))
    queue = iter(batch_payloads(batches, size))

    async def two_in_flight() -> None:
        await asyncio.gather(post_batches(queue), post_batches(queue))

    wall, cpu = await timed(two_in_flight)
    out.append(line("http batch (new, 2 in flight)", batches * size, wall, cpu))
    updates = [changed(payload) for payload in encoded[1:]]
    wall, cpu = await timed(lambda: post_batches(updates))
    out.append(line("http batch (update)", batches * size, wall, cpu))

    single_bodies = [json.dumps(submission(n)).encode() for n in range(singles + 20)]
    for payload in single_bodies[:20]:
        await client.post("/v1/incidents", content=payload, headers=headers)
    latencies: list[float] = []
    wall, cpu = time.perf_counter(), time.process_time()
    for payload in single_bodies[20:]:
        start = time.perf_counter()
        response = await client.post("/v1/incidents", content=payload, headers=headers)
        latencies.append((time.perf_counter() - start) * 1000)
        if response.status_code != 202:
            raise RuntimeError(f"single refused: {response.status_code} {response.text[:500]}")
    out.append(line("http single", singles, time.perf_counter() - wall, time.process_time() - cpu))
    cuts = statistics.quantiles(latencies, n=100)
    out.append(
        f"{'http single latency':<29} p50 {cuts[49]:.2f} ms  p99 {cuts[98]:.2f} ms"
        f"  max {max(latencies):.2f} ms"
    )
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--singles", type=int, default=300)
    parser.add_argument("--only", choices=("use-case", "validate", "http"), default=None)
    parser.add_argument(
        "--no-freeze", action="store_true", help="leave the garbage collector as Python starts it"
    )
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL")
    if not base:
        raise SystemExit('DATABASE_URL is not set: eval "$(deploy/local/infra.sh up)" first')
    name = f"bwbench_intake_{uuid4().hex[:8]}"
    admin = await asyncpg.connect(base)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = urlunsplit(urlsplit(base)._replace(path=f"/{name}"))
    settings = IntakeSettings(database_url=dsn)
    pool = await create_pool(dsn, schema=settings.db_schema, max_size=4)
    try:
        await migrate(pool, schema=settings.db_schema, package="bridgework.intake")
        _, token = await service.create_token(pool, clock=SystemClock(), department="it", label="b")
        results: list[str] = []
        if args.only in (None, "validate"):
            results.append(bench_validation(args.batches, args.batch_size))
        if args.only in (None, "use-case"):
            results.append(await bench_use_case(pool, settings, args.batches, args.batch_size))
        if args.only in (None, "http"):
            # httpx's ASGI transport tries `import sniffio` on every request; it is not
            # installed, and the failed import (a path search) costs more than some of
            # what is measured here. Not part of intake: make it fail fast.
            sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]
            app = create_app(settings)
            if not args.no_freeze:
                gc.collect()
                gc.freeze()  # as `python -m bridgework.intake` does once the app is made
            # No lifespan: the app gets the pool only (no broker, no relay: Kafka not needed).
            app.state.runtime = cast(Runtime, _PoolOnly(settings, pool))
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
                results += await bench_http(
                    client, token, args.batches, args.batch_size, args.singles
                )
        print(f"intake acceptance, batches of {args.batch_size} ({args.batches} timed batches)")
        for result in results:
            print(result)
    finally:
        await pool.close()
        await _drop(admin, name)
        await admin.close()


async def _drop(admin: asyncpg.Connection[asyncpg.Record], name: str) -> None:
    # An autovacuum worker may still be in the database, and FORCE may not end it: retry.
    for _ in range(50):
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except (asyncpg.InsufficientPrivilegeError, asyncpg.ObjectInUseError):
            await asyncio.sleep(0.2)
    print(f"could not drop database {name}; drop it by hand")


class _PoolOnly:
    """What intake's routes use of the Runtime: its settings and pool."""

    def __init__(self, settings: IntakeSettings, pool: Pool) -> None:
        self.settings = settings
        self.pool = pool


if __name__ == "__main__":
    asyncio.run(main())
