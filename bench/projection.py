"""Benchmark: the gateway's projection, batch by batch, as the consumer applies it.

    python -m bench.projection --batches 30

Creates a throwaway database on DATABASE_URL's server (migrated like the gateway's own
schema), builds synthetic events up front, then applies them in batches exactly as the
BatchConsumer does: one transaction per batch, the inbox claim first, then
the projection's `fold_events`. No Kafka: decoding records is libs/common's and not measured.

Two phases, each timed on its own:
- fresh: what bench/pipeline.py sends the gateway. Each batch holds the IncidentReported
  of `batch-size / 2` new incidents and the RepairOpened of the incidents of the batch
  before (agreements opens them a moment later). With `--recurring 1 --hot-matters 1`
  (the default, like the pipeline) every incident is about the same matter, so every
  opening names the 10 newest earlier repairs as `recurrence_of`, as agreements does.
- lifecycle: the rest of a repair's story for `--lifecycle-repairs` of those repairs
  (three joins, an agreement with two commitments, a reminder, one kept, one lapsed, a
  check-in, the closing), step by step across repairs, so a batch touches ~500 repairs.

Printed per event, over the measured batches (the first `--warmup` of each phase are left
out): wall time, this process's CPU time (`time.process_time()`), and the CPU time of the
Postgres backend serving the one connection (read from /proc when the server runs on this
machine). `--profile N` prints a cProfile of the measured batches (where the time goes).
It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import random
import statistics
import time
from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from tests.factories import sealed

from bench.support import backend_cpu, backend_pid, scratch_database, server_dsn
from bridgework.common.contracts import (
    AgreementReachedV1,
    Channel,
    CheckInOutcome,
    CheckInRecordedV1,
    CommitmentKeptV1,
    CommitmentLapsedV1,
    CommitmentTerms,
    Contract,
    IncidentCategory,
    IncidentReportedV1,
    NudgeKind,
    NudgeSentV1,
    ParticipantJoinedV1,
    ParticipantRole,
    PersonRef,
    RelationshipPair,
    RepairClosedV1,
    RepairOpenedV1,
    RepairOutcome,
    ResponseMode,
    Severity,
    SourceRef,
)
from bridgework.common.events import Event
from bridgework.common.inbox import claim
from bridgework.common.postgres import Pool
from bridgework.graphql_gateway.projection.entrypoints.events import CONSUMER
from bridgework.graphql_gateway.projection.use_cases.fold_events import fold_events
from bridgework.graphql_gateway.settings import GatewaySettings

HOT_DEPARTMENTS = ("it", "finance", "hr", "estates", "legal", "marketing", "sales")
START = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
RECURRENCE_LINKS = 10  # agreements' recurrence_max_links


class Story:
    """One incident and its repair, as the services would tell them."""

    def __init__(
        self, rng: random.Random, n: int, *, recurring: float, hot_matters: int, departments: int
    ) -> None:
        if rng.random() < recurring:
            matter = rng.randrange(hot_matters)
            self.category = list(IncidentCategory)[matter % len(IncidentCategory)]
            mine, theirs = HOT_DEPARTMENTS[matter % 3], HOT_DEPARTMENTS[3 + matter % 4]
        else:
            self.category = rng.choice(list(IncidentCategory))
            mine, theirs = (f"dept-{d}" for d in rng.sample(range(departments), 2))
        self.matter = (self.category, *sorted((mine, theirs)))
        reported = START + timedelta(seconds=n // 50)
        self.responsible = PersonRef(
            person_id=f"p-{mine[:3]}-{rng.randrange(500)}", department=mine
        )
        self.affected = PersonRef(
            person_id=f"p-{theirs[:3]}-{rng.randrange(500)}", department=theirs
        )
        self.facilitator = PersonRef(person_id=f"p-fac-{rng.randrange(50)}", department="hr")
        self.incident = IncidentReportedV1(
            incident_id=uuid4(),
            department=mine,
            category=self.category,
            severity=rng.choice(list(Severity)),
            summary=f"Synthetic incident {n}: a change was made without telling those it hit.",
            occurred_at=reported - timedelta(hours=rng.randrange(48)),
            reported_at=reported,
            responsible=[self.responsible],
            affected_people=[self.affected],
            affected_departments=[theirs],
            source=SourceRef(tool="bench", reference=f"bench-{n}"),
        )
        self.repair_id = uuid4()
        self.opened_at = reported + timedelta(seconds=1)
        self.departments = sorted((mine, theirs))

    def opened(self, recurrence_of: list[UUID]) -> RepairOpenedV1:
        a, b = self.departments
        return RepairOpenedV1(
            repair_id=self.repair_id,
            incident_ids=[self.incident.incident_id],
            opened_at=self.opened_at,
            category=self.category,
            departments=self.departments,
            relationships=[RelationshipPair(department_a=a, department_b=b)],
            recurrence_of=recurrence_of,
            agreement_due_by=self.opened_at + timedelta(days=14),
        )

    def lifecycle(self, rng: random.Random) -> list[Contract]:
        rid, at = self.repair_id, self.opened_at
        facts: list[Contract] = [
            ParticipantJoinedV1(repair_id=rid, participant=who, role=role, joined_at=at + h)
            for who, role, h in (
                (self.facilitator, ParticipantRole.FACILITATOR, timedelta(hours=1)),
                (self.responsible, ParticipantRole.RESPONSIBLE, timedelta(hours=2)),
                (self.affected, ParticipantRole.AFFECTED, timedelta(hours=3)),
            )
        ]
        reached = at + timedelta(hours=rng.randrange(4, 200))
        agreement_id = uuid4()
        terms = [
            CommitmentTerms(
                commitment_id=uuid4(),
                terms_version=1,
                owner=self.responsible,
                owed_to=[self.affected],
                owed_to_departments=[self.affected.department],
                action=sealed("Synthetic commitment."),
                due_at=reached + timedelta(days=rng.randrange(3, 40)),
            )
            for _ in range(2)
        ]
        facts.append(
            AgreementReachedV1(
                repair_id=rid,
                agreement_id=agreement_id,
                version=1,
                commitments=terms,
                consented_by=[self.responsible, self.affected],
                reached_at=reached,
                response_mode=ResponseMode.WITH,
            )
        )
        kept, lapsed = terms
        facts.append(
            NudgeSentV1(
                repair_id=rid,
                nudge_id=uuid4(),
                kind=NudgeKind.REMINDER,
                commitment_id=kept.commitment_id,
                terms_version=1,
                recipient=self.responsible,
                channels=[Channel.EMAIL],
                sent_at=kept.due_at - timedelta(days=1),
            )
        )
        facts.append(
            CommitmentKeptV1(
                repair_id=rid,
                agreement_id=agreement_id,
                commitment_id=kept.commitment_id,
                terms_version=1,
                owner=self.responsible,
                due_at=kept.due_at,
                kept_at=kept.due_at - timedelta(hours=2),
                on_time=True,
            )
        )
        facts.append(
            CommitmentLapsedV1(
                repair_id=rid,
                agreement_id=agreement_id,
                commitment_id=lapsed.commitment_id,
                terms_version=1,
                owner=self.responsible,
                due_at=lapsed.due_at,
                lapsed_at=lapsed.due_at + timedelta(hours=1),
                lapse_count=1,
            )
        )
        last = max(kept.due_at, lapsed.due_at)
        facts.append(
            CheckInRecordedV1(
                repair_id=rid,
                check_in_id=uuid4(),
                participant=self.affected,
                outcome=rng.choice(list(CheckInOutcome)),
                recorded_at=last + timedelta(days=2),
            )
        )
        facts.append(
            RepairClosedV1(
                repair_id=rid,
                outcome=RepairOutcome.REPAIRED,
                response_mode=ResponseMode.WITH,
                closed_at=last + timedelta(days=3),
            )
        )
        return facts


def fresh_batches(
    rng: random.Random, args: argparse.Namespace, count: int
) -> tuple[list[list[Event[Contract]]], list[Story]]:
    """`count` batches: new incidents, and the openings of the batch before's incidents."""
    half = args.batch_size // 2
    earlier: dict[tuple[Any, ...], deque[UUID]] = defaultdict(
        lambda: deque(maxlen=RECURRENCE_LINKS)
    )
    stories: list[Story] = []
    batches: list[list[Event[Contract]]] = []
    previous: list[Story] = []
    for b in range(count + 1):
        current = [
            Story(
                rng,
                b * half + n,
                recurring=args.recurring,
                hot_matters=args.hot_matters,
                departments=args.departments,
            )
            for n in range(half)
        ]
        facts: list[Contract] = [s.incident for s in current] if b < count else []
        for story in previous:
            facts.append(story.opened(list(reversed(earlier[story.matter]))))
            earlier[story.matter].append(story.repair_id)
        stories.extend(previous)
        if facts:
            batches.append([Event.new(f, source="/bench", time=START) for f in facts])
        previous = current
    return batches, stories


