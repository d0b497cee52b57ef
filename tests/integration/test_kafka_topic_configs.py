"""The topic set-up's configs land on the real broker, on new topics and on existing ones."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from bridgework.common.kafka import ensure_topics
from bridgework.common.kafka_security import PLAINTEXT
from bridgework.common.kafka_setup import (
    DAY_MS,
    TopicPolicy,
    apply_topic_configs,
    topic_configs,
)
from bridgework.common.topics import Topics
from tests.infra import Infrastructure, eventually

pytestmark = pytest.mark.integration

NAMES = ("retention.ms", "min.insync.replicas", "cleanup.policy")


async def configs_on_broker(kafka: str, topics: list[str]) -> dict[str, dict[str, str]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        responses = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic) for topic in topics]
        )
    finally:
        await admin.close()
    found: dict[str, dict[str, str]] = {}
    for response in responses:
        for _code, _message, _kind, name, entries in response.resources:
            found[name] = {entry[0]: entry[1] for entry in entries if entry[0] in NAMES}
    return found


def retention(found: dict[str, dict[str, str]], topic: str) -> str | None:
    """A topic's retention as described, None while the broker does not describe it yet."""
    return found.get(topic, {}).get("retention.ms")


async def settled(
    kafka: str, topics: list[str], done: Callable[[dict[str, dict[str, str]]], object]
) -> dict[str, dict[str, str]]:
    """The topics' configs once `done` holds: a KRaft broker describes configs from its copy
    of the metadata log, which may trail the change it just acknowledged by a moment."""

    async def read() -> dict[str, dict[str, str]] | None:
        found = await configs_on_broker(kafka, topics)
        return found if done(found) else None

    result: dict[str, dict[str, str]] = await eventually(read, timeout=15.0)
    return result


async def test_topics_get_the_policy_and_a_changed_policy_updates_them(
    infra: Infrastructure, namespace: str
) -> None:
    topics = Topics(namespace)
    await ensure_topics(infra.kafka, topics.all(), partitions=1, replication=1)

    await apply_topic_configs(infra.kafka, PLAINTEXT, topic_configs(topics, TopicPolicy(1)))
    first = await settled(
        infra.kafka,
        list(topics.all()),
        lambda found: (
            retention(found, topics.intake_raw) == str(DAY_MS)
            and retention(found, topics.incidents) == "-1"
        ),
    )

    assert first[topics.incidents] == {
        "retention.ms": "-1",
        "min.insync.replicas": "1",
        "cleanup.policy": "delete",
    }
    assert first[topics.intake_raw]["retention.ms"] == str(DAY_MS)
    assert first[f"{topics.repairs}.dlq"]["retention.ms"] == str(30 * DAY_MS)

    # Run again with a shorter raw retention, as a changed Job would on the next deploy.
    shorter = TopicPolicy(1, raw_retention_ms=3_600_000)
    await apply_topic_configs(infra.kafka, PLAINTEXT, topic_configs(topics, shorter))
    second = await settled(
        infra.kafka,
        [topics.intake_raw, topics.followups],
        lambda found: retention(found, topics.intake_raw) == "3600000",
    )

    assert second[topics.intake_raw]["retention.ms"] == "3600000"
    assert second[topics.followups]["retention.ms"] == "-1"
