"""Benchmark: incidents through agreements into the gateway's read model, on this machine.

Starts the four services as processes against the Kafka and Postgres named by
KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL (`eval "$(deploy/local/infra.sh up)"`
first), produces IncidentReported events straight onto the incidents topic,
and prints:
- throughput: incidents per second from the first produced to the last
  repair queryable in the gateway's read model;
- latency: for single incidents produced one at a time on an idle pipeline,
  p50/p99 from produce to the repair being in the read model.

    .venv/bin/python -m bench.pipeline --incidents 20000 --latency-samples 200
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from uuid import uuid4

import asyncpg
from aiokafka import AIOKafkaProducer
from tests.e2e.system import System
from tests.factories import T0, incident_reported
from tests.infra import create_database, drop_database, infrastructure_from_env

from bridgework.common.events import Event, to_kafka


async def produce_all(kafka: str, topic: str, count: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka, enable_idempotence=True, linger_ms=5)
    await producer.start()
    try:
        pending = []
        for n in range(count):
            record = to_kafka(
                Event.new(incident_reported(summary=f"bench {n}"), source="/bench", time=T0)
            )
            headers = [(k, v.encode()) for k, v in record.headers.items()]
            pending.append(
                await producer.send(topic, record.value, key=record.key, headers=headers)
            )
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def read_model_count(connection: asyncpg.Connection) -> int:
    count: int = await connection.fetchval("SELECT count(*) FROM gateway.repair_incidents")
    return count


STAGES = {
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
    kafka: str, topic: str, dsn: str, count: int, *, progress: bool
) -> float:
    connection = await asyncpg.connect(dsn)
    start = time.perf_counter()
    reporter = asyncio.create_task(report_progress(dsn, start)) if progress else None
    try:
        await produce_all(kafka, topic, count)
        produced = time.perf_counter() - start
        while await read_model_count(connection) < count:
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - start
    finally:
        if reporter is not None:
            reporter.cancel()
        await connection.close()
    print(f"produced {count} incidents in {produced:.2f} s ({count / produced:,.0f}/s)")
    print(
        f"all {count} queryable after {elapsed:.2f} s: {count / elapsed:,.0f} incidents/s end to end"
    )
    return count / elapsed


async def measure_latency(kafka: str, topic: str, dsn: str, samples: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka, enable_idempotence=True)
    await producer.start()
    connection = await asyncpg.connect(dsn)
    latencies: list[float] = []
    try:
        for _ in range(samples):
            incident = incident_reported()
            record = to_kafka(Event.new(incident, source="/bench", time=T0))
            headers = [(k, v.encode()) for k, v in record.headers.items()]
            start = time.perf_counter()
            await producer.send_and_wait(topic, record.value, key=record.key, headers=headers)
            while not await connection.fetchval(
                "SELECT 1 FROM gateway.repair_incidents WHERE incident_id = $1",
                incident.incident_id,
            ):
                await asyncio.sleep(0.002)
            latencies.append((time.perf_counter() - start) * 1000)
    finally:
        await connection.close()
        await producer.stop()
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"latency produce -> read model over {samples} incidents: "
        f"p50 {cuts[49]:.0f} ms, p95 {cuts[94]:.0f} ms, p99 {cuts[98]:.0f} ms, max {max(latencies):.0f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--incidents", type=int, default=20000)
    parser.add_argument("--latency-samples", type=int, default=200)
    parser.add_argument(
        "--progress", action="store_true", help="print every stage's count each second"
    )
    args = parser.parse_args()
    infra = infrastructure_from_env()
    dsn = await create_database(infra)
    namespace = f"bench{uuid4().hex[:6]}"
    system = System.configure(kafka=infra.kafka, database_url=dsn, namespace=namespace)
    topic = f"{namespace}.incidents"
    await system.start()
    try:
        await measure_throughput(infra.kafka, topic, dsn, args.incidents, progress=args.progress)
        await measure_latency(infra.kafka, topic, dsn, args.latency_samples)
    finally:
        system.stop()
        await drop_database(infra, dsn)


if __name__ == "__main__":
    asyncio.run(main())
