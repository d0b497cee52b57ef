"""Dead letters for operators: list them, show one, re-drive them after a fix.

A dead letter is a record on `<topic>.dlq` (consumer.dead_letter): the original key, bytes
and headers, plus `bridgework_dlq_*` headers saying who gave up on it and why.

Re-driving publishes the original bytes and headers (minus `bridgework_dlq_*`) back to the
original topic. What was re-driven is remembered as the committed offsets of one consumer
group on the dead-letter topic (`<namespace>.cli.redrive`, `redrive_group`): each dead
letter is committed right after its publish was acknowledged, so running redrive twice
publishes nothing the second time. A crash between the two re-publishes one record at most;
the consumers' inboxes (and intake's delivery ids) make that a no-op.

Intake keeps raw records with their token redacted; such a record is re-driven only with a
fresh token of the department the record reports for (`Fix.token`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata, TopicPartition

from bridgework.common.kafka_security import KafkaSecurity, client_options
from bridgework.common.topics import DEAD_LETTER_SUFFIX

DLQ_HEADER_PREFIX = "bridgework_dlq_"
TOKEN_HEADER = "ce_bridgeworktoken"  # noqa: S105 - a header's name
TOKEN_ATTRIBUTE = "bridgeworktoken"  # noqa: S105 - an attribute's name
REDACTED = b"[redacted]"
FETCH_TIMEOUT_MS = 1000


def redrive_group(namespace: str) -> str:
    """The consumer group whose committed offsets say what was re-driven already."""
    return f"{namespace}.cli.redrive"


class DeadLetterError(Exception):
    """Dead letters cannot be listed, shown or re-driven as asked; the message says why."""


@dataclass(frozen=True)
class DeadLetter:
    """One record of a dead-letter topic."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]

    def header(self, name: str) -> str | None:
        found = next((value for key, value in self.headers if key == name), None)
        return None if found is None else found.decode(errors="backslashreplace")

    @property
    def reason(self) -> str:
        return self.header(DLQ_HEADER_PREFIX + "reason") or "unknown"

    @property
    def error(self) -> str:
        return self.header(DLQ_HEADER_PREFIX + "error") or ""

    @property
    def consumer(self) -> str:
        return self.header(DLQ_HEADER_PREFIX + "consumer") or "unknown"

    @property
    def original_topic(self) -> str:
        kept = self.header(DLQ_HEADER_PREFIX + "topic")
        return kept or self.topic.removesuffix(DEAD_LETTER_SUFFIX)

    @property
    def original_headers(self) -> list[tuple[str, bytes]]:
        return [(k, v) for k, v in self.headers if not k.startswith(DLQ_HEADER_PREFIX)]

    @property
    def token_redacted(self) -> bool:
        """Intake kept this record without its token (header or structured attribute)."""
        if any(k.lower() == TOKEN_HEADER and v == REDACTED for k, v in self.headers):
            return True
        document = json_object(self.value)
        return document is not None and document.get(TOKEN_ATTRIBUTE) == REDACTED.decode()

    @property
    def token_missing(self) -> bool:
        """A CloudEvent that came without any token (refused as unauthenticated)."""
        binary = any(k.lower() == "ce_specversion" for k, _ in self.headers)
        document = json_object(self.value)
        structured = document is not None and "specversion" in document
        in_header = any(k.lower() == TOKEN_HEADER for k, _ in self.headers)
        in_attribute = document is not None and TOKEN_ATTRIBUTE in document
        return (binary and not in_header) or (structured and not binary and not in_attribute)

    @property
    def department(self) -> str | None:
        """The department an incident CloudEvent reports for (binary or structured mode)."""
        document = json_object(self.value)
        if document is None:
            return None
        data = document.get("data") if "specversion" in document else document
        department = data.get("department") if isinstance(data, dict) else None
        return department if isinstance(department, str) else None


@dataclass(frozen=True)
class TopicSummary:
    """What `dlq list` prints for one dead-letter topic."""

    topic: str
    count: int
    pending: int
    reasons: dict[str, int]
    offsets: dict[int, tuple[int, int]]  # partition: (first, last)


@dataclass(frozen=True)
class Fix:
    """How dead letters are mended on the way back: a fresh token, one record's new value."""

    token: str | None = None
    token_department: str | None = None
    replace_value: bytes | None = None
    replace_at: tuple[int, int] | None = None  # (partition, offset) the new value is for


