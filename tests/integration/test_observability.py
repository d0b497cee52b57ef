"""Traces through the outbox and Kafka, and the metrics of the consumer, the outbox and
follow-up's nudges, against the real broker and database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest
from opentelemetry.trace import SpanKind
from prometheus_client import REGISTRY

from bridgework.common import tracing
from bridgework.common.clock import ManualClock
from bridgework.common.consumer import BatchConsumer, subscribe
from bridgework.common.contracts import Contract
from bridgework.common.events import Event, to_kafka
from bridgework.common.outbox import enqueue, observe_backlog
from bridgework.common.postgres import Connection, Pool, create_pool, migrate
from bridgework.common.runtime import Runtime, service_runtime
from bridgework.common.settings import ServiceSettings
from bridgework.followup.app import create_app as create_followup
from tests.factories import T0, incident_reported, repair_opened
from tests.followup_factories import (
    MONDAY,
    Inbox,
    WebhookReceiver,
    agreement_reached,
    followup_settings,
    publish,
    scheduled,
    terms,
)
from tests.infra import Infrastructure, eventually, header, produce, read_topic, running
from tests.integration.test_followup_nudges import FRIDAY_MORNING, add_contacts, current
from tests.observability_support import finished_spans, sample, spans_in_memory

pytestmark = pytest.mark.integration

TRACE_ID = "5b8efff798038103d269b633813fc60c"
TRACEPARENT = f"00-{TRACE_ID}-eee19b7ec3c1b174-01"


def events(count: int) -> list[Event[Contract]]:
    return [
        Event.new(incident_reported(summary=f"incident {n}"), source="/test", time=T0)
        for n in range(count)
    ]


@pytest.fixture
async def runtime(
    infra: Infrastructure, database_url: str, namespace: str
) -> AsyncIterator[Runtime]:
    settings = ServiceSettings(
        service_name="observed",
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=namespace,
        topic_partitions=2,
        outbox_poll_seconds=0.2,
    )

    async def nothing(_: Connection, __: Sequence[Event[Contract]]) -> None:
        return None

    def subscriptions(broker: object, pool: Pool) -> None:
        consumer = BatchConsumer(name="observed.incidents", pool=pool, broker=broker, apply=nothing)  # type: ignore[arg-type]
        subscribe(
            broker,  # type: ignore[arg-type]
            topics=[settings.topics.incidents],
            group_id="observed",
            consumer=consumer,
            batch_size=50,
            description="test consumer",
        )

    spans_in_memory()
    async with service_runtime(
        settings, migrations_package=None, subscriptions=subscriptions
    ) as rt:
        yield rt


async def test_a_relayed_record_carries_the_trace_of_the_work_that_wrote_it(
    runtime: Runtime, infra: Infrastructure, monkeypatch: pytest.MonkeyPatch
) -> None:
    topic = runtime.settings.topics.repairs
    traced, untraced, exported = events(1), events(1), events(1)
    monkeypatch.setattr(tracing, "_exporting", False)  # as in a process with no OTLP endpoint
    with tracing.tracer.start_as_current_span("writing") as writer:
        writer_headers = tracing.current_trace_headers()
        async with runtime.pool.acquire() as connection, connection.transaction():
            await enqueue(connection, schema="observed", topic=topic, events=traced)
    async with runtime.pool.acquire() as connection, connection.transaction():
        await enqueue(connection, schema="observed", topic=topic, events=untraced)
    records = await read_topic(infra.kafka, topic, until=lambda r: len(r) >= 2)
    monkeypatch.setattr(tracing, "_exporting", True)
    with tracing.tracer.start_as_current_span("writing again") as second_writer:
        async with runtime.pool.acquire() as connection, connection.transaction():
            await enqueue(connection, schema="observed", topic=topic, events=exported)
    records = await read_topic(infra.kafka, topic, until=lambda r: len(r) >= 3)

    by_id = {header(r, "ce_id"): r for r in records}
    assert writer_headers is not None
    assert header(by_id[str(traced[0].id)], "traceparent") == writer_headers["traceparent"]
    assert header(by_id[str(untraced[0].id)], "traceparent") is None
    # While exporting, each record has a publish span of its own, the writer's child.
    relayed = header(by_id[str(exported[0].id)], "traceparent") or ""
    publish_span_id = int(relayed.split("-")[2], 16)
    [publish_span] = [s for s in finished_spans() if s.context.span_id == publish_span_id]
    assert publish_span.kind is SpanKind.PRODUCER
    assert publish_span.parent is not None
    assert publish_span.parent.span_id == second_writer.get_span_context().span_id
    assert writer.get_span_context().trace_id != second_writer.get_span_context().trace_id


async def test_a_consumed_record_continues_its_trace_and_is_counted_with_its_lag(
    runtime: Runtime, infra: Infrastructure
) -> None:
    topic = runtime.settings.topics.incidents
    applied = sample("bridgework_consumer_events_applied_total", consumer="observed.incidents")
    record = to_kafka(events(1)[0])
    headers = [(name, text.encode()) for name, text in record.headers.items()]
    traced = (record.key, record.value, [*headers, ("traceparent", TRACEPARENT.encode())])
    await produce(infra.kafka, topic, [], extra=[traced])

    async def consumed() -> bool:
        return (
            sample("bridgework_consumer_events_applied_total", consumer="observed.incidents")
            > applied
        )

    await eventually(consumed)
    spans = [s for s in finished_spans() if format(s.context.trace_id, "032x") == TRACE_ID]
    assert [(s.kind, s.name) for s in spans] == [(SpanKind.CONSUMER, f"{topic} process")]
    lags = [
        REGISTRY.get_sample_value(
            "bridgework_consumer_lag_records",
            {"consumer": "observed.incidents", "topic": topic, "partition": str(partition)},
        )
        for partition in (0, 1)
    ]
    assert sorted(lags, key=str) == [0.0, None]  # the record's partition, caught up


async def test_the_outbox_gauges_show_what_waits_and_for_how_long(
    infra: Infrastructure, database_url: str
) -> None:
    pool = await create_pool(database_url, schema="gauged")
    try:
        await migrate(pool, schema="gauged", package=None)
        await observe_backlog(pool, service="gauged")
        empty = sample("bridgework_outbox_backlog_events", service="gauged")
        async with pool.acquire() as connection, connection.transaction():
            await enqueue(connection, schema="gauged", topic="t", events=events(3))
            await connection.execute("UPDATE outbox SET created_at = now() - interval '90 s'")
        await observe_backlog(pool, service="gauged")
    finally:
        await pool.close()

    assert empty == 0
    assert sample("bridgework_outbox_backlog_events", service="gauged") == 3
    assert 90 <= sample("bridgework_outbox_oldest_age_seconds", service="gauged") < 120


async def test_nudges_are_counted_by_channel_and_outcome_and_served_on_metrics(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    def nudges(channel: str, outcome: str) -> float:
        return sample("bridgework_nudge_deliveries_total", channel=channel, outcome=outcome)

    before = {(c, o): nudges(c, o) for c in ("email", "webhook") for o in ("sent", "retrying")}
    fired = sample("bridgework_timers_fired_total")
    clock = ManualClock(MONDAY)
    opened = repair_opened(opened_at=MONDAY)
    async with Inbox() as inbox, WebhookReceiver(fail_first=1) as webhook:
        settings = followup_settings(
            infra, database_url, namespace,
            smtp_host="127.0.0.1", smtp_port=inbox.port, smtp_security="none",
            delivery_retry_base_seconds=0.2, webhook_allow_private_targets=True,
        )  # fmt: skip
        async with running(create_followup(settings, clock)) as followup:
            await add_contacts(followup)
            await followup.put("/v1/departments/it/webhook", json={"url": webhook.url})
            await publish(settings, opened, agreement_reached(opened.repair_id, [terms()]))
            await eventually(lambda: scheduled(followup, opened.repair_id, "reminder", "lapse"))
            clock.advance(FRIDAY_MORNING - MONDAY)
            await eventually(lambda: current(inbox.messages and webhook.posts))
            # The counters move once follow-up has recorded each answer, a moment after the
            # receivers saw the mail and the posts: wait for them, then count exactly.
            expected = {("email", "sent"), ("webhook", "retrying"), ("webhook", "sent")}
            await eventually(
                lambda: current(all(nudges(c, o) > before[(c, o)] for c, o in expected))
            )
            scraped = (await followup.get("/metrics")).text

    assert nudges("email", "sent") == before[("email", "sent")] + 1
    assert nudges("webhook", "retrying") == before[("webhook", "retrying")] + 1
    assert nudges("webhook", "sent") == before[("webhook", "sent")] + 1
    assert sample("bridgework_timers_fired_total") > fired
    assert 'bridgework_outbox_backlog_events{service="followup"}' in scraped
    assert "bridgework_timers_due " in scraped
