"""Benchmark: intake's acceptance path, in one process, against the real Postgres.

    python -m bench.intake --batches 20 --batch-size 500 --singles 300

Creates a throwaway database on DATABASE_URL's server, migrates intake's schema, makes one
department token and then measures, each phase after a warm-up:

- `validate`: the request body (bytes) to `BatchSubmission`, as FastAPI does it;
- `use case`: `accept` on already-validated submissions (the transaction with its
  advisory locks, look-ups, inserts and outbox rows): what the batch costs below HTTP;
- `raw topic`: batches of binary-mode CloudEvents records through common's batch consumer
  with intake's hook (`RawIncidents`), as the raw-topic subscriber hands them over (the
  records are made in memory: no Kafka, no offsets);
- `http batch (new)`: `POST /v1/incidents/batch` through the real app (routing, token check,
  validation, the use case, the receipt) over httpx's in-process ASGI transport;
- `http batch (duplicate)`: the same bodies once more: every item a duplicate;
- `http batch (new, 2 in flight)`: fresh batches, two requests at a time (as
  bench/pipeline.py --via intake sends them);
- `http batch (update)`: the first bodies with a new summary: every item an update;
- `http single`: `POST /v1/incidents` one at a time, with its latency percentiles.

Kafka is not needed: the outbox relay does not run (its rows stay in the throwaway
database), so the figures are intake's own. Wall is elapsed time, CPU is this process's
CPU (`time.process_time()`, the in-process HTTP client included); wall minus CPU is
roughly the wait on Postgres. It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
from faststream.kafka import KafkaBroker

from bench.support import per_item, percentiles, scratch_database, server_dsn, timed
from bridgework.common.clock import SystemClock
from bridgework.common.consumer import BatchConsumer
from bridgework.common.postgres import Pool
from bridgework.common.serve import tune_garbage_collector
from bridgework.intake.app import create_app
from bridgework.intake.domain.incidents import Item
from bridgework.intake.entrypoints.dependencies import pool_of
from bridgework.intake.entrypoints.events import CONSUMER, RawIncidents
from bridgework.intake.schemas import BatchSubmission
from bridgework.intake.settings import IntakeSettings
from bridgework.intake.use_cases.credentials import create_token
from bridgework.intake.use_cases.incidents import accept

DEFAULT_SERVER = "postgresql://bridgework:bridgework@127.0.0.1:5432/bridgework"


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


@dataclass(frozen=True)
class RawRecord:
    """What the raw-topic subscriber hands the consumer: aiokafka's record, in its parts."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


def raw_batches(batches: int, size: int, token: str, topic: str) -> list[list[RawRecord]]:
    """Binary-mode CloudEvents records carrying native submissions and the department's token."""
    out: list[list[RawRecord]] = []
    for b in range(batches):
        records = []
        for i in range(size):
            n = b * size + i
            headers = {
                "ce_specversion": "1.0",
                "ce_id": str(uuid4()),
                "ce_source": "/it/monitoring",
                "ce_type": "bridgework.intake.incident.v1",
                "ce_bridgeworktoken": token,
                "content-type": "application/json",
            }
            records.append(
                RawRecord(
                    topic=topic,
                    partition=0,
                    offset=n,
                    key=str(n).encode(),
                    value=json.dumps(submission(n)).encode(),
                    headers=[(name, value.encode()) for name, value in headers.items()],
                )
            )
        out.append(records)
    return out


def bench_validation(batches: int, size: int) -> str:
    raw = batch_payloads(batches, size)
    wall, cpu = time.perf_counter(), time.process_time()
    for body in raw:
        BatchSubmission.model_validate(json.loads(body))
    elapsed, used = time.perf_counter() - wall, time.process_time() - cpu
    return per_item("validate (json+model)", batches * size, elapsed, used)


async def bench_use_case(pool: Pool, settings: IntakeSettings, batches: int, size: int) -> str:
    clock = SystemClock()
    wall = cpu = 0.0
    for index, payload in enumerate(batch_payloads(batches + 1, size)):
        items = [Item(s) for s in BatchSubmission.model_validate_json(payload).incidents]
        started, cpu_started = time.perf_counter(), time.process_time()
        await accept(pool=pool, clock=clock, settings=settings, items=items)
        if index:  # the first is the warm-up
            wall += time.perf_counter() - started
            cpu += time.process_time() - cpu_started
    return per_item("use case (new)", batches * size, wall, cpu)