@dataclass(frozen=True)
class Redriven:
    """One dead letter re-driven (or that would be, in a dry run)."""

    letter: DeadLetter
    to_topic: str
    fixed: list[str] = field(default_factory=list)


def json_object(value: bytes) -> dict[str, Any] | None:
    try:
        document = json.loads(value)
    except (ValueError, UnicodeDecodeError):
        return None
    return document if isinstance(document, dict) else None


def pretty_value(value: bytes) -> str:
    """The value as text: indented JSON if it is JSON."""
    try:
        return json.dumps(json.loads(value), indent=2, ensure_ascii=False)
    except (ValueError, UnicodeDecodeError):
        return value.decode(errors="backslashreplace")


def matches(letter: DeadLetter, *, reason: str | None, consumer: str | None) -> bool:
    return (reason is None or letter.reason == reason) and (
        consumer is None or letter.consumer == consumer
    )


def summarise(topic: str, letters: Sequence[DeadLetter], committed: dict[int, int]) -> TopicSummary:
    """Count, reasons and offsets of a topic's dead letters; pending: not re-driven yet."""
    offsets: dict[int, tuple[int, int]] = {}
    for letter in letters:
        first, last = offsets.get(letter.partition, (letter.offset, letter.offset))
        offsets[letter.partition] = (min(first, letter.offset), max(last, letter.offset))
    pending = sum(letter.offset >= committed.get(letter.partition, 0) for letter in letters)
    return TopicSummary(
        topic=topic,
        count=len(letters),
        pending=pending,
        reasons=dict(Counter(letter.reason for letter in letters)),
        offsets=offsets,
    )


def mended(letter: DeadLetter, fix: Fix) -> tuple[bytes, list[tuple[str, bytes]], list[str]]:
    """The value and headers to re-drive `letter` with, and what was changed, or why not."""
    value, headers, fixed = letter.value, letter.original_headers, []
    if fix.replace_at == (letter.partition, letter.offset) and fix.replace_value is not None:
        value = fix.replace_value
        fixed.append("value replaced")
    letter = replace(letter, value=value)
    place = f"{letter.topic}[{letter.partition}]@{letter.offset}"
    if letter.token_redacted and fix.token is None:
        raise DeadLetterError(f"{place}: its token was redacted; give --token (a fresh one)")
    # A CloudEvent sent without a token gets one only when the operator gives one.
    if fix.token is None or not (letter.token_redacted or letter.token_missing):
        return value, headers, fixed
    if letter.department is None or letter.department != fix.token_department:
        raise DeadLetterError(
            f"{place}: reports for department {letter.department!r}, and --token is of "
            f"{fix.token_department!r}"
        )
    if any(k.lower() == "ce_specversion" for k, _ in headers):
        others = [(k, v) for k, v in headers if k.lower() != TOKEN_HEADER]
        headers = [*others, (TOKEN_HEADER, fix.token.encode())]
    else:
        document = json_object(value) or {}
        document[TOKEN_ATTRIBUTE] = fix.token
        value = json.dumps(document).encode()
    fixed.append("fresh token")
    return value, headers, fixed


