"""Reading everything a run left behind, for tests/e2e/test_no_plaintext.py: every record of
a namespace's topics from offset 0, every row of every table of every schema (as the
administrator, bytes as stored), log lines; and finding texts in them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from tests.database_admin import admin_database_url


@dataclass(frozen=True)
class Place:
    """Where a value was found, and what it is."""

    where: str
    content: bytes


async def every_record(kafka: str, namespace: str) -> list[Place]:
    """Each record of each topic of the namespace, from offset 0: its key, value and headers."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        topics = sorted(t for t in await admin.list_topics() if t.startswith(f"{namespace}."))
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    assert topics, f"no topics in namespace {namespace}"
    partitions = [
        TopicPartition(topic["topic"], partition["partition"])
        for topic in described
        for partition in topic["partitions"]
    ]
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        places: list[Place] = []
        while any([await consumer.position(p) < ends[p] for p in partitions]):
            batch = await consumer.getmany(timeout_ms=500)
            for partition, records in batch.items():
                for record in records:
                    headers = dict(record.headers or ())
                    kind = headers.get("ce_type", b"?").decode(errors="replace")
                    where = f"topic {partition.topic} ({kind}) offset {record.offset}"
                    places.append(Place(f"{where} key", record.key or b""))
                    places.append(Place(f"{where} value", record.value or b""))
                    for name, value in record.headers or ():
                        places.append(Place(f"{where} header {name}", value))
        return places
    finally:
        await consumer.stop()


async def every_row(database_url: str) -> list[Place]:
    """Each column of each row of each table of each schema, bytes as stored."""
    connection = await asyncpg.connect(admin_database_url(database_url))
    try:
        tables = await connection.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_type = 'BASE TABLE'"
            " AND table_schema NOT IN ('pg_catalog', 'information_schema')"
            " ORDER BY 1, 2"
        )
        places: list[Place] = []
        for schema, table in tables:
            for row in await connection.fetch(f'SELECT * FROM "{schema}"."{table}"'):
                for column, value in row.items():
                    content = value if isinstance(value, bytes) else str(value).encode()
                    places.append(Place(f"table {schema}.{table} column {column}", content))
        assert {schema for schema, _ in tables} >= {"intake", "agreements", "followup", "gateway"}
        return places
    finally:
        await connection.close()


def every_log_line(log_starts: dict[Path, int]) -> list[Place]:
    """The lines logged since each log's start offset."""
    places: list[Place] = []
    for log, start in log_starts.items():
        with log.open("rb") as lines:
            lines.seek(start)
            places += [Place(f"log {log.name}", line) for line in lines]
    return places


def found(places: list[Place], needles: dict[str, str]) -> list[str]:
    """`<what> in <where>` for each needle in each place that holds it (as UTF-8 or escaped
    in JSON, as a value inside a JSON document would be)."""
    forms = {
        what: {text.encode(), json.dumps(text)[1:-1].encode()} for what, text in needles.items()
    }
    return [
        f"{what!r} in {place.where}"
        for place in places
        for what, encoded in forms.items()
        if any(form in place.content for form in encoded)
    ]
