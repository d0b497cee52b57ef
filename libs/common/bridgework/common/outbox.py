"""The transactional outbox: events are stored with the state change, then relayed to Kafka.

`enqueue` runs inside the caller's transaction (no dual writes). `OutboxRelay`
publishes stored events in order and deletes them once Kafka acknowledged them
(acks=all, idempotent producer). One relay per schema holds an advisory lock,
so several replicas never reorder one aggregate's events. A crash between the
publish and the delete republishes: consumers' inboxes make that harmless.

The relay publishes with an aiokafka producer of its own rather than through
FastStream's broker: the rows are already encoded records, and FastStream's
per-message publish path (middlewares, codec, header merging) cost more than
the send itself (bench/plumbing.py, docs/architecture.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.producer.message_accumulator import BatchBuilder
from asyncpg import Record
from opentelemetry.trace import Span
from pydantic_core import to_json

from bridgework.common import metrics, tracing
from bridgework.common.contracts import Contract
from bridgework.common.events import Event, to_kafka
from bridgework.common.kafka_security import PLAINTEXT, KafkaSecurity, client_options
from bridgework.common.partitioning import partition_for_key, partition_index
from bridgework.common.postgres import Connection, Pool, connect

logger = logging.getLogger(__name__)

# A record batch holds up to this much of one relay batch's share of a partition (the
# broker takes up to 1 MiB per batch by default; aiokafka's own default is 16 KiB).
RECORD_BATCH_BYTES = 512 * 1024


def notify_channel(schema: str) -> str:
    return f"outbox_{schema}"


async def enqueue(
    connection: Connection, *, schema: str, topic: str, events: Sequence[Event[Contract]]
) -> None:
    """Store `events` for `topic` in the caller's transaction and wake the relay at commit.

    One statement for the whole batch and its wake-up. Rows take ids in the events' order
    (ORDER BY the ordinality feeds the insert), which is the order the relay publishes them in.
    Each row keeps the trace context of the work that wrote it (a request, a consumed batch),
    which the relay puts in the record's headers.
    """
    if not events:
        return
    ids, keys, values, headers = [], [], [], []
    for event in events:
        record = to_kafka(event)
        ids.append(event.id)
        keys.append(record.key)
        values.append(record.value)
        headers.append(to_json(record.headers).decode())
    # The NOTIFY is delivered only when the transaction commits, so the relay never sees a
    # rolled-back row; a data-modifying WITH runs whether or not the outer query reads it.
    await connection.execute(
        "WITH stored AS ("
        " INSERT INTO outbox (event_id, topic, key, value, headers, trace_context)"
        " SELECT u.event_id, $1, u.key, u.value, u.headers::jsonb, $7::jsonb"
        " FROM unnest($2::uuid[], $3::bytea[], $4::bytea[], $5::text[]) WITH ORDINALITY"
        "  AS u(event_id, key, value, headers, n)"
        " ORDER BY u.n"
        ") SELECT pg_notify($6, '')",
        topic,
        ids,
        keys,
        values,
        headers,
        notify_channel(schema),
        tracing.current_trace_headers(),  # the pool's jsonb codec encodes it
    )


class OutboxRelay:
    """Publishes a schema's outbox to Kafka; run one per service process."""

    def __init__(
        self,
        *,
        pool: Pool,
        dsn: str,
        schema: str,
        bootstrap_servers: str,
        client_id: str,
        batch_size: int = 500,
        poll_seconds: float = 1.0,
        security: KafkaSecurity = PLAINTEXT,
    ) -> None:
        self._pool = pool
        self._dsn = dsn
        self._schema = schema
        self._bootstrap_servers = bootstrap_servers
        self._client_id = client_id
        self._security = security
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self.published = 0
        self.beat: Callable[[], None] = lambda: None  # liveness hook (heartbeats.py)
        self._relayed = metrics.OUTBOX_RELAYED.labels(schema)

    def stop(self) -> None:
        """Ask the relay to stop after the batch in flight (sent AND deleted, so a graceful
        stop never republishes); `run` then returns."""
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        """Lead when the lock is free, follow (and wait) otherwise; survive database restarts."""
        while not self._stopping.is_set():
            self.beat()
            try:
                await self._lead()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("outbox relay for %s failed; retrying", self._schema)
                await self._pause()

    async def _pause(self) -> None:
        """Wait one poll interval, or less if stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), self._poll_seconds)

    async def _lead(self) -> None:
        leader = await connect(self._dsn, schema=self._schema, purpose="outbox-relay")
        producer: AIOKafkaProducer | None = None
        try:
            # Polling is the only way to wait for a Postgres advisory lock without blocking.
            while not await leader.fetchval(
                "SELECT pg_try_advisory_lock(hashtext($1))", f"outbox:{self._schema}"
            ):
                if self._stopping.is_set():
                    return
                self.beat()
                await self._pause()
            producer = self._producer()
            await producer.start()
            await leader.add_listener(notify_channel(self._schema), self._on_notify)
            logger.info("outbox relay for %s is leading", self._schema)
            while not leader.is_closed() and not self._stopping.is_set():
                self.beat()
                sent = await self._publish_pending(producer)
                if sent < self._batch_size:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
        finally:
            if producer is not None:
                with contextlib.suppress(Exception):
                    await producer.stop()
            with contextlib.suppress(Exception):
                await leader.close(timeout=2)

    def _producer(self) -> AIOKafkaProducer:
        """Idempotent, acks from all in-sync replicas: a retried send is never written twice."""
        return AIOKafkaProducer(
            bootstrap_servers=self._bootstrap_servers,
            client_id=f"{self._client_id}-outbox",
            enable_idempotence=True,
            acks="all",
            partitioner=partition_for_key,
            # Room for a whole outbox batch's share of one partition in one record batch.
            max_batch_size=RECORD_BATCH_BYTES,
            **client_options(self._security),
        )

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _publish_pending(self, producer: AIOKafkaProducer) -> int:
        """Publish one batch of stored events in id order; return how many went out."""
        async with self._pool.acquire() as connection:
            rows = await connection.fetch(
                # The stored trace context joins the headers in SQL: one jsonb to decode a row.
                "SELECT id, topic, key, value, headers || coalesce(trace_context, '{}') FROM outbox"
                " ORDER BY id LIMIT $1",
                self._batch_size,
            )
            if not rows:
                return 0
            spans: list[Span] = []
            try:
                await asyncio.gather(*await _send_in_record_batches(producer, rows, spans))
            finally:
                for span in spans:
                    span.end()
            await connection.execute(
                "DELETE FROM outbox WHERE id = ANY($1::bigint[])", [row["id"] for row in rows]
            )
        self.published += len(rows)
        self._relayed.inc(len(rows))
        return len(rows)


async def _send_in_record_batches(
    producer: AIOKafkaProducer, rows: Sequence[Record], spans: list[Span]
) -> list[asyncio.Future[Any]]:
    """Hand `rows` to the producer as record batches, one open batch per partition.

    Record by record, `producer.send` cost more than everything else in the relay (per
    record: metadata look-ups, the accumulator, a future); a batch builder appends a record
    in a fraction of that. Each partition's records keep their outbox order: batches of one
    partition are submitted in order, and the idempotent producer delivers them in order.
    The partition is the one Kafka's default partitioner picks for the key (partitioning.py).
    A record carries its row's trace context; while spans are exported, each record gets a
    publish span of its own (ended by the caller once Kafka acknowledged it) and its context.
    """
    span_each = tracing.exporting()
    partitions: dict[str, list[int]] = {}
    open_batches: dict[tuple[str, int], BatchBuilder] = {}
    sent: list[asyncio.Future[Any]] = []
    for _, topic, key, value, headers in rows:
        if topic not in partitions:
            partitions[topic] = sorted(await producer.partitions_for(topic))
        numbers = partitions[topic]
        partition = numbers[partition_index(key, len(numbers))]
        if span_each:
            spans.append(span := tracing.publishing_span(topic, headers))
            headers = headers | tracing.trace_headers_of(span)
        header_list = [(name, text.encode()) for name, text in headers.items()]
        batch = open_batches.get((topic, partition))
        if (
            batch is None
            or batch.append(key=key, value=value, timestamp=None, headers=header_list) is None
        ):
            if batch is not None:
                sent.append(await producer.send_batch(batch, topic, partition=partition))
            batch = open_batches[(topic, partition)] = producer.create_batch()
            # An empty batch takes any one record the producer would take.
            if batch.append(key=key, value=value, timestamp=None, headers=header_list) is None:
                raise ValueError(f"outbox record for {topic} is larger than a record batch")
    for (topic, partition), batch in open_batches.items():
        sent.append(await producer.send_batch(batch, topic, partition=partition))
    return sent


# A scrape must answer even while the database does not: then the gauges keep their values.
BACKLOG_TIMEOUT_SECONDS = 1.0


async def observe_backlog(
    pool: Pool, *, service: str, timeout: float = BACKLOG_TIMEOUT_SECONDS
) -> None:
    """Set the outbox gauges: events waiting and the oldest one's age, in two index look-ups.

    The backlog is the span of waiting ids: the relay deletes in id order, so it is exact
    but for ids a rolled-back transaction used (then it overstates), and it costs the same
    whether ten or ten million events wait, where count(*) would read them all.
    """
    try:
        async with asyncio.timeout(timeout), pool.acquire() as connection:
            row = await connection.fetchrow(
                "SELECT (SELECT max(id) FROM outbox) - first.id + 1 AS backlog,"
                " extract(epoch FROM now() - first.created_at) AS age"
                " FROM (SELECT id, created_at FROM outbox ORDER BY id LIMIT 1) AS first"
            )
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        logger.debug("outbox backlog not read for %s", service, exc_info=True)
        return
    metrics.OUTBOX_BACKLOG.labels(service).set(row["backlog"] if row else 0)
    metrics.OUTBOX_OLDEST_AGE.labels(service).set(max(float(row["age"]), 0.0) if row else 0.0)


async def pending_count(pool: Pool) -> int:
    """How many events wait in the outbox (for health and tests)."""
    async with pool.acquire() as connection:
        count: int = await connection.fetchval("SELECT count(*) FROM outbox")
    return count