def lifecycle_batches(
    rng: random.Random, stories: Sequence[Story], batch_size: int
) -> list[list[Event[Contract]]]:
    """Every repair's story step by step across repairs (a batch touches many repairs)."""
    told = [s.lifecycle(rng) for s in stories]
    if not told:
        return []
    facts = [
        story[step] for step in range(max(map(len, told))) for story in told if step < len(story)
    ]
    return [
        [Event.new(f, source="/bench", time=START) for f in facts[i : i + batch_size]]
        for i in range(0, len(facts), batch_size)
    ]


async def apply_phase(
    pool: Pool,
    name: str,
    batches: Sequence[Sequence[Event[Contract]]],
    *,
    warmup: int,
    profiler: cProfile.Profile | None,
    verbose: bool = False,
) -> None:
    backend = await backend_pid(pool)
    wall = cpu = 0.0
    events = 0
    pg_start: float | None = None
    slowest = 0.0
    batch_cpu: list[float] = []
    for number, batch in enumerate(batches):
        measured = number >= warmup
        if measured and pg_start is None:
            pg_start = backend_cpu(backend)
            if profiler:
                profiler.enable()
        started_wall, started_cpu = time.perf_counter(), time.process_time()
        async with pool.acquire() as connection, connection.transaction():
            fresh_ids = await claim(connection, consumer=CONSUMER, event_ids=[e.id for e in batch])
            fresh = [e for e in batch if e.id in fresh_ids]
            if fresh:
                await fold_events(connection=connection, events=fresh)
        if measured:
            took = time.perf_counter() - started_wall
            slowest = max(slowest, took)
            wall += took
            cpu += time.process_time() - started_cpu
            batch_cpu.append((time.process_time() - started_cpu) / len(batch))
            if verbose:
                kinds = Counter(type(e.data).__name__.removesuffix("V1") for e in batch)
                print(
                    f"    batch {number}: {took / len(batch) * 1e6:7.1f} us wall,"
                    f" {batch_cpu[-1] * 1e6:6.1f} us CPU per event; {dict(kinds)}"
                )
            events += len(batch)
    if profiler:
        profiler.disable()
    pg_end = backend_cpu(backend)
    if not events:
        print(f"{name}: nothing measured (fewer batches than --warmup)")
        return
    pg = f"{(pg_end - pg_start) / events * 1e6:6.1f} us" if pg_start and pg_end else "   n/a"
    print(
        f"{name}: {len(batches) - warmup} batches, {events} events, {events / wall:,.0f} events/s,"
        f" slowest batch {slowest * 1000:.0f} ms"
    )
    print(
        f"  per event: {wall / events * 1e6:6.1f} us wall, {cpu / events * 1e6:6.1f} us CPU"
        f" (this process), {pg} CPU (Postgres backend)"
    )
    print(
        f"  CPU per event by batch: median {statistics.median(batch_cpu) * 1e6:6.1f} us,"
        f" best {min(batch_cpu) * 1e6:6.1f} us (less disturbed by other work on the machine)"
    )


