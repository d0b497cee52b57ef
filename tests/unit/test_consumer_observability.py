"""Common's batch consumer counts, measures lag, continues traces and names the event it logs."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator, Sequence

import pytest
from aiokafka.structs import TopicPartition
from opentelemetry.trace import SpanKind

from bridgework.common import logs
from bridgework.common.consumer import Refusal, observe_lag
from tests.observability_support import finished_spans, sample, spans_in_memory
from tests.unit.test_consumer_hook import Broker, Hook, Record, consumer, records

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"
CE_ID = "1b0e8a0c-7f43-4f5e-9d3a-2b8f0c6d9e11"


def traced(record: Record, *, traceparent: str = TRACEPARENT) -> Record:
    return Record(
        record.topic,
        record.partition,
        record.offset,
        record.key,
        record.value,
        [("ce_id", CE_ID.encode()), ("traceparent", traceparent.encode())],
    )


@pytest.fixture
def consumer_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter("tests"))
    handler.setFormatter(logs.JsonFormatter())
    consumer_logger = logging.getLogger("bridgework.common.consumer")
    consumer_logger.addHandler(handler)
    try:
        yield stream
    finally:
        consumer_logger.removeHandler(handler)


async def test_applied_and_dead_lettered_records_are_counted_per_consumer_and_reason() -> None:
    applied = sample("bridgework_consumer_events_applied_total", consumer="test.hooked")
    refused = {
        reason: sample(
            "bridgework_consumer_events_dead_lettered_total", consumer="test.hooked", reason=reason
        )
        for reason in ("invalid_event", "forbidden")
    }

    await consumer(Hook(), Broker()).handle(records("ok:1", "bad:2", "no:3", "ok:4"))

    assert sample("bridgework_consumer_events_applied_total", consumer="test.hooked") == (
        applied + 2
    )
    for reason, before in refused.items():
        after = sample(
            "bridgework_consumer_events_dead_lettered_total", consumer="test.hooked", reason=reason
        )
        assert after == before + 1, reason


def test_lag_is_the_high_watermark_less_the_next_offset_per_partition() -> None:
    class Kafka:
        def __init__(self) -> None:
            self.owned = {TopicPartition("t.repairs", p) for p in (0, 1, 2)}

        def highwater(self, partition: TopicPartition) -> int | None:
            return {0: 120, 1: 7}.get(partition.partition)

        def assignment(self) -> set[TopicPartition]:
            return self.owned

    kafka = Kafka()
    observe_lag(
        kafka,
        "test.lag",
        {TopicPartition("t.repairs", 0): 100, TopicPartition("t.repairs", 1): 7,
         TopicPartition("t.repairs", 2): 3},
    )  # fmt: skip

    def lag(partition: str) -> float | None:
        from prometheus_client import REGISTRY

        return REGISTRY.get_sample_value(
            "bridgework_consumer_lag_records",
            {"consumer": "test.lag", "topic": "t.repairs", "partition": partition},
        )

    assert (lag("0"), lag("1"), lag("2")) == (20, 0, None)  # 2: no watermark known yet

    kafka.owned = {TopicPartition("t.repairs", 1)}  # a rebalance gave 0 and 2 to another
    observe_lag(kafka, "test.lag", {TopicPartition("t.repairs", 1): 5})

    assert (lag("0"), lag("1")) == (None, 2)


async def test_a_batch_of_one_continues_its_records_trace_and_logs_its_event_id(
    consumer_log: io.StringIO,
) -> None:
    spans_in_memory()
    [record] = records("boom:1")

    await consumer(Hook(), Broker()).handle([traced(record)])

    [span] = [s for s in finished_spans() if format(s.context.trace_id, "032x") == TRACE_ID]
    assert span.kind is SpanKind.CONSUMER
    assert span.name == "raw process"
    assert span.parent is not None
    assert format(span.parent.span_id, "016x") == "b7ad6b7169203331"
    lines = [json.loads(line) for line in consumer_log.getvalue().splitlines()]
    dead_lettering = [line for line in lines if "dead-lettering" in line["message"]]
    assert dead_lettering
    assert all(line["event_id"] == CE_ID for line in dead_lettering)
    assert all(line["trace_id"] == TRACE_ID for line in dead_lettering)


async def test_a_batch_of_many_starts_its_own_trace_linked_to_its_records() -> None:
    spans_in_memory()
    first, second = records("ok:1", "ok:2")
    other_trace = "11111111111111111111111111111111"

    await consumer(Hook(), Broker()).handle(
        [traced(first), traced(second, traceparent=f"00-{other_trace}-b7ad6b7169203331-01")]
    )

    [span] = [
        s
        for s in finished_spans()
        if {format(link.context.trace_id, "032x") for link in s.links} == {TRACE_ID, other_trace}
    ]
    assert span.parent is None
    assert format(span.context.trace_id, "032x") not in (TRACE_ID, other_trace)


async def test_a_batch_of_records_of_one_trace_continues_it() -> None:
    spans_in_memory()
    first, second = records("ok:1", "ok:2")
    one_trace = "22222222222222222222222222222222"
    traceparent = f"00-{one_trace}-b7ad6b7169203331-01"

    await consumer(Hook(), Broker()).handle(
        [traced(first, traceparent=traceparent), traced(second, traceparent=traceparent),
         records("ok:3")[0]]
    )  # fmt: skip

    [span] = [s for s in finished_spans() if format(s.context.trace_id, "032x") == one_trace]
    assert span.parent is not None
    assert span.attributes is not None
    assert span.attributes["messaging.batch.message_count"] == 3


class QuotingHook(Hook):
    """Fails as drivers do: the message quotes the value it could not store."""

    async def apply(self, items: Sequence[str]) -> list[Refusal | None]:
        raise ValueError(f"invalid input for query argument $2: {items[0]!r}")


async def test_a_failing_record_s_content_reaches_the_dead_letter_but_never_the_log(
    consumer_log: io.StringIO,
) -> None:
    broker = Broker()
    said = "ok:Ada Lovelace said the rollout broke her team's week"

    await consumer(QuotingHook(), broker).handle(records(said, "bad:Ada Lovelace again"))

    logged = consumer_log.getvalue()
    assert "giving up" in logged
    assert "ValueError" in logged
    assert "Lovelace" not in logged
    errors = [headers["bridgework_dlq_error"] for _, _, headers in broker.published]
    assert any("Lovelace" in error for error in errors), "the dead letter keeps why, in full"
