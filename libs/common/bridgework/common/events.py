"""The event envelope: CloudEvents 1.0 in Kafka binary content mode.

Attributes travel as `ce_*` headers, the body is the contract's JSON, the key
is the subject (aggregate id) so one aggregate's events stay in order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID, uuid4

from pydantic import ValidationError

from bridgework.common.contracts import CONTRACTS_BY_TYPE, Contract

SPEC_VERSION = "1.0"
JSON = "application/json"
REQUIRED_HEADERS = ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time")

C = TypeVar("C", bound=Contract, covariant=True)
D = TypeVar("D", bound=Contract)


class InvalidEventError(ValueError):
    """A Kafka record that is not a valid Bridgework event; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Event(Generic[C]):
    """One CloudEvent with a validated body."""

    id: UUID
    source: str
    time: datetime
    data: C

    @property
    def type(self) -> str:
        return self.data.event_type

    @property
    def subject(self) -> str:
        return self.data.subject()

    @staticmethod
    def new(data: D, *, source: str, time: datetime) -> Event[D]:
        """A fresh event with a new id."""
        return Event(id=uuid4(), source=source, time=time, data=data)


@dataclass(frozen=True)
class KafkaRecord:
    """What goes onto (or came from) Kafka for one event."""

    key: bytes
    value: bytes
    headers: dict[str, str]


def to_kafka(event: Event[Contract]) -> KafkaRecord:
    """Encode in CloudEvents Kafka binary content mode."""
    data = event.data
    subject = data.subject()  # once: it is the header and the key
    headers = {
        "ce_specversion": SPEC_VERSION,
        "ce_id": str(event.id),
        "ce_source": event.source,
        "ce_type": data.event_type,
        "ce_subject": subject,
        "ce_time": event.time.isoformat(),
        "content-type": JSON,
    }
    return KafkaRecord(
        key=subject.encode(), value=data.__pydantic_serializer__.to_json(data), headers=headers
    )


def decode_headers(raw: Sequence[tuple[str, bytes]] | None) -> dict[str, str]:
    """Kafka headers as text; a header that is not UTF-8 is an invalid event."""
    headers: dict[str, str] = {}
    for name, value in raw or ():
        try:
            headers[name] = value.decode() if value is not None else ""
        except UnicodeDecodeError as exc:
            raise InvalidEventError(f"header {name!r} is not UTF-8") from exc
    return headers


def from_kafka(headers: Mapping[str, str], value: bytes | None) -> Event[Contract]:
    """Decode and validate one record; raise InvalidEventError naming what is wrong."""
    missing = [name for name in REQUIRED_HEADERS if not headers.get(name)]
    if missing:
        raise InvalidEventError(f"missing CloudEvents headers: {', '.join(missing)}")
    if headers["ce_specversion"] != SPEC_VERSION:
        raise InvalidEventError(f"unsupported ce_specversion {headers['ce_specversion']!r}")
    content_type = headers.get("content-type", JSON)
    if content_type.split(";")[0].strip() != JSON:
        raise InvalidEventError(f"unsupported content-type {content_type!r}")
    contract = CONTRACTS_BY_TYPE.get(headers["ce_type"])
    if contract is None:
        raise InvalidEventError(f"unknown ce_type {headers['ce_type']!r}")
    try:
        event_id = UUID(headers["ce_id"])
    except ValueError as exc:
        raise InvalidEventError(f"ce_id {headers['ce_id']!r} is not a UUID") from exc
    try:
        time = datetime.fromisoformat(headers["ce_time"])
    except ValueError as exc:
        raise InvalidEventError(f"ce_time {headers['ce_time']!r} is not RFC 3339") from exc
    if value is None:
        raise InvalidEventError("empty body")
    try:
        data = contract.model_validate_json(value)
    except ValidationError as exc:
        raise InvalidEventError(
            f"body does not match {contract.event_type}: {describe(exc)}"
        ) from exc
    return Event(id=event_id, source=headers["ce_source"], time=time, data=data)


def describe(error: ValidationError) -> str:
    """A one-line account of every failing field, for logs and dead-letter headers."""
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or '(body)'}: {item['msg']}"
        for item in error.errors()
    )
