"""Benchmark: dashboard queries over a large read model, built through the real projection.

    python -m bench.dashboard --commitments 1000000

Creates a throwaway database on DATABASE_URL's server, folds synthetic repairs (three
commitments each, over three years and twelve departments) into it with the same
`fold_events` the consumer runs (no Kafka: this measures the read side), then
times the dashboard page's whole GraphQL query and prints percentiles, beside a naive
GROUP BY over the raw commitments for comparison. It prints figures; it asserts nothing.

Building a million commitments takes ~20 minutes: `--keep` keeps the database, and
`--reuse NAME` (or a DSN) times the dashboards against it again without loading anything
(`--no-naive` skips the slow GROUP BY).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import asyncpg

from bench.support import DEPARTMENTS, percentiles, scratch_database, server_dsn
from bridgework.common.clock import ManualClock
from bridgework.common.contracts import (
    AgreementReachedV1,
    CheckInOutcome,
    CheckInRecordedV1,
    CommitmentKeptV1,
    CommitmentLapsedV1,
    CommitmentTerms,
    Contract,
    IncidentCategory,
    IncidentReportedV1,
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
from bridgework.common.key_store_start import key_store_from
from bridgework.common.postgres import Pool, create_pool, migrate
from bridgework.graphql_gateway.projection.use_cases.fold_events import fold_events
from bridgework.graphql_gateway.read.clients.agreements import AgreementsClient
from bridgework.graphql_gateway.read.domain.viewer import Role, Viewer
from bridgework.graphql_gateway.read.entrypoints.graphql.context import Context
from bridgework.graphql_gateway.read.entrypoints.graphql.schema import build_schema
from bridgework.graphql_gateway.read.entrypoints.loops import ReadModelChanges
from bridgework.graphql_gateway.settings import GatewaySettings

START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_DAYS = 3 * 365
DASHBOARD_QUERY = """query($department: String, $period: PeriodInput) {
  dashboard(department: $department, period: $period) { repairsOpened
    responseModes { with to for not pending restorativeRate }
    responseModeTrend(granularity: WEEK) { start modes { with to for not pending } }
    completion { keptOnTime keptLate partial lapsed inProgress settled keptRate }
    completionTrend(granularity: MONTH) { start completion { keptOnTime keptLate partial lapsed } }
    commitments { keptRate lapsed open }
    timeToAgreement { count p50Hours p90Hours } timeToRepair { count p50Hours p90Hours }
    participation { rate } consent { rate }
    nudgeEffectiveness { kinds { kind nudged keptAfter rate } unnudgedKeptRate }
    returnToPunitive { closed returned rate reasons { reasonCode count } }
    checkIns { yes partly no }
    incidentTrend(granularity: WEEK, category: "shadow_it") { start count }
    relationships { departmentA departmentB repairs openHarms commitments commitmentsKept status }
  } }"""
# Parts of the page's query on their own: what a single dashboard question costs.
PART_QUERIES = {
    "figures (totals only)": """query($department: String, $period: PeriodInput) {
      dashboard(department: $department, period: $period) { repairsOpened
        responseModes { with to for not pending } completion { keptOnTime keptLate partial lapsed }
        commitments { keptRate } timeToAgreement { p50Hours p90Hours }
        timeToRepair { p50Hours } participation { rate } consent { rate }
        returnToPunitive { rate } checkIns { yes partly no } } }""",
    "weekly social discipline window": """query($department: String, $period: PeriodInput) {
      dashboard(department: $department, period: $period) {
        responseModeTrend(granularity: WEEK) { start modes { with to for not pending } } } }""",
    "relationship health": """query($department: String, $period: PeriodInput) {
      dashboard(department: $department, period: $period) {
        relationships { departmentA departmentB repairs openHarms commitmentsKept status } } }""",
}
NAIVE_SQL = """SELECT c.status, count(*) FROM commitments c JOIN repairs r USING (repair_id)
  WHERE c.due_at >= $1 AND c.due_at < $2 AND ($3::text IS NULL OR $3 = ANY(r.departments))
  GROUP BY c.status"""


def person(rng: random.Random, department: str) -> PersonRef:
    return PersonRef(
        person_id=f"p-{department[:3]}-{rng.randrange(500):03d}", department=department
    )


def repair_story(rng: random.Random, *, span_days: int = SPAN_DAYS) -> list[Contract]:
    """One repair with three commitments: most kept, some late, some lapsed."""
    responsible_dept, affected_dept = rng.sample(DEPARTMENTS, 2)
    reported = START + timedelta(minutes=rng.randrange(span_days * 24 * 60))
    responsible, affected = person(rng, responsible_dept), person(rng, affected_dept)
    incident = IncidentReportedV1(
        incident_id=uuid4(),
        department=responsible_dept,
        category=rng.choice(list(IncidentCategory)),
        severity=Severity.MODERATE,
        summary="Synthetic incident for the benchmark.",
        occurred_at=reported,
        reported_at=reported,
        responsible=[responsible],
        affected_people=[affected],
        affected_departments=[affected_dept],
        source=SourceRef(tool="bench", reference=str(uuid4())),
    )
    repair_id = uuid4()
    a, b = sorted((responsible_dept, affected_dept))
    opened = reported + timedelta(hours=1)
    facts: list[Contract] = [
        incident,
        RepairOpenedV1(
            repair_id=repair_id,
            incident_ids=[incident.incident_id],
            opened_at=opened,
            category=incident.category,
            departments=[a, b],
            relationships=[RelationshipPair(department_a=a, department_b=b)],
            agreement_due_by=opened + timedelta(days=14),
        ),
    ]
    reached = opened + timedelta(hours=rng.randrange(4, 400))
    agreement_id = uuid4()
    terms = [
        CommitmentTerms(
            commitment_id=uuid4(),
            terms_version=1,
            owner=responsible,
            owed_to_departments=[affected_dept],
            action="Synthetic commitment.",
            due_at=reached + timedelta(days=rng.randrange(3, 40)),
        )
        for _ in range(3)
    ]
    facts.append(
        AgreementReachedV1(
            repair_id=repair_id,
            agreement_id=agreement_id,
            version=1,
            commitments=terms,
            consented_by=[responsible, affected],
            reached_at=reached,
            response_mode=ResponseMode.WITH,
        )
    )
    for t in terms:
        roll = rng.random()
        if roll < 0.8:
            kept = t.due_at + timedelta(days=rng.randrange(-5, 3))
            facts.append(
                CommitmentKeptV1(
                    repair_id=repair_id,
                    agreement_id=agreement_id,
                    commitment_id=t.commitment_id,
                    terms_version=1,
                    owner=responsible,
                    due_at=t.due_at,
                    kept_at=kept,
                    on_time=kept <= t.due_at,
                )
            )
        elif roll < 0.95:
            facts.append(
                CommitmentLapsedV1(
                    repair_id=repair_id,
                    agreement_id=agreement_id,
                    commitment_id=t.commitment_id,
                    terms_version=1,
                    owner=responsible,
                    due_at=t.due_at,
                    lapsed_at=t.due_at + timedelta(hours=1),
                    lapse_count=1,
                )
            )
    last_due = max(t.due_at for t in terms)
    facts.append(
        CheckInRecordedV1(
            repair_id=repair_id,
            check_in_id=uuid4(),
            participant=affected,
            outcome=rng.choice(list(CheckInOutcome)),
            recorded_at=last_due + timedelta(days=2),
        )
    )
    facts.append(
        RepairClosedV1(
            repair_id=repair_id,
            outcome=rng.choice(list(RepairOutcome)),
            reason_code="other",
            response_mode=ResponseMode.WITH,
            closed_at=last_due + timedelta(days=3),
        )
    )
    return facts


async def load(
    pool: Pool, repairs: int, batch_events: int, seed: int, span_days: int = SPAN_DAYS
) -> float:
    """Fold `repairs` synthetic repairs in batches; return the events applied per second."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    pending: list[Event[Contract]] = []
    started = time.perf_counter()
    applied = 0
    for n in range(repairs):
        story = repair_story(rng, span_days=span_days)
        pending.extend(Event.new(f, source="/bench", time=START) for f in story)
        if len(pending) >= batch_events or n == repairs - 1:
            async with pool.acquire() as connection, connection.transaction():
                await fold_events(connection=connection, events=pending)
            batch_size = len(pending)
            applied += batch_size
            pending = []
            if applied // 100_000 != (applied - batch_size) // 100_000:
                rate = applied / (time.perf_counter() - started)
                print(
                    f"  {n + 1:>8} repairs, {applied:>9} events, {rate:,.0f} events/s", flush=True
                )
    return applied / (time.perf_counter() - started)


