"""Benchmark: what follow-up's repairs consumer costs per event, and its loops while idle.

    python -m bridgework.followup.bench --batches 20 --batch-size 500 [--profile PHASE]

Creates a throwaway database on DATABASE_URL's server and applies synthetic repair events
through the very function the repairs consumer runs (`handlers.repair_events_applier`), in
the same kind of transaction as `BatchConsumer` (the inbox claim included), batch by batch.
Phases, each over fresh batches of `--batch-size` events:

- `opened`: RepairOpened only, as in the pipeline bench (one per incident);
- `joined`: two ParticipantJoined per repair (the affected person and a facilitator);
- `agreed`: AgreementReached with three commitments each;
- `settled`: one event per commitment: 80% kept, 15% renegotiated, 5% released;
- `closed`: RepairClosed;
- `mixed`: whole stories (all of the above) interleaved, per-repair order kept.

For each phase it prints per event: wall time, this process's CPU (`time.process_time`),
and wall minus CPU (mostly waiting on Postgres). Then it runs the timer scheduler and the
delivery worker with nothing due and prints their CPU and database transactions per
second. It prints figures; it asserts nothing. The machine is shared: compare runs made
back to back, and trust the CPU figures more than the wall ones.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import io
import os
import pstats
import random
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import asyncpg

from bridgework.common.clock import ManualClock
from bridgework.common.consumer import Applier
from bridgework.common.contracts import (
    AgreementReachedV1,
    CommitmentKeptV1,
    CommitmentReleasedV1,
    CommitmentRenegotiatedV1,
    CommitmentTerms,
    Contract,
    IncidentCategory,
    ParticipantJoinedV1,
    ParticipantRole,
    PersonRef,
    RelationshipPair,
    RepairClosedV1,
    RepairOpenedV1,
    RepairOutcome,
    ResponseMode,
)
from bridgework.common.events import Event
from bridgework.common.inbox import claim
from bridgework.common.postgres import Pool, create_pool, migrate
from bridgework.common.runtime import Runtime
from bridgework.followup.handlers import CONSUMER_NAME, repair_events_applier
from bridgework.followup.scheduler import delivery_loop, timer_loop
from bridgework.followup.settings import FollowupSettings

DEPARTMENTS = (
    "it", "finance", "hr", "estates", "legal", "marketing", "sales", "research", "support",
    "procurement", "operations", "security",
)  # fmt: skip
# Monday 2 November 2026, 09:30 UTC: a working morning.
START = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
PHASES = ("opened", "joined", "agreed", "settled", "closed", "mixed")


def _person(rng: random.Random, department: str) -> PersonRef:
    return PersonRef(
        person_id=f"p-{department[:3]}-{rng.randrange(500):03d}", department=department
    )


@dataclass
class Story:
    """One repair's events, phase by phase."""

    phases: dict[str, list[Contract]]


def story(rng: random.Random) -> Story:
    responsible_dept, affected_dept = rng.sample(DEPARTMENTS, 2)
    responsible = _person(rng, responsible_dept)
    affected = _person(rng, affected_dept)
    facilitator = _person(rng, "hr")
    repair_id = uuid4()
    a, b = sorted((responsible_dept, affected_dept))
    opened = RepairOpenedV1(
        repair_id=repair_id,
        incident_ids=[uuid4()],
        opened_at=START,
        category=rng.choice(list(IncidentCategory)),
        departments=[a, b],
        relationships=[RelationshipPair(department_a=a, department_b=b)],
        agreement_due_by=START + timedelta(days=14),
    )
    joined: list[Contract] = [
        ParticipantJoinedV1(repair_id=repair_id, participant=p, role=role, joined_at=START)
        for p, role in (
            (affected, ParticipantRole.AFFECTED),
            (facilitator, ParticipantRole.FACILITATOR),
        )
    ]
    agreement_id = uuid4()
    promises = [
        CommitmentTerms(
            commitment_id=uuid4(),
            terms_version=1,
            owner=responsible,
            owed_to=[affected],
            action="Restore access for the affected team and agree notice for future changes.",
            due_at=START + timedelta(days=rng.randrange(3, 40), hours=rng.randrange(0, 8)),
        )
        for _ in range(3)
    ]
    agreed = AgreementReachedV1(
        repair_id=repair_id,
        agreement_id=agreement_id,
        version=1,
        commitments=promises,
        consented_by=[responsible, affected],
        reached_at=START,
        response_mode=ResponseMode.WITH,
    )
    settled: list[Contract] = []
    for promise in promises:
        roll = rng.random()
        if roll < 0.8:
            settled.append(
                CommitmentKeptV1(
                    repair_id=repair_id,
                    agreement_id=agreement_id,
                    commitment_id=promise.commitment_id,
                    terms_version=1,
                    owner=responsible,
                    due_at=promise.due_at,
                    kept_at=START + timedelta(days=1),
                    on_time=True,
                )
            )
        elif roll < 0.95:
            settled.append(
                CommitmentRenegotiatedV1(
                    repair_id=repair_id,
                    agreement_id=agreement_id,
                    agreement_version=2,
                    previous_terms_version=1,
                    terms=promise.model_copy(
                        update={"terms_version": 2, "due_at": promise.due_at + timedelta(days=7)}
                    ),
                    reason="The supplier needs another week.",
                    renegotiated_at=START + timedelta(days=1),
                )
            )
        else:
            settled.append(
                CommitmentReleasedV1(
                    repair_id=repair_id,
                    agreement_id=agreement_id,
                    commitment_id=promise.commitment_id,
                    terms_version=1,
                    owner=responsible,
                    reason="Both sides agreed it is no longer needed.",
                    released_at=START + timedelta(days=1),
                )
            )
    closed = RepairClosedV1(
        repair_id=repair_id,
        outcome=RepairOutcome.REPAIRED,
        response_mode=ResponseMode.WITH,
        closed_at=START + timedelta(days=2),
    )
    return Story(
        {
            "opened": [opened],
            "joined": joined,
            "agreed": [agreed],
            "settled": settled,
            "closed": [closed],
        }
    )


