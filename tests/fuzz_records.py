"""Hypothesis strategies of Kafka records a consumer may be handed: valid events of a topic's
contracts mixed with random bytes, JSON of the wrong shape, broken `ce_*` headers, unknown
versions, empty values and keyless records; and the doubles that capture what a consumer
dead-letters and commits."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiokafka.structs import TopicPartition
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridgework.common.events import REQUIRED_HEADERS

T = TypeVar("T")
Headers = list[tuple[str, bytes]] | None

FUZZ_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class Record:
    """What aiokafka hands a batch consumer, as far as the consumer reads it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers


@dataclass(frozen=True)
class Template:
    """A valid record's parts, and what applying it should leave behind (`effect`)."""

    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]
    effect: Any


@dataclass
class DeadLetters:
    """Stands in for the broker: keeps what the consumer dead-letters."""

    published: list[tuple[str, bytes | None, dict[str, str]]] = field(default_factory=list)

    async def publish(
        self, value: bytes, *, topic: str, key: bytes | None, headers: dict[str, str]
    ) -> None:
        self.published.append((topic, value, headers))


@dataclass
class Commits:
    """Stands in for aiokafka's consumer: keeps the offsets committed."""

    offsets: dict[TopicPartition, int] = field(default_factory=dict)

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.offsets.update(offsets)


# One spec per record: ("valid", (keyless, free text for the event)) or (kind of invalid
# record, its ingredients).
Spec = tuple[str, Any]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
NOT_UTF8 = st.binary(max_size=8).map(lambda tail: b"\xff\xfe" + tail)


def header_faults(required: Sequence[str]) -> st.SearchStrategy[tuple[str, Any]]:
    """Ways to break a valid record's headers; `required` are those the consumer needs."""
    names = [*REQUIRED_HEADERS, "content-type"]
    wrong = [
        ("ce_specversion", "0.3"),
        ("ce_id", "not-a-uuid"),
        ("ce_time", "yesterday"),
        ("ce_id", ""),
        ("content-type", "text/plain"),
    ]
    random_headers = st.lists(st.tuples(st.text(max_size=12), st.binary(max_size=12)), max_size=4)
    return st.one_of(
        st.tuples(st.just("drop"), st.sampled_from(list(required))),
        st.tuples(st.just("not_utf8"), st.tuples(st.sampled_from(names), NOT_UTF8)),
        st.tuples(st.just("set"), st.sampled_from(wrong)),
        st.tuples(st.just("none"), st.none()),
        st.tuples(st.just("random"), random_headers),
    )


def batches(
    required: Sequence[str] = REQUIRED_HEADERS,
) -> st.SearchStrategy[tuple[list[Spec], bool]]:
    """Batches of record specs, and whether the batch ends by redelivering its first valid one."""
    # Free text without U+0000: contracts refuse it, so it would not be a valid event
    # (test_consumers_fuzzed.py dead-letters one on purpose).
    text = st.text(st.characters(blacklist_characters="\x00"), max_size=30)
    valid = st.tuples(st.just("valid"), st.tuples(st.booleans(), st.none() | text))
    spec: st.SearchStrategy[Spec] = st.one_of(
        valid,
        valid,  # twice as likely as each kind of invalid record
        st.tuples(st.just("random_bytes"), st.binary(max_size=64)),
        st.tuples(st.just("wrong_json"), JSON_VALUES),
        st.tuples(st.just("bad_headers"), header_faults(required)),
        st.tuples(st.just("unknown_version"), st.sampled_from([".v99", ".v0", ".v1.v2"])),
        st.tuples(st.just("empty"), st.sampled_from([b"", None])),
    )
    return st.tuples(st.lists(spec, min_size=1, max_size=12), st.booleans())


def with_header(headers: list[tuple[str, bytes]], name: str, value: bytes | None) -> Headers:
    """`headers` with `name` replaced by `value` (dropped if None)."""
    kept = [(n, v) for n, v in headers if n != name]
    return kept if value is None else [*kept, (name, value)]


def versioned(headers: list[tuple[str, bytes]], suffix: str) -> Headers:
    types = {n: v.decode() for n, v in headers}
    current = types["ce_type"].rsplit(".v", 1)[0]
    return with_header(headers, "ce_type", (current + suffix).encode())


def broken_headers(headers: list[tuple[str, bytes]], fault: tuple[str, Any]) -> Headers:
    how, what = fault
    if how == "drop":
        return with_header(headers, what, None)
    if how == "not_utf8":
        name, raw = what
        return with_header(headers, name, raw)
    if how == "set":
        name, value = what
        return with_header(headers, name, value.encode())
    if how == "none":
        return None
    return list(what)


@dataclass
class Batch:
    """Materialised records, which of them are valid (with their effects) and which not."""

    records: list[Record]
    valid: list[Template]
    invalid_offsets: set[int]


def materialise(
    specs: Sequence[Spec],
    redeliver: bool,
    *,
    topic: str,
    first_offset: int,
    make_valid: Callable[[str | None], Template],
) -> Batch:
    """Turn drawn specs into records; `redeliver` repeats the first valid record at the end."""
    records: list[Record] = []
    valid: list[Template] = []
    invalid: set[int] = set()
    for spec in specs:
        kind, ingredient = spec
        keyless, text = ingredient if kind == "valid" else (False, None)
        template = make_valid(text)
        offset = first_offset + len(records)
        key: bytes | None = template.key
        value: bytes | None = template.value
        headers: Headers = template.headers
        if kind == "valid":
            key = None if keyless else key
            valid.append(template)
        elif kind == "random_bytes":
            value = ingredient
        elif kind == "wrong_json":
            value = json.dumps(ingredient).encode()
        elif kind == "bad_headers":
            headers = broken_headers(template.headers, ingredient)
        elif kind == "unknown_version":
            headers = versioned(template.headers, ingredient)
        else:
            value, key = ingredient, None
        if kind != "valid":
            invalid.add(offset)
        records.append(Record(topic, 0, offset, key, value, headers))
    if redeliver and valid:
        first = next(r for r in records if r.offset not in invalid)
        records.append(Record(topic, 0, first_offset + len(records), first.key, first.value,
                              first.headers))  # fmt: skip
    return Batch(records, valid, invalid)


def fuzz_in_thread(
    loop: asyncio.AbstractEventLoop,
    strategy: st.SearchStrategy[T],
    check: Callable[[T], Coroutine[Any, Any, None]],
) -> Callable[[], None]:
    """A Hypothesis test that runs each example's `check` on `loop` (where the pools live),
    for running in a worker thread while the loop serves it."""

    @FUZZ_SETTINGS
    @given(drawn=strategy)
    def fuzz(drawn: T) -> None:
        asyncio.run_coroutine_threadsafe(check(drawn), loop).result(timeout=60)

    return fuzz


async def run_fuzz(
    strategy: st.SearchStrategy[T], check: Callable[[T], Coroutine[Any, Any, None]]
) -> None:
    """Run the Hypothesis test of `check` over `strategy`, its examples on this loop."""
    fuzz = fuzz_in_thread(asyncio.get_running_loop(), strategy, check)
    await asyncio.wait_for(asyncio.to_thread(fuzz), timeout=300)
