"""Nothing lost, nothing counted twice: services SIGKILLed mid-stream, broker and database restarted.

Runs on a private Kafka + Postgres instance (`faults`), because it restarts them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import asyncpg
import httpx
import pytest
from aiokafka.errors import KafkaError

from bridgework.common.contracts import Contract
from bridgework.common.events import Event
from tests.e2e.system import System
from tests.factories import T0, incident_reported, submission_json
from tests.infra import Infrastructure, create_database, eventually, produce
from tests.intake_factories import bearer

pytestmark = pytest.mark.e2e

INFRA = Path(__file__).resolve().parents[2] / "deploy" / "local" / "infra.sh"
# The `faults` instance's ports are planned in infra.sh, below the ephemeral range.
FAULT_ENV = {"BRIDGEWORK_INFRA_INSTANCE": "faults"}
INCIDENTS = 2000
CHUNK = 100
# Production is spread over ~10 s so that every fault lands while events are flowing.
PAUSE = 0.5


def infra(command: str) -> str:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "KAFKA_BOOTSTRAP_SERVERS",
            "DATABASE_URL",
            "BRIDGEWORK_KAFKA_PORT",
            "BRIDGEWORK_PG_PORT",
        )
    }
    result = subprocess.run(  # noqa: S603 - the project's own script
        [str(INFRA), command], env=env | FAULT_ENV, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"infra.sh {command} failed:\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture(scope="module")
async def fault_infra() -> AsyncIterator[Infrastructure]:
    exports = dict(
        line.removeprefix("export ").split("=", 1)
        for line in (await asyncio.to_thread(infra, "up")).splitlines()
        if line.startswith("export ")
    )
    try:
        yield Infrastructure(
            kafka=exports["KAFKA_BOOTSTRAP_SERVERS"], database_url=exports["DATABASE_URL"]
        )
    finally:
        await asyncio.to_thread(infra, "down")


async def count(database_url: str, sql: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        value: int = await connection.fetchval(sql)
        return value
    finally:
        await connection.close()


async def test_every_incident_is_applied_exactly_once_across_kills_and_restarts(
    fault_infra: Infrastructure,
) -> None:
    database_url = await create_database(fault_infra)
    system = System.configure(
        kafka=fault_infra.kafka, database_url=database_url, namespace=f"faults{uuid4().hex[:6]}"
    )
    topic = f"{system.services['intake'].env['BRIDGEWORK_TOPIC_NAMESPACE']}.incidents"
    applied = "SELECT count(*) FROM agreements.repair_incidents"
    await system.start()
    try:

        async def stream_incidents() -> None:
            for start in range(0, INCIDENTS, CHUNK):
                batch: list[Event[Contract]] = [
                    Event.new(incident_reported(summary=f"incident {n}"), source="/faults", time=T0)
                    for n in range(start, start + CHUNK)
                ]
                await produce_through_outages(fault_infra.kafka, topic, batch)
                await asyncio.sleep(PAUSE)

        async def faults() -> None:
            await eventually(lambda: _at_least(database_url, applied, 1), timeout=30)
            before_kill = await count(database_url, applied)
            await restart(system, "agreements")
            await asyncio.sleep(1.0)
            await restart(system, "graphql_gateway", "followup")
            await asyncio.to_thread(infra, "restart-kafka")
            await asyncio.to_thread(infra, "restart-postgres")
            # Proof that the kill landed mid-stream, not before or after it.
            assert 0 < before_kill < INCIDENTS

        await asyncio.gather(stream_incidents(), faults())

        async def settled() -> bool:
            return [
                await count(database_url, applied),
                await count(
                    database_url,
                    "SELECT count(DISTINCT incident_id) FROM agreements.repair_incidents",
                ),
                await count(database_url, "SELECT count(*) FROM gateway.repair_incidents"),
                await count(database_url, "SELECT count(*) FROM followup.tracked_repairs"),
            ] == [INCIDENTS] * 4

        assert await eventually(settled, timeout=180, interval=1.0)
        await asyncio.sleep(3)  # anything applied twice would land now
        assert await settled()
        assert await count(database_url, "SELECT count(*) FROM gateway.repairs") == INCIDENTS
    finally:
        system.stop()


async def _at_least(database_url: str, sql: str, minimum: int) -> bool:
    return await count(database_url, sql) >= minimum


async def produce_through_outages(kafka: str, topic: str, batch: list[Event[Contract]]) -> None:
    """Produce, and while the broker restarts, produce the whole batch again.

    A retried batch repeats event ids that may already be on the topic: exactly
    the redelivery the consumers must absorb.
    """
    for _ in range(60):
        try:
            await produce(kafka, topic, batch)
            return
        except KafkaError:
            await asyncio.sleep(1.0)
    raise AssertionError("the broker did not come back within a minute")


async def restart(system: System, *names: str) -> None:
    """SIGKILL the services (no drain, no commit, no goodbye) and start them again."""
    for name in names:
        system.services[name].stop(signal.SIGKILL)
    for name in names:
        system.services[name].start()
    await asyncio.gather(*(system.services[name].wait_ready() for name in names))


# Postgres restarted under a bounded load of intake requests: 8 clients, 1,600 incidents.
LOAD_CLIENTS = 8
LOAD_PER_CLIENT = 200


async def test_a_postgres_restart_under_load_answers_503_with_retry_after_and_loses_nothing(
    fault_infra: Infrastructure,
) -> None:
    database_url = await create_database(fault_infra)
    system = System.configure(
        kafka=fault_infra.kafka, database_url=database_url, namespace=f"pg{uuid4().hex[:6]}"
    )
    intake = system.services["intake"]
    intake.env["BRIDGEWORK_RATE_LIMIT_PER_MINUTE"] = "0"  # the load is one token's
    intake.start()
    try:
        await intake.wait_ready()
        token = await asyncio.to_thread(system.intake_token, "it")
        statuses: Counter[int] = Counter()
        unexpected: list[tuple[int, str]] = []
        accepted: dict[str, str] = {}  # source reference -> incident id
        restarted = asyncio.Event()
        after_restart = 0

        async def submit(http: httpx.AsyncClient, reference: str) -> None:
            nonlocal after_restart
            body = submission_json(source={"tool": "native", "reference": reference})
            while True:  # as a department's tool would: again after Retry-After
                response = await http.post(
                    f"{intake.url}/v1/incidents", json=body, headers=bearer(token)
                )
                statuses[response.status_code] += 1
                if response.status_code in (200, 202):
                    accepted[reference] = response.json()["incident_id"]
                    after_restart += restarted.is_set()
                    return
                if response.status_code != 503 or "retry-after" not in response.headers:
                    unexpected.append((response.status_code, response.text[:300]))
                    return
                await asyncio.sleep(float(response.headers["retry-after"]))

        async def client(number: int) -> None:
            async with httpx.AsyncClient(timeout=30) as http:
                for index in range(LOAD_PER_CLIENT):
                    await submit(http, f"load-{number}-{index}")

        async def restart_postgres_mid_load() -> None:
            await eventually(lambda: _at(len(accepted), 300), timeout=60)
            await asyncio.to_thread(infra, "restart-postgres")
            restarted.set()

        await asyncio.wait_for(
            asyncio.gather(restart_postgres_mid_load(), *map(client, range(LOAD_CLIENTS))),
            timeout=240,
        )

        assert unexpected == [], f"not a 2xx nor a 503 with Retry-After: {unexpected[:5]}"
        assert statuses[500] == 0
        assert statuses[503] > 0, f"the restart did not touch the load: {statuses}"
        assert after_restart > 0, "the load was over before Postgres came back"
        assert len(accepted) == LOAD_CLIENTS * LOAD_PER_CLIENT
        connection = await asyncpg.connect(database_url)
        try:
            rows = await connection.fetch(
                "SELECT source_ref, incident_id::text AS id FROM intake.incidents"
                " WHERE source_ref LIKE 'load-%'"
            )
        finally:
            await connection.close()
        assert len(rows) == len(accepted)
        assert {row["source_ref"]: row["id"] for row in rows} == accepted
    finally:
        intake.stop()


async def _at(value: int, minimum: int) -> bool:
    return value >= minimum
