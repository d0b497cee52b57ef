"""The checks `bridgework doctor` runs: each answers ok, warn, failing or off, and why.

Every check is bounded by a timeout, so an unreachable address fails in seconds, and none
prints a secret: settings are named, never shown.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Literal

import aiosmtplib
import asyncpg
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from bridgework.cli.environment import Service, describe
from bridgework.common.kafka_security import client_options
from bridgework.common.settings import ServiceSettings
from bridgework.followup.settings import FollowupSettings

State = Literal["ok", "warn", "failing", "off"]
# What the topic set-up job makes in production (docs/operations.md); fewer is a warning
# in development mode (one local broker), a failure otherwise.
WANTED_REPLICATION = 3
WANTED_MIN_INSYNC = 2
# A read-model rebuild replays the event streams from their first offset: they keep all.
FOREVER = "-1"


@dataclass(frozen=True)
class Check:
    name: str
    state: State
    detail: str


def settings_check(service: Service, settings: ServiceSettings) -> Check:
    missing = settings.missing_settings()
    name = f"{service}: settings"
    if missing:
        return Check(name, "failing", "; ".join(missing))
    mode = "development mode: secrets may be weak" if settings.development_mode else "all set"
    return Check(name, "warn" if settings.development_mode else "ok", mode)


async def postgres_check(service: Service, settings: ServiceSettings, timeout: float) -> Check:
    name = f"{service}: Postgres"
    try:
        connection = await asyncpg.connect(settings.database_url, timeout=timeout)
        try:
            user = await connection.fetchval("SELECT current_user")
        finally:
            await connection.close()
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        return Check(name, "failing", describe(error))
    return Check(name, "ok", f"connected as {user}")


@dataclass(frozen=True)
class TopicsSeen:
    """The namespace's topics as the cluster describes them (None: missing), and the configs
    of the event streams."""

    described: list[dict[str, Any]]
    stream_configs: dict[str, dict[str, str]]


async def _topics_seen(settings: ServiceSettings, timeout: float) -> TopicsSeen:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        request_timeout_ms=int(timeout * 1000),
        **client_options(settings.kafka_security),
    )
    await asyncio.wait_for(admin.start(), timeout)
    try:
        existing = set(await asyncio.wait_for(admin.list_topics(), timeout))
        wanted = [topic for topic in settings.topics.all() if topic in existing]
        described = await asyncio.wait_for(admin.describe_topics(wanted), timeout)
        found = {entry["topic"] for entry in described}
        missing = [
            {"topic": t, "partitions": None} for t in settings.topics.all() if t not in found
        ]
        topics = settings.topics
        streams = [t for t in (topics.incidents, topics.repairs, topics.followups) if t in found]
        resources = [ConfigResource(ConfigResourceType.TOPIC, topic) for topic in streams]
        answers = await asyncio.wait_for(admin.describe_configs(resources), timeout)
        configs = {
            resource[3]: {entry[0]: entry[1] for entry in resource[4]}
            for answer in answers
            for resource in answer.resources
            if resource[0] == 0
        }
        return TopicsSeen([*described, *missing], configs)
    finally:
        await admin.close()


async def kafka_checks(service: Service, settings: ServiceSettings, timeout: float) -> list[Check]:
    """The cluster reachable with the service's own security settings, and its topics as wanted.

    Under ACLs a service sees only its own topics; a topic it cannot see is reported by the
    service that can (the gateway sees them all)."""
    name = f"{service}: Kafka"
    try:
        seen = await _topics_seen(settings, timeout)
    except Exception as error:  # any failure to reach the cluster is the finding
        return [Check(name, "failing", f"{settings.kafka_bootstrap_servers}: {describe(error)}")]
    checks = [Check(name, "ok", f"reached {settings.kafka_bootstrap_servers}")]
    if service == "gateway":
        checks.append(topics_check(settings, seen.described))
        checks.append(stream_configs_check(settings, seen.stream_configs))
    return checks


def topics_check(settings: ServiceSettings, topics: list[dict[str, Any]]) -> Check:
    """Every topic of the namespace exists, with the partitions and replicas wanted."""
    name = f"topics ({settings.topic_namespace})"
    missing: list[str] = []
    partitions: list[str] = []
    replication: list[int] = []
    for entry in topics:
        if entry["partitions"] is None:
            missing.append(entry["topic"])
            continue
        if len(entry["partitions"]) < settings.topic_partitions:
            partitions.append(f"{entry['topic']} has {len(entry['partitions'])}")
        replicas = min((len(p["replicas"]) for p in entry["partitions"]), default=0)
        if replicas < WANTED_REPLICATION:
            replication.append(replicas)
    if missing:
        return Check(name, "failing", "missing: " + ", ".join(missing))
    if partitions:
        wanted = settings.topic_partitions
        return Check(name, "failing", f"fewer than {wanted} partitions: " + ", ".join(partitions))
    if replication:
        state: State = "warn" if settings.development_mode else "failing"
        lowest = min(replication)
        return Check(
            name,
            state,
            f"replication below {WANTED_REPLICATION} on {len(replication)} of {len(topics)} "
            f"topics (lowest {lowest})",
        )
    return Check(name, "ok", f"{len(topics)} topics as wanted")


def stream_configs_check(settings: ServiceSettings, configs: dict[str, dict[str, str]]) -> Check:
    """The event streams keep every record (a rebuild needs them) and want 2 in-sync replicas.

    The topic set-up job sets both (`bridgework.common.kafka_setup`); topics a service made
    itself on a laptop have the broker's defaults, hence a warning in development mode."""
    name = f"topic configs ({settings.topic_namespace})"
    short = [t for t, c in configs.items() if c.get("retention.ms") != FOREVER]
    weak = [
        t for t, c in configs.items() if int(c.get("min.insync.replicas", "1")) < WANTED_MIN_INSYNC
    ]
    problems = []
    if short:
        problems.append("retention.ms is not -1 (a rebuild needs every event): " + ", ".join(short))
    if weak:
        problems.append(f"min.insync.replicas below {WANTED_MIN_INSYNC}: " + ", ".join(weak))
    if not problems:
        return Check(name, "ok", f"{len(configs)} event streams keep every record")
    return Check(name, "warn" if settings.development_mode else "failing", "; ".join(problems))


async def smtp_check(settings: FollowupSettings, timeout: float) -> Check:
    name = "followup: SMTP"
    if not settings.smtp_host:
        return Check(name, "off", "no BRIDGEWORK_SMTP_HOST: the e-mail channel is off")
    client = aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        use_tls=settings.smtp_security == "tls",
        start_tls=False,
        timeout=timeout,
    )
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        await client.connect()
        await client.quit()
    except (OSError, TimeoutError, aiosmtplib.SMTPException) as error:
        return Check(name, "failing", f"{where}: {describe(error)}")
    return Check(name, "ok", f"reached {where}")
