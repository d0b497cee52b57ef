"""Benchmark: what follow-up's repairs consumer costs per event, and its loops while idle.

    .venv/bin/python -m bench.followup --batches 20 --batch-size 500 [--profile PHASE]

Creates a throwaway database on DATABASE_URL's server and hands synthetic repair events, as
Kafka records, to the consumer the service subscribes (`BatchConsumer.handle` with the public
applier `entrypoints.events.repair_events_applier`): decoding, inbox claim and applier, one
transaction per batch. Phases, each over fresh batches of `--batch-size` events: `opened`
(RepairOpened, as in the pipeline bench), `joined` (two ParticipantJoined per repair),
`agreed` (AgreementReached, three commitments), `settled` (one event per commitment: 80%
kept, 15% renegotiated, 5% released), `closed` (RepairClosed) and `mixed` (whole stories
interleaved, per-repair order kept).

Per event it prints wall time, this process's CPU, the part of it spent decoding records
(measured apart: `CPU - decode` is the inbox claim and the applier), wall minus CPU and the
Postgres backend's CPU. Then it runs the timer and delivery loops with nothing due and
prints their CPU and database transactions per second. It asserts nothing. The machine is
shared: compare runs made back to back, and trust CPU figures more than wall ones.
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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from uuid import uuid4

from faststream.kafka import KafkaBroker

from bench.support import DEPARTMENTS, backend_cpu, backend_pid, scratch_database, server_dsn
from bridgework.common.clock import ManualClock
from bridgework.common.consumer import BatchConsumer
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
from bridgework.common.events import Event, decode_headers, from_kafka, to_kafka
from bridgework.common.key_store_start import key_store_from
from bridgework.common.postgres import Pool, create_pool
from bridgework.followup.clients.channels import Channels
from bridgework.followup.domain.messages import Templates
from bridgework.followup.entrypoints import loops
from bridgework.followup.entrypoints.events import CONSUMER_NAME, repair_events_applier
from bridgework.followup.settings import FollowupSettings
from bridgework.followup.use_cases.policies import default_policy

# Monday 2 November 2026, 09:30 UTC: a working morning.
START = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
PHASES = ("opened", "joined", "agreed", "settled", "closed", "mixed")


def _person(rng: random.Random, department: str) -> PersonRef:
    return PersonRef(
        person_id=f"p-{department[:3]}-{rng.randrange(500):03d}", department=department
    )


Story = dict[str, list[Contract]]  # one repair's events, phase by phase


def story(rng: random.Random) -> Story:
    """A repair's events: opened, joined, agreed (three commitments), settled, closed."""
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
    phases: Story = {"opened": [opened], "joined": joined, "agreed": [agreed]}
    return phases | {"settled": settled, "closed": [closed]}


def interleave(rng: random.Random, stories: Sequence[list[Contract]]) -> list[Contract]:
    """All stories' events in one stream, each story's in its own order."""
    queues = [list(reversed(s)) for s in stories]
    owners = [i for i, s in enumerate(stories) for _ in s]
    rng.shuffle(owners)
    return [queues[i].pop() for i in owners]


@dataclass(frozen=True)
class Record:
    """A Kafka record as the consumer reads it (what `handle` needs of aiokafka's)."""

    topic: str
    partition: int
    offset: int
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


def batches(events: Sequence[Contract], size: int) -> list[list[Record]]:
    """The events as the repairs topic holds them, in batches of `size`."""
    records = []
    for offset, data in enumerate(events):
        encoded = to_kafka(Event.new(data, source="/bridgework/agreements", time=START))
        headers = [(name, value.encode()) for name, value in encoded.headers.items()]
        records.append(Record("repairs", 0, offset, encoded.key, encoded.value, headers))
    return [records[i : i + size] for i in range(0, len(records), size)]


@dataclass
class Figures:
    events: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    decode: float = 0.0
    postgres: float | None = None
    batch_walls: list[float] = field(default_factory=list)


def decode_cpu(work: list[list[Record]]) -> float:
    """CPU seconds the consumer spends decoding these records (its first step)."""
    cpu = time.process_time()
    for batch in work:
        for record in batch:
            from_kafka(decode_headers(record.headers), record.value)
    return time.process_time() - cpu


async def run_phase(
    consumer: BatchConsumer, pool: Pool, work: list[list[Record]], profile: bool
) -> Figures:
    """Hand each batch to the consumer; time it, and the Postgres backend's CPU."""
    figures = Figures(decode=decode_cpu(work))
    profiler = cProfile.Profile() if profile else None
    # The pool has one connection: its backend does all of the phase's database work.
    pid = await backend_pid(pool)
    if backend_cpu(pid) is not None:
        figures.postgres = 0.0
    for batch in work:
        backend = backend_cpu(pid)
        wall, cpu = time.perf_counter(), time.process_time()
        with profiler or contextlib.nullcontext():
            await consumer.handle(batch)
        figures.wall += time.perf_counter() - wall
        figures.cpu += time.process_time() - cpu
        if figures.postgres is not None and backend is not None:
            figures.postgres += (backend_cpu(pid) or backend) - backend
        figures.events += len(batch)
        figures.batch_walls.append(time.perf_counter() - wall)
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
        print(out.getvalue())
    return figures


