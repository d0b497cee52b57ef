"""Benchmark: incidents through agreements into the gateway's read model, on this machine.

Starts the four services as processes against the Kafka and Postgres named by
KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL (`eval "$(deploy/local/infra.sh up)"`
first), feeds incidents in, and prints:
- throughput: incidents per second from the first sent to the last repair
  queryable in the gateway's read model;
- latency: for single incidents sent one at a time on an idle pipeline, p50,
  p95 and p99 from sending to the repair being in the read model.

Incidents come in one of two ways (`--via`):
- `kafka`: IncidentReported events produced straight onto the incidents topic,
  as a department's tool producing CloudEvents to Kafka would (intake is not
  in this path);
- `intake`: native JSON through intake's HTTP API, in batches of 500 on
  `/v1/incidents/batch` (two requests in flight) for throughput and one by one
  on `/v1/incidents` for latency: the whole pipeline of DESIGN.md's targets.

    .venv/bin/python -m bench.pipeline --incidents 20000 --latency-samples 200 --via intake
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID, uuid4

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from tests.e2e.system import System
from tests.factories import T0, incident_reported, submission_json
from tests.infra import create_database, delete_topics, drop_database, infrastructure_from_env

from bridgework.common.contracts import IncidentCategory, IncidentReportedV1, PersonRef
from bridgework.common.events import Event, to_kafka

DEPARTMENTS = (
    "it", "finance", "hr", "estates", "legal", "marketing",
    "sales", "procurement", "research", "support", "operations", "communications",
)  # fmt: skip
CATEGORIES = tuple(IncidentCategory)


@dataclass(frozen=True)
class Matter:
    """Who reported what about whom: the recurrence rules link incidents of one matter."""

    department: str
    affected: str
    category: IncidentCategory


def matter_of(n: int, matters: int, *, reporter: str | None = None) -> Matter:
    """The n-th incident's matter, out of `matters` (1: every incident the same matter)."""
    m = n % matters
    department = reporter or DEPARTMENTS[m % len(DEPARTMENTS)]
    others = [d for d in DEPARTMENTS if d != department]
    affected = others[(m // len(DEPARTMENTS)) % len(others)]
    category = CATEGORIES[(m // len(DEPARTMENTS)) % len(CATEGORIES)]
    return Matter(department, affected, category)


def incident_of(n: int, matters: int) -> IncidentReportedV1:
    matter = matter_of(n, matters)
    return incident_reported(
        summary=f"bench {n}",
        department=matter.department,
        category=matter.category,
        responsible=[
            PersonRef(person_id=f"p-{matter.department[:3]}-{n % 40}", department=matter.department)
        ],
        affected_people=[
            PersonRef(person_id=f"p-{matter.affected[:3]}-{n % 60}", department=matter.affected)
        ],
        affected_departments=[matter.affected],
    )


def submission_of(n: int, matters: int) -> dict[str, object]:
    """As intake's batch API takes it: the token's department (it) reports every one."""
    matter = matter_of(n, matters, reporter="it")
    return submission_json(
        summary=f"bench {n}",
        category=str(matter.category),
        affected_people=[
            {"person_id": f"p-{matter.affected[:3]}-{n % 60}", "department": matter.affected}
        ],
        affected_departments=[matter.affected],
    )


async def produce_all(kafka: str, topic: str, count: int, matters: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka, enable_idempotence=True, linger_ms=5)
    await producer.start()
    try:
        pending = []
        for n in range(count):
            record = to_kafka(Event.new(incident_of(n, matters), source="/bench", time=T0))
            headers = [(k, v.encode()) for k, v in record.headers.items()]
            pending.append(
                await producer.send(topic, record.value, key=record.key, headers=headers)
            )
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


INTAKE_BATCH = 500
INTAKE_REQUESTS_IN_FLIGHT = 2


async def post_all(intake_url: str, token: str, count: int, matters: int) -> None:
    """Report `count` incidents through intake's batch API; every one must be accepted."""
    headers = {"authorization": f"Bearer {token}"}
    batches = [
        [submission_of(n, matters) for n in range(start, min(start + INTAKE_BATCH, count))]
        for start in range(0, count, INTAKE_BATCH)
    ]
    queue = iter(batches)
    async with httpx.AsyncClient(base_url=intake_url, timeout=60) as client:

        async def worker() -> None:
            for batch in queue:
                response = await client.post(
                    "/v1/incidents/batch", json={"incidents": batch}, headers=headers
                )
                response.raise_for_status()

        await asyncio.gather(*(worker() for _ in range(INTAKE_REQUESTS_IN_FLIGHT)))


async def read_model_count(connection: asyncpg.Connection) -> int:
    count: int = await connection.fetchval("SELECT count(*) FROM gateway.repair_incidents")
    return count


STAGES = {
    "intake incidents": "SELECT count(*) FROM intake.incidents",
    "agreements incidents": "SELECT count(*) FROM agreements.repair_incidents",
    "agreements outbox": "SELECT count(*) FROM agreements.outbox",
    "gateway incidents": "SELECT count(*) FROM gateway.incidents",
    "gateway repairs": "SELECT count(*) FROM gateway.repair_incidents",
    "followup repairs": "SELECT count(*) FROM followup.tracked_repairs",
}


async def report_progress(dsn: str, start: float) -> None:
    """Each second, how far every stage has got: shows which one holds the pipeline back."""
    connection = await asyncpg.connect(dsn)
    try:
        while True:
            await asyncio.sleep(1.0)
            counts = [f"{name} {await connection.fetchval(sql)}" for name, sql in STAGES.items()]
            print(f"  {time.perf_counter() - start:5.1f} s: " + ", ".join(counts), flush=True)
    finally:
        await connection.close()


async def measure_throughput(
    feed: Callable[[], Awaitable[None]], dsn: str, count: int, *, progress: bool
) -> float:
    connection = await asyncpg.connect(dsn)
    start = time.perf_counter()
    reporter = asyncio.create_task(report_progress(dsn, start)) if progress else None
    try:
        await feed()
        produced = time.perf_counter() - start
        while await read_model_count(connection) < count:
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - start
    finally:
        if reporter is not None:
            reporter.cancel()
        await connection.close()
    print(f"sent {count} incidents in {produced:.2f} s ({count / produced:,.0f}/s)")
    print(
        f"all {count} queryable after {elapsed:.2f} s: {count / elapsed:,.0f} incidents/s end to end"
    )
    return count / elapsed


SendOne = Callable[[], Awaitable[UUID]]


async def measure_latency(send_one: SendOne, dsn: str, samples: int, *, via: str) -> None:
    connection = await asyncpg.connect(dsn)
    latencies: list[float] = []
    try:
        for _ in range(samples):
            start = time.perf_counter()
            incident_id = await send_one()
            while not await connection.fetchval(
                "SELECT 1 FROM gateway.repair_incidents WHERE incident_id = $1", incident_id
            ):
                await asyncio.sleep(0.002)
            latencies.append((time.perf_counter() - start) * 1000)
    finally:
        await connection.close()
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"latency {via} -> read model over {samples} incidents: p50 {cuts[49]:.0f} ms, "
        f"p95 {cuts[94]:.0f} ms, p99 {cuts[98]:.0f} ms, max {max(latencies):.0f} ms"
    )


@contextlib.asynccontextmanager
async def kafka_sender(kafka: str, topic: str) -> AsyncIterator[SendOne]:
    producer = AIOKafkaProducer(bootstrap_servers=kafka, enable_idempotence=True)
    await producer.start()

    async def send_one() -> UUID:
        incident = incident_reported()
        record = to_kafka(Event.new(incident, source="/bench", time=T0))
        headers = [(k, v.encode()) for k, v in record.headers.items()]
        await producer.send_and_wait(topic, record.value, key=record.key, headers=headers)
        return incident.incident_id

    try:
        yield send_one
    finally:
        await producer.stop()


@contextlib.asynccontextmanager
async def intake_sender(intake_url: str, token: str) -> AsyncIterator[SendOne]:
    async with httpx.AsyncClient(base_url=intake_url, timeout=10) as client:

        async def send_one() -> UUID:
            response = await client.post(
                "/v1/incidents",
                json=submission_json(),
                headers={"authorization": f"Bearer {token}"},
            )
            response.raise_for_status()
            return UUID(response.json()["incident_id"])

        yield send_one


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--incidents", type=int, default=20000)
    parser.add_argument("--latency-samples", type=int, default=200)
    parser.add_argument("--via", choices=("kafka", "intake"), default="kafka")
    parser.add_argument(
        "--matters",
        type=int,
        default=84,
        help="spread incidents over this many matters (department pair and category); "
        "1 makes every incident recur the one before (the recurrence rules' worst case)",
    )
    parser.add_argument(
        "--progress", action="store_true", help="print every stage's count each second"
    )
    parser.add_argument(
        "--replica",
        action="append",
        default=[],
        choices=("intake", "agreements", "followup", "graphql_gateway"),
        help="start one more process of this service (repeatable)",
    )
    args = parser.parse_args()
    infra = infrastructure_from_env()
    dsn = await create_database(infra)
    namespace = f"bench{uuid4().hex[:6]}"
    system = System.configure(kafka=infra.kafka, database_url=dsn, namespace=namespace)
    for service in args.replica:
        system.add_replica(service)
    topic = f"{namespace}.incidents"
    await system.start()
    try:
        if args.via == "kafka":
            feed = functools.partial(produce_all, infra.kafka, topic, args.incidents, args.matters)
            sender = kafka_sender(infra.kafka, topic)
        else:
            token = system.intake_token("it")
            feed = functools.partial(
                post_all, system.url("intake"), token, args.incidents, args.matters
            )
            sender = intake_sender(system.url("intake"), token)
        await measure_throughput(feed, dsn, args.incidents, progress=args.progress)
        async with sender as send_one:
            await measure_latency(send_one, dsn, args.latency_samples, via=args.via)
    finally:
        system.stop()
        await drop_database(infra, dsn)
        await delete_topics(infra.kafka, namespace)


if __name__ == "__main__":
    asyncio.run(main())
