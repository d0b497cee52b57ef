"""Benchmark: agreements opening repairs for incidents, as its incidents consumer does it.

    python -m bridgework.agreements.bench --batches 40 --batch-size 500

Creates a throwaway database on DATABASE_URL's server (migrated like the service's own
schema), builds synthetic IncidentReported events up front, then applies them in batches
exactly as the consumer does: one transaction per batch, the inbox claim first, then
`service.apply_incident_facts` (which inserts the incidents, looks up recurrence
candidates, opens and stores the repairs and enqueues their RepairOpened in the outbox).
No Kafka: decoding records and relaying the outbox are libs/common's and not measured.

A share of the incidents (`--recurring`) are about a few "hot" matters (same category,
same department pair), so recurrence links are found both in storage and within a batch;
the rest spread over `--departments` departments and every category, and recur now and
then. The clock moves one second per batch. `--recurring 1 --hot-matters 1` is what
bench/pipeline.py sends (every incident about the same matter).

Printed per incident, over the measured batches (the first `--warmup` are left out):
wall time, this process's CPU time (`time.process_time()`, and how much of it was in the
kernel), and the CPU time of the Postgres backend serving the one connection (read from
/proc/PID/schedstat when the server runs on this machine; wall minus both is waiting).
The prepared events are frozen out of the garbage collector's way (`gc.freeze()`): they
are the benchmark's, not the consumer's, and walking them inflated every figure.

`--breakdown` times each step (wall, CPU, Postgres CPU per incident); `--profile N` prints
a cProfile of the measured batches. Prints figures; asserts nothing. The machine is
shared: compare runs back to back, several times.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import gc
import os
import pstats
import random
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import asyncpg

from bridgework.agreements import domain, repository, service
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import ManualClock
from bridgework.common.contracts import (
    IncidentCategory,
    IncidentFacts,
    IncidentReportedV1,
    PersonRef,
    Severity,
    SourceRef,
)
from bridgework.common.events import Event
from bridgework.common.inbox import claim
from bridgework.common.postgres import Pool, create_pool, migrate

HOT_DEPARTMENTS = ("it", "finance", "hr", "estates", "legal", "marketing", "sales")
START = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
CONSUMER = "agreements.incidents"

T = TypeVar("T")


def incident(
    rng: random.Random, n: int, *, recurring: float, hot_matters: int, departments: int
) -> IncidentReportedV1:
    """One realistic incident; with probability `recurring` about one of a few hot matters,
    else between two (sometimes three) of `departments` departments, in any category."""
    if rng.random() < recurring:
        matter = rng.randrange(hot_matters)
        category = list(IncidentCategory)[matter % len(IncidentCategory)]
        mine, theirs = HOT_DEPARTMENTS[matter % 3], HOT_DEPARTMENTS[3 + matter % 4]
        extra: list[str] = []
    else:
        category = rng.choice(list(IncidentCategory))
        mine, theirs, third = (f"dept-{d}" for d in rng.sample(range(departments), 3))
        extra = [third] if rng.random() < 0.2 else []
    reported = START - timedelta(minutes=rng.randrange(60))
    return IncidentReportedV1(
        incident_id=uuid4(),
        department=mine,
        category=category,
        severity=rng.choice(list(Severity)),
        summary=f"Synthetic incident {n}: a change was made without telling those it hit.",
        occurred_at=reported - timedelta(hours=rng.randrange(48)),
        reported_at=reported,
        responsible=[PersonRef(person_id=f"p-{mine[:3]}-{rng.randrange(500)}", department=mine)],
        affected_people=[
            PersonRef(person_id=f"p-{theirs[:3]}-{rng.randrange(500)}", department=theirs)
        ],
        affected_departments=[theirs, *extra],
        source=SourceRef(tool="bench", reference=f"bench-{n}"),
    )


class Steps:
    """Wall and CPU time per step, measured by wrapping the functions the service calls."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.postgres: dict[str, float] = defaultdict(float)
        self.backend = 0
        self.on = False

    def timed(self, name: str, function: Callable[..., Awaitable[T]]) -> Callable[..., Any]:
        @functools.wraps(function)
        async def wrapper(*args: Any, **kwargs: Any) -> T:
            wall, cpu, postgres = time.perf_counter(), time.process_time(), self.backend_cpu()
            try:
                return await function(*args, **kwargs)
            finally:
                if self.on:
                    self.wall[name] += time.perf_counter() - wall
                    self.cpu[name] += time.process_time() - cpu
                    self.postgres[name] += self.backend_cpu() - postgres

        return wrapper

    def timed_sync(self, name: str, function: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                if self.on:
                    self.wall[name] += time.perf_counter() - wall
                    self.cpu[name] += time.process_time() - cpu

        return wrapper

    def install(self) -> None:
        for name in (
            "insert_new_incidents",
            "recurrence_candidates",
            "insert_repairs",
            "refresh_incidents",
        ):
            setattr(repository, name, self.timed(name, getattr(repository, name)))
        if hasattr(domain, "open_repairs"):  # absent from the code before this benchmark
            setattr(domain, "open_repairs", self.timed_sync("domain", domain.open_repairs))  # noqa: B010
        # The outbox's enqueue (libs/common), as the service module imported it.
        enqueue = getattr(service, "enqueue")  # noqa: B009 - imported there, not exported
        setattr(service, "enqueue", self.timed("outbox enqueue (common)", enqueue))  # noqa: B010

    def backend_cpu(self) -> float:
        return backend_cpu(self.backend) or 0.0


def backend_cpu(pid: int) -> float | None:
    """CPU seconds of a Postgres backend on this machine (ns resolution), None if unreadable."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


async def run(pool: Pool, args: argparse.Namespace, settings: AgreementsSettings) -> None:
    rng = random.Random(args.seed)  # noqa: S311 - synthetic data, not security
    total = args.batches + args.warmup
    batches = [
        [
            Event.new(
                incident(
                    rng,
                    b * args.batch_size + n,
                    recurring=args.recurring,
                    hot_matters=args.hot_matters,
                    departments=args.departments,
                ),
                source="/bench",
                time=START,
            )
            for n in range(args.batch_size)
        ]
        for b in range(total)
    ]
    # The prepared events are not the consumer's garbage: keep the collector from walking them.
    gc.collect()
    gc.freeze()
    clock = ManualClock(START)
    steps = Steps()
    inbox_claim = claim
    if args.breakdown:
        steps.install()
        inbox_claim = steps.timed("inbox claim (common)", claim)
    async with pool.acquire() as connection:
        backend: int = await connection.fetchval("SELECT pg_backend_pid()")
    steps.backend = backend
    profiler = cProfile.Profile() if args.profile else None
    wall = cpu = system = 0.0
    pg_start: float | None = None
    for number, events in enumerate(batches):
        measured = number >= args.warmup
        if measured and pg_start is None:
            pg_start = backend_cpu(backend)
            steps.on = True
            if profiler:
                profiler.enable()
        clock.advance(timedelta(seconds=1))
        started_wall, started_cpu = time.perf_counter(), time.process_time()
        started_system = os.times().system
        async with pool.acquire() as connection, connection.transaction():
            fresh_ids = await inbox_claim(
                connection, consumer=CONSUMER, event_ids=[e.id for e in events]
            )
            facts = [
                e.data for e in events if e.id in fresh_ids and isinstance(e.data, IncidentFacts)
            ]
            await service.apply_incident_facts(connection, facts, clock=clock, settings=settings)
        if measured:
            wall += time.perf_counter() - started_wall
            cpu += time.process_time() - started_cpu
            system += os.times().system - started_system
    if profiler:
        profiler.disable()
    pg_end = backend_cpu(backend)
    n = args.batches * args.batch_size
    async with pool.acquire() as connection:
        counts = await connection.fetchrow(
            "SELECT (SELECT count(*) FROM repairs) AS repairs,"
            " (SELECT count(*) FROM repairs WHERE recurrence_of <> '{}') AS recurrences,"
            " (SELECT count(*) FROM outbox) AS outbox"
        )
    print(f"stored: {dict(counts or {})}")
    print(
        f"{args.batches} batches of {args.batch_size} ({n} incidents, {args.recurring:.0%} about"
        f" {args.hot_matters} hot matters): {n / wall:,.0f} incidents/s"
    )
    pg = f"{(pg_end - pg_start) / n * 1e6:6.1f} us" if pg_start and pg_end else "   n/a"
    print(
        f"per incident: {wall / n * 1e6:6.1f} us wall, {cpu / n * 1e6:6.1f} us CPU (this process;"
        f" {system / n * 1e6:4.1f} us of it in the kernel), {pg} CPU (Postgres backend)"
    )
    if steps.wall:
        print(
            f"  {'everything else':<26} {(wall - sum(steps.wall.values())) / n * 1e6:6.1f} us wall"
            f" {(cpu - sum(steps.cpu.values())) / n * 1e6:6.1f} us CPU"
        )
    for name in steps.wall:
        print(
            f"  {name:<26} {steps.wall[name] / n * 1e6:6.1f} us wall"
            f" {steps.cpu[name] / n * 1e6:6.1f} us CPU {steps.postgres[name] / n * 1e6:6.1f} us"
            " Postgres"
        )
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=4)
    parser.add_argument("--recurring", type=float, default=0.3)
    parser.add_argument("--hot-matters", type=int, default=8)
    parser.add_argument("--departments", type=int, default=120, help="beside the hot matters'")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--breakdown", action="store_true", help="time each step")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="cProfile, top N")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", AgreementsSettings().database_url)
    name = f"bwbench_{uuid4().hex[:8]}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    settings = AgreementsSettings(database_url=dsn)
    pool = await create_pool(dsn, schema=settings.db_schema, max_size=1)
    try:
        await migrate(pool, schema=settings.db_schema, package="bridgework.agreements")
        await run(pool, args, settings)
    finally:
        await pool.close()
        for attempt in range(10):
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                break
            except asyncpg.InsufficientPrivilegeError:
                # An autovacuum worker is in it (FORCE may not end those): wait for it to go.
                await asyncio.sleep(1 + attempt)
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