async def run(pool: Pool, args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)  # noqa: S311 - synthetic data, not security
    fresh, stories = fresh_batches(rng, args, args.batches + args.warmup)
    lifecycle = lifecycle_batches(rng, stories[: args.lifecycle_repairs], args.batch_size)
    # The consumer holds one batch, not the whole benchmark's events: keep these out of the
    # cyclic collector's way, or its full passes over them show up as the projection's time.
    gc.collect()
    gc.freeze()
    profiler = cProfile.Profile() if args.profile else None
    await apply_phase(
        pool, "fresh", fresh, warmup=args.warmup, profiler=profiler,
        verbose=args.verbose,
    )  # fmt: skip
    await apply_phase(
        pool, "lifecycle", lifecycle, warmup=args.warmup, profiler=profiler,
        verbose=args.verbose,
    )  # fmt: skip
    async with pool.acquire() as connection:
        counts = await connection.fetchrow(
            "SELECT (SELECT count(*) FROM repairs) AS repairs,"
            " (SELECT count(*) FROM repair_recurrences) AS recurrences,"
            " (SELECT count(*) FROM commitments) AS commitments,"
            " (SELECT count(*) FROM dashboard_counts) AS dashboard_counts"
        )
    print(f"stored: {dict(counts or {})}")
    if profiler:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.profile)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batches", type=int, default=30, help="measured fresh batches")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=4)
    parser.add_argument("--lifecycle-repairs", type=int, default=2000)
    parser.add_argument("--recurring", type=float, default=1.0)
    parser.add_argument("--hot-matters", type=int, default=1)
    parser.add_argument("--departments", type=int, default=120, help="beside the hot matters'")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="cProfile, top N")
    parser.add_argument("--verbose", action="store_true", help="print every batch")
    parser.add_argument("--sort", default="tottime", help="cProfile sort key")
    args = parser.parse_args()
    server = server_dsn(GatewaySettings().database_url)
    async with scratch_database(
        server, schema="gateway", migrations_package="bridgework.graphql_gateway"
    ) as (_, pool):
        await run(pool, args)


if __name__ == "__main__":
    asyncio.run(main())