def report(name: str, figures: Figures, size: int) -> None:
    """One line of figures per phase, per event."""
    per = 1e6 / max(figures.events, 1)
    walls = sorted(figures.batch_walls) or [0.0]
    postgres = "n/a" if figures.postgres is None else f"{figures.postgres * per:6.1f}"
    print(
        f"  {name:<8} {figures.events:>6} events, us/event: wall {figures.wall * per:6.1f}"
        f"  CPU {figures.cpu * per:6.1f} (decode {figures.decode * per:5.1f})"
        f"  wall-CPU {(figures.wall - figures.cpu) * per:6.1f}  Postgres CPU {postgres}"
        f"  | batch of {size}: median {statistics.median(walls) * 1000:6.1f} ms,"
        f" max {walls[-1] * 1000:6.1f} ms",
        flush=True,
    )


async def transactions(pool: Pool) -> int:
    """Transactions committed or rolled back in this database so far."""
    count: int = await pool.fetchval(
        "SELECT xact_commit + xact_rollback FROM pg_stat_database"
        " WHERE datname = current_database()"
    )
    return count


async def idle_loops(pool: Pool, settings: FollowupSettings, seconds: float) -> None:
    """Run the timer and delivery loops with nothing due; print their cost after a warm-up."""
    clock = ManualClock(START)

    async def firing() -> None:
        await loops.fire_timers(
            pool=pool, settings=settings, clock=clock, defaults=default_policy(settings)
        )

    deliver = partial(loops.deliver_nudges, keys=key_store_from(settings))  # nothing due

    async def delivering() -> None:
        async with Channels.open(settings) as channels:
            await deliver(
                pool=pool, settings=settings, clock=clock, sender=channels, templates=Templates()
            )

    for name, run in (("timer loop", firing), ("delivery loop", delivering)):
        task = asyncio.create_task(run())
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


def phase_events(
    rng: random.Random, phase: str, stories: list[Story], mixed: list[Story]
) -> list[Contract]:
    """The events of one phase, in the order they are consumed."""
    if phase != "mixed":
        return [e for s in stories for e in s[phase]]
    # Half the stories stay open: their timers wait for the idle loops below.
    return interleave(
        rng,
        [[e for p in PHASES[: -1 - i % 2] for e in s[p]] for i, s in enumerate(mixed)],
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
    server = server_dsn(FollowupSettings().database_url)
    schema = FollowupSettings().db_schema
    async with scratch_database(
        server, schema=schema, migrations_package="bridgework.followup"
    ) as (dsn, pool):
        settings = FollowupSettings(database_url=dsn)
        rng = random.Random(args.seed)  # noqa: S311 - synthetic data, not security
        repairs = args.batches * args.batch_size
        stories = [story(rng) for _ in range(repairs)]
        mixed = [story(rng) for _ in range(repairs // 8)]
        # Time stands at the morning the agreements were reached, then a day on for the keeps.
        clock = ManualClock(START + timedelta(hours=1))
        consumer = BatchConsumer(
            name=CONSUMER_NAME,
            pool=pool,
            broker=KafkaBroker(settings.kafka_bootstrap_servers),  # only for dead letters: none
            apply=repair_events_applier(clock=clock, defaults=default_policy(settings)),
        )
        print(
            f"{repairs:,} repairs in {dsn.rsplit('/', 1)[-1]}; batches of {args.batch_size};"
            f" pid {os.getpid()} (for py-spy)",
            flush=True,
        )
        # The synthetic stories are the bench's input, not part of what it measures: keep the
        # garbage collector from scanning them again and again (a consumer holds no such heap).
        gc.collect()
        gc.freeze()
        # Warm up (statements prepared, caches filled), as a running consumer is; not reported.
        warm = [story(rng) for _ in range(64)]
        whole = [[e for p in PHASES[:-1] for e in s[p]] for s in warm]
        for batch in batches(interleave(rng, whole), 100):
            await consumer.handle(batch)
        for phase in filter(None, args.phases.split(",")):
            if phase == "settled":
                clock.advance(timedelta(days=1))
            work = batches(phase_events(rng, phase, stories, mixed), args.batch_size)
            gc.freeze()  # the input again (see above)
            figures = await run_phase(consumer, pool, work, args.profile == phase)
            report(phase, figures, args.batch_size)
        if args.idle_seconds > 0:
            pending = await pool.fetchval("SELECT count(*) FROM timers WHERE status = 'pending'")
            print(f"idle loops ({pending:,} pending timers, none due):")
            loops_pool = await create_pool(dsn, schema=schema, max_size=4)
            try:
                for poll in (1.0, 0.05):
                    polled = settings.model_copy(
                        update={"scheduler_poll_seconds": poll, "delivery_poll_seconds": poll}
                    )
                    await idle_loops(loops_pool, polled, args.idle_seconds)
            finally:
                await loops_pool.close()


if __name__ == "__main__":
    asyncio.run(main())