def interleave(rng: random.Random, stories: Sequence[list[Contract]]) -> list[Contract]:
    """All stories' events in one stream, each story's in its own order."""
    queues = [list(reversed(s)) for s in stories]
    owners = [i for i, s in enumerate(stories) for _ in s]
    rng.shuffle(owners)
    return [queues[i].pop() for i in owners]


def batches(events: Sequence[Contract], size: int) -> list[list[Event[Contract]]]:
    wrapped = [Event.new(e, source="/bridgework/agreements", time=START) for e in events]
    return [wrapped[i : i + size] for i in range(0, len(wrapped), size)]


@dataclass
class Figures:
    events: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    postgres: float | None = None
    batch_walls: list[float] | None = None


def backend_cpu(pid: int | None) -> float | None:
    """Seconds of CPU the Postgres backend `pid` has used (Linux, database on this machine)."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/schedstat") as stat:
            return int(stat.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


async def apply_batch(pool: Pool, apply: Applier, events: Sequence[Event[Contract]]) -> None:
    """What `BatchConsumer._apply_once` does: inbox claim and effect in one transaction."""
    async with pool.acquire() as connection, connection.transaction():
        fresh_ids = await claim(
            connection, consumer=CONSUMER_NAME, event_ids=[e.id for e in events]
        )
        fresh = [event for event in events if event.id in fresh_ids]
        if fresh:
            await apply(connection, fresh)


async def run_phase(
    pool: Pool, apply: Applier, work: list[list[Event[Contract]]], profile: bool
) -> Figures:
    figures = Figures(batch_walls=[])
    profiler = cProfile.Profile() if profile else None
    # The pool has one connection: its backend does all of the phase's database work.
    async with pool.acquire() as connection:
        pid: int | None = await connection.fetchval("SELECT pg_backend_pid()")
    if backend_cpu(pid) is not None:
        figures.postgres = 0.0
    for batch in work:
        backend = backend_cpu(pid)
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        await apply_batch(pool, apply, batch)
        if profiler:
            profiler.disable()
        figures.wall += time.perf_counter() - wall
        figures.cpu += time.process_time() - cpu
        if figures.postgres is not None and backend is not None:
            figures.postgres += (backend_cpu(pid) or backend) - backend
        figures.events += len(batch)
        assert figures.batch_walls is not None
        figures.batch_walls.append(time.perf_counter() - wall)
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
        print(out.getvalue())
    return figures


def report(name: str, figures: Figures, size: int) -> None:
    per = 1e6 / max(figures.events, 1)
    walls = sorted(figures.batch_walls or [0.0])
    postgres = "n/a" if figures.postgres is None else f"{figures.postgres * per:6.1f}"
    print(
        f"  {name:<8} {figures.events:>6} events, us/event: wall {figures.wall * per:6.1f}"
        f"  CPU {figures.cpu * per:6.1f}  wall-CPU {(figures.wall - figures.cpu) * per:6.1f}"
        f"  Postgres CPU {postgres}  | batch of {size}: median"
        f" {statistics.median(walls) * 1000:6.1f} ms, max {walls[-1] * 1000:6.1f} ms",
        flush=True,
    )


async def transactions(pool: Pool) -> int:
    async with pool.acquire() as connection:
        count: int = await connection.fetchval(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database"
            " WHERE datname = current_database()"
        )
    return count


@dataclass
class _Runtime:
    pool: Pool


async def idle_loops(pool: Pool, settings: FollowupSettings, seconds: float) -> None:
    """Run the timer scheduler and the delivery worker with nothing due; print their cost
    (after a second of warm-up: the delivery worker's HTTP client costs ~15 ms to make)."""
    clock = ManualClock(START)
    runtime = cast(Runtime, _Runtime(pool))
    for name, loop in (("timer loop", timer_loop), ("delivery loop", delivery_loop)):
        run = loop(settings, clock)

        async def forever(run: Callable[[Runtime], Awaitable[None]] = run) -> None:
            await run(runtime)

        task = asyncio.create_task(forever())
        await asyncio.sleep(1.0)
        # pg_stat_database lags a little behind: read it twice around a settled measurement.
        before_x = await transactions(pool)
        wall, cpu = time.perf_counter(), time.process_time()
        await asyncio.sleep(seconds)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await asyncio.sleep(1.0)
        xacts = await transactions(pool) - before_x - 1
        print(
            f"  {name:<14} poll {settings.scheduler_poll_seconds:>5.2f} s:"
            f" CPU {cpu / wall * 1000:6.2f} ms/s, ~{xacts / (wall + 1):6.1f} database"
            " transactions/s",
            flush=True,
        )


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batches", type=int, default=20, help="batches of RepairOpened")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--phases", default=",".join(PHASES))
    parser.add_argument("--profile", default="", help="cProfile this phase (prints top 30)")
    parser.add_argument("--idle-seconds", type=float, default=5.0, help="0: skip idle loops")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    phases = [p for p in args.phases.split(",") if p]
    server = os.environ.get("DATABASE_URL", FollowupSettings().database_url)
    name = f"bwbench_{uuid4().hex[:8]}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    settings = FollowupSettings(database_url=dsn)
    pool = await create_pool(dsn, schema=settings.db_schema, max_size=1)
    try:
        await migrate(pool, schema=settings.db_schema, package="bridgework.followup")
        rng = random.Random(args.seed)  # noqa: S311 - synthetic data, not security
        repairs = args.batches * args.batch_size
        stories = [story(rng) for _ in range(repairs)]
        mixed = [story(rng) for _ in range(repairs // 8)]
        # Time stands at the morning the agreements were reached, then a day on for the keeps.
        clock = ManualClock(START + timedelta(hours=1))
        apply = repair_events_applier(settings, clock)
        print(
            f"{repairs:,} repairs in {name}; batches of {args.batch_size};"
            f" pid {os.getpid()} (for py-spy)",
            flush=True,
        )
        # The synthetic stories are the bench's input, not part of what it measures: keep the
        # garbage collector from scanning them again and again (a consumer holds no such heap).
        gc.collect()
        gc.freeze()
        # Warm up (statements prepared, caches filled), as a running consumer is; not reported.
        warm = [story(rng) for _ in range(64)]
        whole = [[e for p in PHASES[:-1] for e in s.phases[p]] for s in warm]
        for batch in batches(interleave(rng, whole), 100):
            await apply_batch(pool, apply, batch)
        for phase in phases:
            if phase == "mixed":
                # Half the stories stay open: their timers wait for the idle loops below.
                events = interleave(
                    rng,
                    [
                        [e for p in PHASES[: -1 - i % 2] for e in s.phases[p]]
                        for i, s in enumerate(mixed)
                    ],
                )
            else:
                events = [e for s in stories for e in s.phases[phase]]
            if phase == "settled":
                clock.advance(timedelta(days=1))
            work = batches(events, args.batch_size)
            gc.freeze()  # the input again (see above)
            report(
                phase, await run_phase(pool, apply, work, args.profile == phase), args.batch_size
            )
        if args.idle_seconds > 0:
            async with pool.acquire() as connection:
                pending = await connection.fetchval(
                    "SELECT count(*) FROM timers WHERE status = 'pending'"
                )
            print(f"idle loops ({pending:,} pending timers, none due):")
            loops_pool = await create_pool(dsn, schema=settings.db_schema, max_size=4)
            try:
                for poll in (1.0, 0.05):
                    polled = settings.model_copy(
                        update={"scheduler_poll_seconds": poll, "delivery_poll_seconds": poll}
                    )
                    await idle_loops(loops_pool, polled, args.idle_seconds)
            finally:
                await loops_pool.close()
    finally:
        await pool.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
