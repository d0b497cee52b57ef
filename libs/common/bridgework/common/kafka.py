"""Kafka plumbing on FastStream: a broker made from settings, and topics made explicitly."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream.kafka import KafkaBroker

from bridgework.common.settings import ServiceSettings

logger = logging.getLogger(__name__)


def make_broker(settings: ServiceSettings) -> KafkaBroker:
    """A broker for one service: idempotent producer, acks from all in-sync replicas.

    Built on demand, never at import, so tests and replicas choose their own cluster.
    """
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=f"bridgework-{settings.service_name}",
        enable_idempotence=True,
        acks="all",
        logger=logging.getLogger(f"bridgework.{settings.service_name}.kafka"),
        # FastStream logs every batch received and processed; that belongs at DEBUG.
        log_level=logging.DEBUG,
    )


async def ensure_topics(
    bootstrap_servers: str, topics: Iterable[str], *, partitions: int, replication: int = 1
) -> list[str]:
    """Create the topics that do not exist yet (brokers here do not auto-create); return those made."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [topic for topic in topics if topic not in existing]
        if not wanted:
            return []
        response = await admin.create_topics(
            [NewTopic(name, partitions, replication) for name in wanted]
        )
        for topic, error_code, *_ in response.topic_errors:
            # Another replica may have made it between our list and our create.
            if error_code not in (0, TopicAlreadyExistsError.errno):
                raise RuntimeError(f"could not create topic {topic}: Kafka error {error_code}")
        logger.info("created topics %s", wanted)
        return wanted
    finally:
        await admin.close()