@dataclass(frozen=True)
class DeadLetters:
    """The dead-letter topics of one installation, reached with its Kafka settings."""

    bootstrap_servers: str
    security: KafkaSecurity
    namespace: str

    def _consumer(self, group_id: str | None = None) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap_servers,
            group_id=group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **client_options(self.security),
        )

    async def topics(self) -> list[str]:
        """Every dead-letter topic of the namespace on the cluster."""
        consumer = self._consumer()
        await consumer.start()
        try:
            names = await consumer.topics()
        finally:
            await consumer.stop()
        prefix = self.namespace + "."
        return sorted(n for n in names if n.startswith(prefix) and n.endswith(DEAD_LETTER_SUFFIX))

    def dead_letter_topic(self, name: str) -> str:
        """`name` as a full dead-letter topic: `intake.raw` → `<namespace>.intake.raw.dlq`."""
        if not name.startswith(self.namespace + "."):
            name = f"{self.namespace}.{name}"
        return name if name.endswith(DEAD_LETTER_SUFFIX) else name + DEAD_LETTER_SUFFIX

    async def read(self, topic: str) -> tuple[list[DeadLetter], dict[int, int]]:
        """Every dead letter on `topic`, and the redrive group's committed offset per partition."""
        consumer = self._consumer(redrive_group(self.namespace))
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self.bootstrap_servers, **client_options(self.security)
        )
        await consumer.start()
        await admin.start()
        try:
            partitions = await _partitions(consumer, admin, topic)
            assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
            consumer.assign(assigned)
            committed = {tp.partition: (await consumer.committed(tp)) or 0 for tp in assigned}
            await consumer.seek_to_beginning(*assigned)
            letters = await _read_to_end(consumer, assigned)
        finally:
            await admin.close()
            await consumer.stop()
        return letters, committed

    async def summary(
        self, topic: str, *, reason: str | None = None, consumer: str | None = None
    ) -> TopicSummary:
        letters, committed = await self.read(topic)
        kept = [x for x in letters if matches(x, reason=reason, consumer=consumer)]
        return summarise(topic, kept, committed)

    async def show(self, topic: str, partition: int, offset: int) -> DeadLetter:
        letters, _ = await self.read(topic)
        found = next((x for x in letters if (x.partition, x.offset) == (partition, offset)), None)
        if found is None:
            raise DeadLetterError(f"no dead letter at {topic}[{partition}]@{offset}")
        return found

    async def redrive(
        self,
        topic: str,
        *,
        fix: Fix,
        dry_run: bool = False,
        on_redriven: Callable[[Redriven], None] = lambda _: None,
    ) -> list[Redriven]:
        """Publish every pending dead letter of `topic` back, mended by `fix`, in order.

        Every letter is mended before anything is published: one that cannot be (a redacted
        token without a fresh one of its department) stops the run with nothing published.
        """
        letters, committed = await self.read(topic)
        pending = [x for x in letters if x.offset >= committed.get(x.partition, 0)]
        if fix.replace_at is not None and not any(
            (x.partition, x.offset) == fix.replace_at for x in pending
        ):
            partition, offset = fix.replace_at
            raise DeadLetterError(f"no pending dead letter at {topic}[{partition}]@{offset}")
        plans = [(letter, *mended(letter, fix)) for letter in pending]
        done = [Redriven(letter, letter.original_topic, fixed) for letter, _, _, fixed in plans]
        if dry_run or not plans:
            for item in done:
                on_redriven(item)
            return done
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap_servers, acks="all", **client_options(self.security)
        )
        consumer = self._consumer(redrive_group(self.namespace))
        await producer.start()
        await consumer.start()
        try:
            # Assigned, never subscribed: the group only keeps this command's offsets.
            consumer.assign(list({TopicPartition(topic, x.partition) for x in pending}))
            for item, (letter, value, headers, _) in zip(done, plans, strict=True):
                await producer.send_and_wait(
                    item.to_topic, value=value, key=letter.key, headers=headers
                )
                # Remembered only once the publish is acknowledged (see the module's doc).
                await consumer.commit(
                    {
                        TopicPartition(topic, letter.partition): OffsetAndMetadata(
                            letter.offset + 1, ""
                        )
                    }
                )
                on_redriven(item)
        finally:
            await consumer.stop()
            await producer.stop()
        return done


async def _partitions(
    consumer: AIOKafkaConsumer, admin: AIOKafkaAdminClient, topic: str
) -> set[int]:
    """The topic's partitions. Asked of the admin client only once the topic is known to
    exist: a metadata request for a missing topic may create it on a lenient broker."""
    if topic not in await consumer.topics():
        raise DeadLetterError(f"topic {topic!r} does not exist")
    [described] = await admin.describe_topics([topic])
    return {p["partition"] for p in described["partitions"]}


async def _read_to_end(
    consumer: AIOKafkaConsumer, assigned: list[TopicPartition]
) -> list[DeadLetter]:
    ends: dict[TopicPartition, int] = await consumer.end_offsets(assigned)
    letters: list[DeadLetter] = []
    while [tp for tp in assigned if await consumer.position(tp) < ends[tp]]:
        batches = await consumer.getmany(*assigned, timeout_ms=FETCH_TIMEOUT_MS)
        for tp, records in batches.items():
            letters.extend(
                DeadLetter(
                    topic=r.topic,
                    partition=r.partition,
                    offset=r.offset,
                    key=r.key,
                    value=r.value or b"",
                    headers=tuple((k, v or b"") for k, v in r.headers or ()),
                )
                for r in records
                if r.offset < ends[tp]
            )
    return sorted(letters, key=lambda x: (x.partition, x.offset))
