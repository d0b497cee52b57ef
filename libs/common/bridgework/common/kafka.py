"""Kafka plumbing on FastStream: a broker made from settings, and topics made explicitly."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, TopicAuthorizationFailedError
from faststream.kafka import KafkaBroker

from bridgework.common.kafka_security import (
    PLAINTEXT,
    KafkaSecurity,
    client_options,
    faststream_security,
)
from bridgework.common.settings import ServiceSettings

logger = logging.getLogger(__name__)


def make_broker(settings: ServiceSettings) -> KafkaBroker:
    """A broker for one service: idempotent producer, acks from all in-sync replicas.

    Built on demand, never at import, so tests and replicas choose their own cluster.
    """
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=f"bridgework-{settings.service_name}",
        security=faststream_security(settings.kafka_security),
        enable_idempotence=True,
        acks="all",
        logger=logging.getLogger(f"bridgework.{settings.service_name}.kafka"),
        # FastStream logs every batch received and processed; that belongs at DEBUG.
        log_level=logging.DEBUG,
    )


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str],
    *,
    partitions: int,
    replication: int = 1,
    security: KafkaSecurity = PLAINTEXT,
) -> list[str]:
    """Create the topics that do not exist yet (brokers here do not auto-create); return those made.

    Under ACLs a service sees only its own topics and may create none: the topic set-up job
    (`bridgework.common.kafka_setup`) made them, so a refusal to create is left at a log line.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **client_options(security))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [topic for topic in topics if topic not in existing]
        if not wanted:
            return []
        response = await admin.create_topics(
            [NewTopic(name, partitions, replication) for name in wanted]
        )
        made, not_ours = [], []
        for topic, error_code, *_ in response.topic_errors:
            if error_code == 0:
                made.append(topic)
            elif error_code == TopicAuthorizationFailedError.errno:
                not_ours.append(topic)
            # Another replica may have made it between our list and our create.
            elif error_code != TopicAlreadyExistsError.errno:
                raise RuntimeError(f"could not create topic {topic}: Kafka error {error_code}")
        if made:
            logger.info("created topics %s", made)
        if not_ours:
            logger.info("topics %s are not this principal's to see or create", not_ours)
        return made
    finally:
        await admin.close()