def with_cpu(samples: list[float], cpu: list[float]) -> str:
    """support.percentiles of the wall times, and this process's CPU p50 and p95."""
    used = sorted(cpu)

    def at(p: float) -> float:
        return used[min(len(used) - 1, int(p / 100 * len(used)))] * 1000

    return (
        f"{percentiles(samples)}  | this process's CPU p50 {at(50):5.1f} ms  p95 {at(95):5.1f} ms"
    )


def context(
    pool: Pool, settings: GatewaySettings, viewer: Viewer, agreements: AgreementsClient
) -> Context:
    """A request's context, as the gateway builds one (with its one agreements client)."""
    return Context(
        pool=pool,
        settings=settings,
        clock=ManualClock(datetime(2027, 1, 1, tzinfo=UTC)),
        changes=ReadModelChanges(),
        agreements=agreements,
        keys=key_store_from(settings),  # dashboards never open a text
        signed_in=viewer,
    )


async def time_dashboards(pool: Pool, runs: int, *, naive: bool = True) -> None:
    settings = GatewaySettings(graphql_max_tokens=5000)
    agreements = AgreementsClient(settings.agreements_url, timeout=1)
    schema = build_schema(settings)
    viewer = Viewer(
        subject="p-chg-001", department=None, roles=frozenset({Role.CHANGE_TEAM}), token=""
    )
    cases = [
        ("organisation, one year", None, {"from": "2025-01-01", "to": "2025-12-31"}),
        ("organisation, all 3 years", None, {"from": "2024-01-01", "to": "2026-12-31"}),
        ("department, a quarter", "finance", {"from": "2025-04-10", "to": "2025-07-09"}),
        ("department, one year", "it", {"from": "2025-03-15", "to": "2026-03-14"}),
    ]
    for name, department, period in cases:
        samples, cpu = [], []
        for _ in range(runs):
            request = context(pool, settings, viewer, agreements)
            started, cpu_started = time.perf_counter(), time.process_time()
            result = await schema.execute(
                DASHBOARD_QUERY,
                variable_values={"department": department, "period": period},
                context_value=request,
            )
            samples.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            assert result.errors is None, result.errors
        print(f"  whole page's query  {name:<40} {with_cpu(samples, cpu)}")
    for part, query in PART_QUERIES.items():
        for name, department, period in cases[:1] + cases[2:3]:
            samples, cpu = [], []
            for _ in range(runs):
                request = context(pool, settings, viewer, agreements)
                started, cpu_started = time.perf_counter(), time.process_time()
                result = await schema.execute(
                    query,
                    variable_values={"department": department, "period": period},
                    context_value=request,
                )
                samples.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
                assert result.errors is None, result.errors
            print(f"  {part:<33} {name:<26} {with_cpu(samples, cpu)}")
    for name, department, period in cases if naive else []:
        samples = []
        start = date.fromisoformat(period["from"])
        end = date.fromisoformat(period["to"]) + timedelta(days=1)
        for _ in range(max(5, runs // 10)):
            started = time.perf_counter()
            async with pool.acquire() as connection:
                await connection.fetch(
                    NAIVE_SQL,
                    datetime(start.year, start.month, start.day, tzinfo=UTC),
                    datetime(end.year, end.month, end.day, tzinfo=UTC),
                    department,
                )
            samples.append(time.perf_counter() - started)
        print(f"  naive GROUP BY, one figure        {name:<26} {percentiles(samples)}")


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--commitments", type=int, default=1_000_000)
    parser.add_argument("--batch-events", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse",
        metavar="DATABASE",
        help="time the dashboards against a database an earlier --keep run built (its name"
        " or DSN): no load, no drop",
    )
    parser.add_argument(
        "--no-naive", action="store_true", help="skip the GROUP BY over raw commitments"
    )
    args = parser.parse_args()
    server = server_dsn(GatewaySettings().database_url)
    if args.reuse:
        dsn = (
            args.reuse
            if "://" in args.reuse
            else urlunsplit(urlsplit(server)._replace(path=f"/{args.reuse}"))
        )
        pool = await create_pool(dsn, schema="gateway", max_size=4)
        try:
            await migrate(pool, schema="gateway", package="bridgework.graphql_gateway")
            print(f"reusing {urlsplit(dsn).path.lstrip('/')}")
            await time_dashboards(pool, args.runs, naive=not args.no_naive)
        finally:
            await pool.close()
        return
    if args.keep:
        name = f"bwbench_{uuid4().hex[:8]}"
        admin = await asyncpg.connect(server)
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        dsn = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
        pool = await create_pool(dsn, schema="gateway", max_size=4)
        try:
            await migrate(pool, schema="gateway", package="bridgework.graphql_gateway")
            await build_and_time(pool, args)
        finally:
            await pool.close()
        print(f"kept: re-run with --reuse {name}; drop it with DROP DATABASE {name}")
        return
    async with scratch_database(
        server, schema="gateway", migrations_package="bridgework.graphql_gateway", max_size=4
    ) as (_, pool):
        await build_and_time(pool, args)


async def build_and_time(pool: Pool, args: argparse.Namespace) -> None:
    """Load the synthetic history and a burst of live traffic, then time the dashboards."""
    repairs = args.commitments // 3
    print(f"loading {repairs:,} repairs ({repairs * 3:,} commitments) ...")
    rate = await load(pool, repairs, args.batch_events, args.seed)
    # Live traffic: a burst of repairs all within one day, as intake would send them;
    # their rollup changes fall on few days, so batches coalesce into few rows.
    live = await load(pool, 2000, args.batch_events, args.seed + 1, span_days=1)
    async with pool.acquire() as connection:
        await connection.execute("ANALYZE")
        counts = await connection.fetchrow(
            "SELECT (SELECT count(*) FROM commitments) AS commitments,"
            " (SELECT count(*) FROM dashboard_counts) AS dashboard_rows,"
            " (SELECT count(*) FROM relationship_counts) AS relationship_rows"
        )
    print(f"projection, history spread over 3 years: {rate:,.0f} events/s")
    print(f"projection, a burst within one day: {live:,.0f} events/s")
    print(f"read model: {dict(counts or {})}")
    await time_dashboards(pool, args.runs, naive=not args.no_naive)


if __name__ == "__main__":
    asyncio.run(main())
