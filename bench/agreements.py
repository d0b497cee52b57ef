"""Benchmark: agreements opening repairs for incidents, as its incidents consumer does it.

    python -m bench.agreements --batches 40 --batch-size 500

Creates a throwaway database on DATABASE_URL's server (migrated like the service's own
schema), builds synthetic IncidentReported events up front, then applies them in batches
exactly as the consumer does: one transaction per batch, the inbox claim first, then the
subscriber's `on_incident_facts` (the use case `open_repairs_for_incidents`: it inserts the
incidents, looks up recurrence candidates, opens and stores the repairs and enqueues their
RepairOpened in the outbox). No Kafka: decoding records and relaying the outbox are
libs/common's and not measured here (bench.plumbing measures them).

A share of the incidents (`--recurring`) are about a few "hot" matters (same category,
same department pair), so recurrence links are found both in storage and within a batch;
the rest spread over `--departments` departments and every category, and recur now and
then. The clock moves one second per batch. `--recurring 1 --hot-matters 1` is what
bench/pipeline.py sends (every incident about the same matter).

Printed per incident, over the measured batches (the first `--warmup` are left out):
wall time, this process's CPU time (and how much of it was in the kernel), and the CPU
time of the Postgres backend serving the one connection (read from /proc when the server
runs on this machine; wall minus both is waiting). The prepared events are frozen out of
the garbage collector's way (`gc.freeze()`): they are the benchmark's, not the consumer's.

`--breakdown` profiles the measured batches and prints each step's share of this process's
time (cProfile slows everything down: read the shares, not the absolute figures);
`--profile N` prints the N functions that took the most time themselves. Prints figures;
asserts nothing. The machine is shared: compare runs back to back, several times.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import pstats
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from bench.support import (
    backend_cpu,
    backend_pid,
    per_item,
    scratch_database,
    server_dsn,
)
from bridgework.agreements.entrypoints.events import on_incident_facts
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import ManualClock
from bridgework.common.contracts import (
    Contract,
    IncidentCategory,
    IncidentReportedV1,
    PersonRef,
    Severity,
    SourceRef,
)
from bridgework.common.events import Event
from bridgework.common.inbox import claim
from bridgework.common.postgres import Pool

HOT_DEPARTMENTS = ("it", "finance", "hr", "estates", "legal", "marketing", "sales")
START = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
CONSUMER = "agreements.incidents"
# The steps of opening repairs for a batch, as cProfile names their functions.
STEPS = (
    ("inbox claim (common)", "inbox.py", "claim"),
    ("insert incidents", "incidents.py", "insert_new_incidents"),
    ("recurrence candidates", "repairs.py", "recurrence_candidates"),
    ("domain: open repairs", "opening.py", "open_repairs"),
    ("insert repairs", "repairs.py", "insert_repairs"),
    ("outbox enqueue (common)", "outbox.py", "enqueue"),
    ("refresh incidents", "incidents.py", "refresh_incidents"),
)


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


def prepared_batches(args: argparse.Namespace) -> list[list[Event[Contract]]]:
    """Every batch of IncidentReported events, built before anything is measured."""
    rng = random.Random(args.seed)  # noqa: S311 - synthetic data, not security
    return [
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
        for b in range(args.batches + args.warmup)
    ]


async def apply_batch(
    pool: Pool,
    events: list[Event[Contract]],
    *,
    settings: AgreementsSettings,
    clock: ManualClock,
) -> None:
    """What the incidents consumer does with one batch: claim, apply, one transaction."""
    async with pool.acquire() as connection, connection.transaction():
        fresh = await claim(connection, consumer=CONSUMER, event_ids=[e.id for e in events])
        await on_incident_facts(
            connection, [e for e in events if e.id in fresh], settings=settings, clock=clock
        )


async def run(pool: Pool, args: argparse.Namespace, settings: AgreementsSettings) -> None:
    batches = prepared_batches(args)
    # The prepared events are not the consumer's garbage: keep the collector from walking them.
    gc.collect()
    gc.freeze()
    clock = ManualClock(START)
    backend = await backend_pid(pool)
    profiler = cProfile.Profile() if args.profile or args.breakdown else None
    wall = cpu = system = 0.0
    pg_start: float | None = None
    for number, events in enumerate(batches):
        measured = number >= args.warmup
        if measured and pg_start is None:
            pg_start = backend_cpu(backend)
            if profiler:
                profiler.enable()
        clock.advance(timedelta(seconds=1))
        started_wall, started_cpu = time.perf_counter(), time.process_time()
        started_system = os.times().system
        await apply_batch(pool, events, settings=settings, clock=clock)
        if measured:
            wall += time.perf_counter() - started_wall
            cpu += time.process_time() - started_cpu
            system += os.times().system - started_system
    if profiler:
        profiler.disable()
    pg_end = backend_cpu(backend)
    await print_figures(pool, args, wall=wall, cpu=cpu, system=system, pg=(pg_start, pg_end))
    if profiler and args.breakdown:
        print_breakdown(pstats.Stats(profiler))
    if profiler and args.profile:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)


async def print_figures(
    pool: Pool,
    args: argparse.Namespace,
    *,
    wall: float,
    cpu: float,
    system: float,
    pg: tuple[float | None, float | None],
) -> None:
    """What was stored, and the figures per incident."""
    n = args.batches * args.batch_size
    counts = await pool.fetchrow(
        "SELECT (SELECT count(*) FROM repairs) AS repairs,"
        " (SELECT count(*) FROM repairs WHERE recurrence_of <> '{}') AS recurrences,"
        " (SELECT count(*) FROM outbox) AS outbox"
    )
    print(f"stored: {dict(counts or {})}")
    print(
        f"{args.batches} batches of {args.batch_size} ({n} incidents, {args.recurring:.0%} about"
        f" {args.hot_matters} hot matters): {n / wall:,.0f} incidents/s"
    )
    pg_start, pg_end = pg
    postgres = f"{(pg_end - pg_start) / n * 1e6:6.1f} us" if pg_start and pg_end else "   n/a"
    print(
        f"per incident: {wall / n * 1e6:6.1f} us wall, {cpu / n * 1e6:6.1f} us CPU (this process;"
        f" {system / n * 1e6:4.1f} us of it in the kernel), {postgres} CPU (Postgres backend)"
    )
    print(per_item("opening repairs", n, wall, cpu))


def print_breakdown(stats: pstats.Stats) -> None:
    """Each step's share of this process's profiled time (cumulative, awaits excluded)."""
    # pstats keeps its table as an attribute without a public accessor.
    table: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    total = stats.total_tt  # type: ignore[attr-defined]
    counted = 0.0
    for label, file_name, function in STEPS:
        spent = sum(
            row[3]
            for (path, _, name), row in table.items()
            if name == function and path.endswith(file_name)
        )
        counted += spent
        print(f"  {label:<26} {spent / total:6.1%} of the profiled time")
    print(f"  {'the rest':<26} {(total - counted) / total:6.1%} (events, pool, transaction, gc)")


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
    parser.add_argument("--breakdown", action="store_true", help="each step's share (cProfile)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="cProfile, top N")
    args = parser.parse_args()
    schema = AgreementsSettings().db_schema
    async with scratch_database(
        server_dsn(AgreementsSettings().database_url),
        schema=schema,
        migrations_package="bridgework.agreements",
    ) as (dsn, pool):
        await run(pool, args, AgreementsSettings(database_url=dsn))


if __name__ == "__main__":
    asyncio.run(main())