async def bench_raw_topic(
    pool: Pool, settings: IntakeSettings, token: str, batches: int, size: int
) -> str:
    consumer = BatchConsumer(
        name=CONSUMER,
        pool=pool,
        broker=KafkaBroker(settings.kafka_bootstrap_servers),  # never started: no dead letters
        hook=RawIncidents(pool=pool, clock=SystemClock(), settings=settings),
        max_attempts=settings.consumer_max_attempts,
    )
    fetched = raw_batches(batches + 1, size, token, settings.topics.intake_raw)
    await consumer.handle(fetched[0])  # warm-up

    async def consume() -> None:
        for records in fetched[1:]:
            await consumer.handle(records)

    wall, cpu = await timed(consume)
    if consumer.applied != (batches + 1) * size or consumer.dead_lettered:
        raise RuntimeError(f"raw records not all accepted: {consumer.applied} applied")
    return per_item("raw topic (new)", batches * size, wall, cpu)


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
    out.append(per_item("http batch (new)", batches * size, wall, cpu))
    wall, cpu = await timed(lambda: post_batches(encoded[1:]))
    out.append(per_item("http batch (duplicate)", batches * size, wall, cpu))
    queue = iter(batch_payloads(batches, size))

    async def two_in_flight() -> None:
        await asyncio.gather(post_batches(queue), post_batches(queue))

    wall, cpu = await timed(two_in_flight)
    out.append(per_item("http batch (new, 2 in flight)", batches * size, wall, cpu))
    updates = [changed(payload) for payload in encoded[1:]]
    wall, cpu = await timed(lambda: post_batches(updates))
    out.append(per_item("http batch (update)", batches * size, wall, cpu))

    single_bodies = [json.dumps(submission(n)).encode() for n in range(singles + 20)]
    for payload in single_bodies[:20]:
        await client.post("/v1/incidents", content=payload, headers=headers)
    latencies: list[float] = []

    async def post_singles() -> None:
        for payload in single_bodies[20:]:
            start = time.perf_counter()
            response = await client.post("/v1/incidents", content=payload, headers=headers)
            latencies.append(time.perf_counter() - start)
            if response.status_code != 202:
                raise RuntimeError(f"single refused: {response.status_code} {response.text[:500]}")

    wall, cpu = await timed(post_singles)
    out.append(per_item("http single", singles, wall, cpu))
    out.append(f"{'http single latency':<32} {percentiles(latencies)}")
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--singles", type=int, default=300)
    parser.add_argument("--only", choices=("use-case", "validate", "raw", "http"), default=None)
    parser.add_argument(
        "--no-freeze", action="store_true", help="leave the garbage collector as Python starts it"
    )
    args = parser.parse_args()
    base = IntakeSettings(database_url=server_dsn(DEFAULT_SERVER))
    async with scratch_database(
        base.database_url, schema=base.db_schema, migrations_package="bridgework.intake", max_size=4
    ) as (dsn, pool):
        # A benchmark is one caller sending far more than a person would: no rate limit.
        settings = IntakeSettings(database_url=dsn, rate_limit_per_minute=0)
        _, token = await create_token(pool=pool, clock=SystemClock(), department="it", label="b")
        if not args.no_freeze:
            tune_garbage_collector()  # as `python -m bridgework.intake` does at start
        results: list[str] = []
        if args.only in (None, "validate"):
            results.append(bench_validation(args.batches, args.batch_size))
        if args.only in (None, "use-case"):
            results.append(await bench_use_case(pool, settings, args.batches, args.batch_size))
        if args.only in (None, "raw"):
            results.append(
                await bench_raw_topic(pool, settings, token, args.batches, args.batch_size)
            )
        if args.only in (None, "http"):
            # httpx's ASGI transport tries `import sniffio` on every request; it is not
            # installed, and the failed import (a path search) would be measured too.
            sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]
            app = create_app(settings)
            if not args.no_freeze:
                tune_garbage_collector()  # again: the app is made now, and lives as long
            # No lifespan (no broker, no relay: Kafka not needed); the routes get this pool.

            async def the_pool() -> Pool:
                return pool

            app.dependency_overrides[pool_of] = the_pool
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
                results += await bench_http(
                    client, token, args.batches, args.batch_size, args.singles
                )
        print(f"intake acceptance, batches of {args.batch_size} ({args.batches} timed batches)")
        for result in results:
            print(result)


if __name__ == "__main__":
    asyncio.run(main())
