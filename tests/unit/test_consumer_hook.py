"""Common's batch consumer with a hook: the same retries, splitting and dead letters as for events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

import pytest
from faststream.kafka import KafkaBroker

from bridgework.common.consumer import BatchConsumer, Reading, Refusal
from bridgework.common.postgres import Pool


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass
class Broker:
    """Keeps what would be published to the dead-letter topics."""

    published: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    async def publish(self, value: bytes, *, topic: str, key: Any, headers: dict[str, str]) -> None:
        self.published.append((topic, value, headers))


@dataclass
class Hook:
    """Reads `ok:`/`no:`/`bad:`/`boom:` records; applies, refuses or fails on them."""

    transient_failures: int = 0
    applied: list[list[str]] = field(default_factory=list)

    def read(self, records: Sequence[Any]) -> Reading[str]:
        items: list[tuple[Any, str]] = []
        refused: list[tuple[Any, Refusal]] = []
        for record in records:
            text = record.value.decode()
            if text.startswith("bad:"):
                refused.append((record, Refusal("invalid_event", f"unreadable {text}")))
            else:
                items.append((record, text))
        return Reading(items, refused)

    async def apply(self, items: Sequence[str]) -> list[Refusal | None]:
        if self.transient_failures:
            self.transient_failures -= 1
            raise ConnectionResetError("the database went away for a moment")
        if any(item.startswith("boom:") for item in items):
            raise ValueError("cannot apply a boom")
        self.applied.append(list(items))
        return [Refusal("forbidden", f"not {item}") if item.startswith("no:") else None
                for item in items]  # fmt: skip

    def kept(self, record: Any, error: str) -> tuple[Any, str]:
        return replace(record, value=b"[redacted]"), error.replace("secret", "[redacted]")


def consumer(hook: Hook, broker: Broker) -> BatchConsumer:
    return BatchConsumer(
        name="test.hooked",
        pool=cast(Pool, None),  # the hook's own transactions need no pool of the consumer's
        broker=cast(KafkaBroker, broker),
        hook=hook,
        max_attempts=2,
        retry_base_seconds=0.001,
    )


def records(*values: str) -> list[Record]:
    return [Record("raw", 0, offset, None, value.encode()) for offset, value in enumerate(values)]


def reasons(broker: Broker) -> list[tuple[str, str, bytes]]:
    return [
        (headers["bridgework_dlq_offset"], headers["bridgework_dlq_reason"], value)
        for _, value, headers in broker.published
    ]


async def test_read_and_apply_refusals_are_dead_lettered_as_the_hook_keeps_them() -> None:
    hook, broker = Hook(), Broker()
    hooked = consumer(hook, broker)

    await hooked.handle(records("ok:1", "bad:secret", "no:2", "ok:3"))

    assert hook.applied == [["ok:1", "no:2", "ok:3"]]
    assert reasons(broker) == [
        ("1", "invalid_event", b"[redacted]"),
        ("2", "forbidden", b"[redacted]"),
    ]
    assert broker.published[0][2]["bridgework_dlq_error"] == "unreadable bad:[redacted]"
    assert broker.published[0][0] == "raw.dlq"
    assert (hooked.applied, hooked.dead_lettered) == (2, 2)


async def test_a_failing_batch_is_split_and_only_the_bad_item_dead_lettered() -> None:
    hook, broker = Hook(), Broker()
    hooked = consumer(hook, broker)

    await hooked.handle(records("ok:1", "boom:2", "ok:3"))

    assert hook.applied == [["ok:1"], ["ok:3"]]
    assert reasons(broker) == [("1", "processing_failed", b"[redacted]")]
    assert "ValueError: cannot apply a boom" in broker.published[0][2]["bridgework_dlq_error"]


async def test_the_infrastructure_being_away_is_waited_out_not_dead_lettered() -> None:
    hook, broker = Hook(transient_failures=3), Broker()

    await consumer(hook, broker).handle(records("ok:1", "ok:2"))

    assert hook.applied == [["ok:1", "ok:2"]]
    assert broker.published == []


def test_a_consumer_has_an_applier_or_a_hook() -> None:
    with pytest.raises(ValueError, match="not both"):
        BatchConsumer(name="x", pool=cast(Pool, None), broker=cast(KafkaBroker, None))
