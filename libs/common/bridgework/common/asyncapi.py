"""A service's AsyncAPI 3.0 document, generated from its FastStream broker and the contracts.

FastStream writes the channels and operations from the subscribers the service
registers (the same `subscriptions` its runtime uses) and from a publisher per
topic the service's outbox writes to. Two things FastStream cannot see are
filled in from the code that knows them:
- payloads: the batch handlers take raw records (they validate each body
  against its contract themselves), so FastStream would document an empty
  payload; every message on a Bridgework topic gets the JSON Schemas of the
  contracts that travel on it instead;
- headers: the CloudEvents binary-mode `ce_*` headers, and on a dead-letter
  topic the `bridgework_dlq_*` headers saying who gave up on a record and why.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import asyncpg
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from bridgework.common.contracts import CONTRACTS, Stream
from bridgework.common.kafka import make_broker
from bridgework.common.postgres import Pool
from bridgework.common.settings import ServiceSettings
from bridgework.common.topics import DEAD_LETTER_SUFFIX, dead_letter_topic

Subscriptions = Callable[[KafkaBroker, Pool], None]

SCHEMA_REF = "#/components/schemas/{model}"

CLOUDEVENTS_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0, Kafka binary content mode.",
    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time"],
    "properties": {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {"type": "string", "format": "uuid", "description": "the event id"},
        "ce_source": {"type": "string", "description": "the service or tool that emitted it"},
        "ce_type": {"type": "string", "description": "bridgework.<aggregate>.<fact>.v<N>"},
        "ce_subject": {"type": "string", "description": "the aggregate id (also the key)"},
        "ce_time": {"type": "string", "format": "date-time"},
        "content-type": {"type": "string", "const": "application/json"},
    },
}
DEAD_LETTER_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "The original record's headers, plus why it was set aside.",
    "required": ["bridgework_dlq_reason", "bridgework_dlq_error", "bridgework_dlq_consumer"],
    "properties": {
        "bridgework_dlq_reason": {
            "type": "string",
            "enum": ["invalid_event", "processing_failed"],
        },
        "bridgework_dlq_error": {"type": "string", "description": "what was wrong (2,000 chars)"},
        "bridgework_dlq_consumer": {"type": "string", "description": "who gave up on it"},
        "bridgework_dlq_topic": {"type": "string"},
        "bridgework_dlq_partition": {"type": "string"},
        "bridgework_dlq_offset": {"type": "string"},
    },
}
DEAD_LETTER_PAYLOAD: dict[str, Any] = {
    "description": "The original record's value, byte for byte (it may not be valid JSON).",
}


def describe_service(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    subscriptions: Subscriptions | None,
    publishes: Sequence[Stream],
    payloads: Mapping[str, Sequence[type[BaseModel]]] | None = None,
) -> dict[str, Any]:
    """The AsyncAPI document of one service, as a JSON-ready dict.

    `publishes` names the streams its outbox writes; `payloads` the models of a topic
    that carries no contract (intake's raw inbound topic): every other topic's payload
    comes from the contracts that travel on it.
    """
    broker = make_broker(settings)
    if subscriptions is not None:
        # Registering subscribers touches neither the pool nor Kafka: an unopened pool will do.
        subscriptions(broker, asyncpg.create_pool(settings.database_url))
    consumed = sorted(
        {topic.name for sub in broker.subscribers for topic in getattr(sub, "topics", ())}
    )
    topics = settings.topics
    for topic in sorted(f"{topics.namespace}.{stream}" for stream in set(publishes)):
        broker.publisher(
            topic,
            title=f"{topic}:outbox",
            description="Written in the transaction of the change it announces (the outbox) "
            "and relayed by an idempotent producer with acks=all; keyed by the aggregate id.",
        )
    for topic in consumed:
        broker.publisher(
            dead_letter_topic(topic),
            title=f"{dead_letter_topic(topic)}:dead-letters",
            description=f"Records of {topic} this service could not apply after bounded "
            "retries, kept with the reason; the partition flows on.",
        )
    document: dict[str, Any] = json.loads(
        AsyncAPI(broker, title=title, version="1", description=description, schema_version="3.0.0")
        .to_specification()
        .to_json()
    )
    _fill_messages(document, settings, payloads or {})
    return document


def _fill_messages(
    document: dict[str, Any],
    settings: ServiceSettings,
    payloads: Mapping[str, Sequence[type[BaseModel]]],
) -> None:
    components = document.setdefault("components", {})
    messages: dict[str, Any] = components.get("messages", {})
    channels: dict[str, Any] = document.get("channels", {})
    addresses = {channel["address"] for channel in channels.values()}
    carried: dict[str, list[type[BaseModel]]] = {}
    for contract in CONTRACTS:
        if (travels_on := settings.topics.of(contract)) in addresses:
            carried.setdefault(travels_on, []).append(contract)
    for address, models in payloads.items():
        carried[address] = list(models)
    _, definitions = models_json_schema(
        [(model, "serialization") for models in carried.values() for model in models],
        ref_template=SCHEMA_REF,
    )
    # FastStream's placeholders (EmptyPayload, "<title>:Message:Payload") are all replaced.
    components["schemas"] = dict(sorted(definitions.get("$defs", {}).items()))
    for channel in channels.values():
        topic: str = channel["address"]
        for reference in channel.get("messages", {}).values():
            message = messages[reference["$ref"].rsplit("/", 1)[-1].replace("%2C", ",")]
            message.pop("correlationId", None)
            if topic.endswith(DEAD_LETTER_SUFFIX):
                message["payload"] = DEAD_LETTER_PAYLOAD
                message["headers"] = DEAD_LETTER_HEADERS
                continue
            message["payload"] = {
                "oneOf": [{"$ref": SCHEMA_REF.format(model=m.__name__)} for m in carried[topic]]
            }
            if topic not in payloads:
                message["headers"] = CLOUDEVENTS_HEADERS
