"""Events made by the official CloudEvents Python SDK (package `cloudevents`), with its defaults,
are incidents: over HTTP and over the raw topic, in binary and structured mode.

The SDK leaves `datacontenttype` out of an event whose data is a dict; the specification makes
it optional, so its absence means JSON. Both of the SDK's APIs are used: `cloudevents.core`
(2.x) and `cloudevents.v1` (whose structured mode for Kafka sends no content-type header).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from cloudevents.core.bindings import http as core_http
from cloudevents.core.bindings import kafka as core_kafka
from cloudevents.core.v1.event import CloudEvent as CoreEvent
from cloudevents.v1 import kafka as v1_kafka
from cloudevents.v1.conversion import to_binary as v1_http_binary
from cloudevents.v1.conversion import to_structured as v1_http_structured
from cloudevents.v1.http import CloudEvent as V1Event

from bridgework.intake.domain.cloudevents import INCIDENT_TYPE, TOKEN_ATTRIBUTE
from tests.infra import Infrastructure, produce, read_topic
from tests.intake_factories import RunningIntake, bearer, incident_data, running_intake

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def intake(infra: Infrastructure) -> AsyncIterator[RunningIntake]:
    async with running_intake(infra) as running:
        yield running


@pytest.fixture(scope="module")
async def it_token(intake: RunningIntake) -> str:
    return await intake.token("it")


def _core(summary: str, token: str | None = None) -> CoreEvent:
    attributes: dict[str, Any] = {
        "type": INCIDENT_TYPE,
        "source": "/it/monitoring",
        "id": summary,
        "specversion": "1.0",
    }
    if token is not None:
        attributes[TOKEN_ATTRIBUTE] = token
    return CoreEvent(attributes, incident_data(summary=summary))


def _v1(summary: str, token: str | None = None) -> V1Event:
    attributes: dict[str, Any] = {"type": INCIDENT_TYPE, "source": "/it/monitoring"}
    if token is not None:
        attributes[TOKEN_ATTRIBUTE] = token
    return V1Event(attributes, incident_data(summary=summary))


def _core_http_binary(summary: str) -> tuple[dict[str, str], bytes]:
    message = core_http.to_binary_event(_core(summary))
    return dict(message.headers), message.body


def _core_http_structured(summary: str) -> tuple[dict[str, str], bytes]:
    message = core_http.to_structured_event(_core(summary))
    return dict(message.headers), message.body


def _v1_http_binary(summary: str) -> tuple[dict[str, str], bytes]:
    headers, body = v1_http_binary(_v1(summary))
    return dict(headers), bytes(body or b"")


def _v1_http_structured(summary: str) -> tuple[dict[str, str], bytes]:
    headers, body = v1_http_structured(_v1(summary))
    return dict(headers), bytes(body or b"")


HTTP_MODES: dict[str, Callable[[str], tuple[dict[str, str], bytes]]] = {
    "core binary": _core_http_binary,
    "core structured": _core_http_structured,
    "v1 binary": _v1_http_binary,
    "v1 structured": _v1_http_structured,
}


@pytest.mark.parametrize("mode", sorted(HTTP_MODES))
async def test_an_sdk_event_over_http_is_an_incident(
    mode: str, intake: RunningIntake, it_token: str
) -> None:
    headers, body = HTTP_MODES[mode](f"SDK over HTTP, {mode}")
    assert "datacontenttype" not in body.decode(), "the SDK's default leaves it out"
    if mode.endswith("binary"):
        assert "content-type" not in headers

    response = await intake.client.post(
        "/v1/cloudevents", content=body, headers={**headers, **bearer(it_token)}
    )

    assert response.status_code in (201, 202), response.text


async def test_sdk_events_on_the_raw_topic_are_incidents_not_dead_letters(
    intake: RunningIntake, it_token: str
) -> None:
    core_binary = core_kafka.to_binary_event(_core("SDK raw core binary", it_token))
    core_structured = core_kafka.to_structured_event(_core("SDK raw core structured", it_token))
    v1_structured = v1_kafka.to_structured(_v1("SDK raw v1 structured", it_token))
    records = [
        (None, message.value, list(message.headers.items()))
        for message in (core_binary, core_structured, v1_structured)
    ]
    await produce(
        intake.settings.kafka_bootstrap_servers,
        intake.settings.topics.intake_raw,
        [],
        extra=records,
    )
    wanted = {"SDK raw core binary", "SDK raw core structured", "SDK raw v1 structured"}

    def summaries(found: list[Any]) -> set[str]:
        return {json.loads(r.value).get("summary") for r in found} & wanted

    published = await read_topic(
        intake.settings.kafka_bootstrap_servers,
        intake.settings.topics.incidents,
        until=lambda found: summaries(found) == wanted,
        settle=0.5,
    )

    assert summaries(published) == wanted
