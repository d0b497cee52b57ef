"""The envelope's decoding, fuzzed: whatever headers and bytes a record carries, reading it
either yields an event or raises InvalidEventError (which the batch consumer dead-letters),
never anything else; and headers it does not know never cost a valid event."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridgework.common.contracts import CONTRACTS_BY_TYPE, Contract
from bridgework.common.events import (
    REQUIRED_HEADERS,
    Event,
    InvalidEventError,
    KafkaRecord,
    decode_headers,
    from_kafka,
    to_kafka,
)
from tests.factories import T0, incident_reported, repair_opened

T = TypeVar("T")
FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
VALID = [
    to_kafka(Event.new(data, source="/fuzz", time=T0))
    for data in (incident_reported(), repair_opened())
]
HEADER_NAMES = st.sampled_from([*REQUIRED_HEADERS, "content-type", "ce_subject"]) | st.text(
    max_size=12
)
RAW_HEADERS = st.none() | st.lists(
    st.tuples(HEADER_NAMES, st.none() | st.binary(max_size=24)), max_size=8
)
ATTRIBUTE_VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["1.0", "application/json; charset=utf-8", "2026-11-02T09:30:00", "", " "]),
    st.sampled_from(sorted(CONTRACTS_BY_TYPE)),
    st.sampled_from(sorted(CONTRACTS_BY_TYPE)).map(lambda t: t.rsplit(".v", 1)[0] + ".v99"),
    st.uuids().map(str),
    st.datetimes().map(lambda moment: moment.isoformat()),
)
VALUES = st.one_of(
    st.none(),
    st.binary(max_size=80),
    st.sampled_from([record.value for record in VALID]),
    st.sampled_from([b"", b"{}", b"[]", b"null", b'{"incident_id": 1}', b"\xff\xfe{"]),
)


def outcome(read: Callable[[], T]) -> T | InvalidEventError:
    """What `read` returns, or the InvalidEventError it raises; any other error propagates."""
    try:
        return read()
    except InvalidEventError as invalid:
        return invalid


@st.composite
def headers_near_a_valid_record(draw: st.DrawFn) -> dict[str, str]:
    """A valid record's headers, some replaced by arbitrary or near-valid values, some dropped."""
    headers = dict(draw(st.sampled_from(VALID)).headers)
    for name in draw(st.lists(st.sampled_from([*headers]), max_size=4, unique=True)):
        if draw(st.booleans()):
            del headers[name]
        else:
            headers[name] = draw(ATTRIBUTE_VALUES)
    headers.update(draw(st.dictionaries(HEADER_NAMES, ATTRIBUTE_VALUES, max_size=2)))
    return headers


@FUZZ
@given(raw=RAW_HEADERS)
def test_decoding_any_headers_yields_text_or_an_invalid_event_error(
    raw: list[tuple[str, bytes | None]] | None,
) -> None:
    headers = outcome(lambda: decode_headers(raw))  # type: ignore[arg-type]  # None: as Kafka

    if isinstance(headers, InvalidEventError):
        assert headers.reason.startswith("header ")
    else:
        assert set(headers) == {name for name, _ in raw or ()}


@FUZZ
@given(raw=RAW_HEADERS, value=VALUES)
def test_reading_any_record_yields_an_event_or_an_invalid_event_error(
    raw: list[tuple[str, bytes | None]] | None, value: bytes | None
) -> None:
    event = outcome(lambda: from_kafka(decode_headers(raw), value))  # type: ignore[arg-type]

    if isinstance(event, InvalidEventError):
        assert event.reason
    else:
        assert isinstance(event.data, Contract)


@FUZZ
@given(headers=headers_near_a_valid_record(), value=VALUES)
def test_reading_near_valid_records_yields_an_event_or_an_invalid_event_error(
    headers: dict[str, str], value: bytes | None
) -> None:
    event = outcome(lambda: from_kafka(headers, value))

    if isinstance(event, InvalidEventError):
        assert event.reason
    else:
        assert event.type == headers["ce_type"]
        assert event.source == headers["ce_source"]


@FUZZ
@given(
    record=st.sampled_from(VALID),
    extra=st.dictionaries(
        st.text(max_size=12).filter(
            lambda name: not name.startswith("ce_") and name != "content-type"
        ),
        st.text(max_size=24),
        max_size=4,
    ),
)
def test_headers_the_envelope_does_not_know_never_cost_a_valid_event(
    record: KafkaRecord, extra: dict[str, str]
) -> None:
    raw = [(name, value.encode()) for name, value in (record.headers | extra).items()]

    event = from_kafka(decode_headers(raw), record.value)

    assert str(event.id) == record.headers["ce_id"]
