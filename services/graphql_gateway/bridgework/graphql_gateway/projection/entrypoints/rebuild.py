"""Rebuild the read model from the topics: every event from offset 0 into a fresh schema, swap
it in, then catch up on what the live consumer applied to the old schema meanwhile.

Why the catch-up is enough, and what the running gateway sees: docs/operations.md,
"Rebuilding the read model".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import perf_counter
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition

from bridgework.common.errors import DomainError, ErrorKind
from bridgework.common.events import InvalidEventError, decode_headers, from_kafka
from bridgework.common.kafka_security import client_options
from bridgework.common.postgres import create_pool
from bridgework.graphql_gateway.projection.entrypoints.events import CONSUMER
from bridgework.graphql_gateway.projection.use_cases import rebuild
from bridgework.graphql_gateway.settings import GatewaySettings

Progress = Callable[[int, int], None]  # (events read, events to read)
FETCH_TIMEOUT_MS = 500


@dataclass(frozen=True)
class Rebuilt:
    """What a rebuild did: events read, applied (new to the fresh schema), skipped (invalid:
    the live consumer dead-lettered them), how long it took, and where the old schema went."""

    read: int
    applied: int
    skipped: int
    seconds: float
    retired: str


@dataclass
class _Reader:
    """Reads assigned partitions up to given end offsets and applies what it read."""

    consumer: AIOKafkaConsumer
    batch_size: int
    progress: Progress
    read: int = 0
    applied: int = 0
    skipped: int = 0
    total: int = 0

    async def read_to(self, ends: dict[TopicPartition, int], pool: Any) -> None:
        for partition, end in ends.items():
            self.total += max(end - await self.consumer.position(partition), 0)
        self.progress(self.read, self.total)
        while [tp for tp, end in ends.items() if await self.consumer.position(tp) < end]:
            batches = await self.consumer.getmany(
                timeout_ms=FETCH_TIMEOUT_MS, max_records=self.batch_size
            )
            records = [r for tp, rs in batches.items() for r in rs if r.offset < ends[tp]]
            events = self._events(records)
            if events:
                self.applied += await rebuild.apply(pool, consumer=CONSUMER, events=events)
            self.read += len(records)
            self.progress(self.read, self.total)
            for tp, rs in batches.items():
                if rs and rs[-1].offset >= ends[tp]:
                    # Read past the snapshot: the catch-up reads those again, from here.
                    self.consumer.seek(tp, ends[tp])

    def _events(self, records: Sequence[Any]) -> list[Any]:
        events = []
        for record in records:
            try:
                events.append(from_kafka(decode_headers(record.headers), record.value))
            except InvalidEventError:
                self.skipped += 1
        return events


async def rebuild_read_model(
    settings: GatewaySettings, *, admin_dsn: str, retired_suffix: str, progress: Progress
) -> Rebuilt:
    """Rebuild `settings.db_schema` from the gateway's topics and swap the result in."""
    started = perf_counter()
    live = settings.db_schema
    rebuilt, retired = f"{live}_rebuild", f"{live}_old_{retired_suffix}"
    topics = settings.topics
    names = [
        topics.incidents,
        topics.repairs,
        topics.followups,
        topics.privacy,
        topics.changes,
        topics.engagements,
    ]
    admin = await asyncpg.connect(admin_dsn)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        **client_options(settings.kafka_security),
    )
    await consumer.start()
    try:
        await rebuild.prepare(admin, live=live, rebuilt=rebuilt)
        partitions = await _partitions(settings, names)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        reader = _Reader(consumer, settings.consumer_batch_size, progress)
        pool = await create_pool(settings.database_url, schema=rebuilt, max_size=2)
        try:
            await rebuild.migrate_rebuilt(pool, rebuilt=rebuilt)
            await reader.read_to(await consumer.end_offsets(partitions), pool)
        finally:
            await pool.close()
        await rebuild.switch(admin, live=live, rebuilt=rebuilt, retired=retired)
        # What the live consumer applied to the old schema since the snapshot: its offsets
        # are below the ends as of now, so reading to them brings it into the new schema.
        pool = await create_pool(settings.database_url, schema=live, max_size=2)
        try:
            await reader.read_to(await consumer.end_offsets(partitions), pool)
        finally:
            await pool.close()
    finally:
        await consumer.stop()
        await admin.close()
    return Rebuilt(reader.read, reader.applied, reader.skipped, perf_counter() - started, retired)


async def _partitions(settings: GatewaySettings, names: list[str]) -> list[TopicPartition]:
    client = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        **client_options(settings.kafka_security),
    )
    await client.start()
    try:
        existing = set(await client.list_topics())
        missing = [name for name in names if name not in existing]
        if missing:
            detail = f"topic(s) {', '.join(missing)} do not exist"
            raise DomainError("not_found", detail, kind=ErrorKind.NOT_FOUND)
        described = await client.describe_topics(names)
    finally:
        await client.close()
    return sorted(
        TopicPartition(topic["topic"], part["partition"])
        for topic in described
        for part in topic["partitions"]
    )
