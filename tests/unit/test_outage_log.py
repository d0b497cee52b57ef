"""A broker outage logged once at its start, at intervals while it lasts, once at its end,
fed aiokafka's own records from a producer that cannot reach its broker (issue 12)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError

from bridgework.common.outage_log import OutageFilter, OutageLog
from tests.infra import free_port


class Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def collected() -> Iterator[tuple[Collected, OutageLog, FakeClock]]:
    clock = FakeClock()
    outage = OutageLog(interval_seconds=60, now=clock)
    handler = Collected()
    handler.addFilter(OutageFilter(outage))
    root, ours = logging.getLogger(), logging.getLogger("bridgework")
    level = ours.level
    ours.setLevel(logging.INFO)  # as configure_logging sets it in a service
    root.addHandler(handler)
    yield handler, outage, clock
    root.removeHandler(handler)
    ours.setLevel(level)


async def test_aiokafka_failing_to_reach_its_broker_is_one_line_not_a_flood(
    collected: tuple[Collected, OutageLog, FakeClock],
) -> None:
    handler, outage, _ = collected
    raw = Collected()
    logging.getLogger("aiokafka").addHandler(raw)
    try:
        for _ in range(3):
            producer = AIOKafkaProducer(
                bootstrap_servers=f"127.0.0.1:{free_port()}", request_timeout_ms=500
            )
            with pytest.raises(KafkaConnectionError):
                await producer.start()
            await producer.stop()
            # What the relay writes when its producer cannot start, traceback and all.
            try:
                raise KafkaConnectionError("Unable to bootstrap from [('127.0.0.1', 1)]")
            except KafkaConnectionError:
                logging.getLogger("bridgework.common.outbox").exception("relay failed; retrying")
    finally:
        logging.getLogger("aiokafka").removeHandler(raw)

    assert len(raw.lines) >= 3, "aiokafka said nothing: the test would prove nothing"
    assert outage.active
    assert [(r.levelname, r.name) for r in handler.lines] == [
        ("WARNING", "bridgework.common.outage_log")
    ]
    assert "Kafka unreachable" in handler.lines[0].getMessage()


def test_a_long_outage_is_summarised_at_intervals_and_its_end_said_once(
    collected: tuple[Collected, OutageLog, FakeClock],
) -> None:
    handler, outage, clock = collected
    kafka = logging.getLogger("aiokafka.client")
    for second in range(150):
        clock.now = float(second)
        for _ in range(100):  # issue 12 saw ~6,000 a second; fewer keep the test fast
            kafka.error("Unable connect to node with id %s: %s", 1, "Connect call failed")
        logging.getLogger("bridgework.intake").info("an unrelated line passes")
    outage.broker_reachable()
    kafka.warning("Got error produce response: NotLeaderForPartitionError")

    mine = [r for r in handler.lines if r.name != "bridgework.intake"]
    assert [r.levelname for r in mine] == ["WARNING", "WARNING", "WARNING", "INFO", "WARNING"]
    assert "still unreachable after 60s; 6000 lines held back" in mine[1].getMessage()
    assert "reachable again after 149s" in mine[3].getMessage()
    assert mine[4].name == "aiokafka.client"  # after the outage, lines pass again
    assert sum(r.name == "bridgework.intake" for r in handler.lines) == 150


def test_routine_aiokafka_warnings_outside_an_outage_pass(
    collected: tuple[Collected, OutageLog, FakeClock],
) -> None:
    handler, outage, _ = collected
    logging.getLogger("aiokafka.consumer.group_coordinator").warning("Heartbeat failed: rebalance")
    assert not outage.active
    assert len(handler.lines) == 1


def test_a_second_handler_sees_the_same_decision(
    collected: tuple[Collected, OutageLog, FakeClock],
) -> None:
    handler, outage, _ = collected
    other = Collected()
    other.addFilter(OutageFilter(outage))
    logging.getLogger().addHandler(other)
    try:
        logging.getLogger("aiokafka.client").error("Unable connect to node with id 1: x")
        logging.getLogger("aiokafka.client").error("Unable connect to node with id 1: x")
    finally:
        logging.getLogger().removeHandler(other)
    assert len(handler.lines) == len(other.lines) == 1


def test_the_end_waits_until_the_clients_have_stopped_complaining(
    collected: tuple[Collected, OutageLog, FakeClock],
) -> None:
    handler, outage, clock = collected
    kafka = logging.getLogger("aiokafka.consumer.group_coordinator")
    kafka.error("Failed fetch messages from 1: KafkaConnectionError: Connection closed")
    clock.now = 10.0
    kafka.warning("Heartbeat failed for group g: coordinator (node 1) is not valid")
    outage.broker_reachable(quiet_seconds=2)  # answering, but the clients still complain
    assert outage.active
    clock.now = 12.5
    outage.broker_reachable(quiet_seconds=2)
    assert not outage.active
    assert [r.getMessage()[:22] for r in handler.lines] == [
        "Kafka unreachable (Fai",
        "Kafka reachable again ",
    ]
