"""The topic set-up job: a namespace's topics and ACLs, made with an admin's credentials.

    python -m bridgework.common.kafka_setup --namespace bridgework --department it-tools

reads the cluster and the admin's credentials from the same variables every service reads
(`KAFKA_BOOTSTRAP_SERVERS`, `BRIDGEWORK_KAFKA_*`), creates the missing topics and adds the
bindings of `kafka_access` (adding one that exists is a no-op), and sets every topic's
configs (`topic_configs`: min.insync.replicas and retention) on new and existing topics alike.
deploy/local/infra.sh runs it for a secure broker; docs/security.md says how production runs it.

aiokafka 0.14's admin client has no CreateAcls, so the ACLs go through kafka-python's
admin client, which takes the same connection keywords (`client_options`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError
from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    KafkaAdminClient,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
)
from kafka.errors import KafkaError as SyncKafkaError

from bridgework.common.kafka import ensure_topics
from bridgework.common.kafka_access import AclBinding, bindings
from bridgework.common.kafka_security import KafkaSecurity, client_options
from bridgework.common.settings import ServiceSettings
from bridgework.common.topics import DEAD_LETTER_SUFFIX, Topics

logger = logging.getLogger(__name__)

_KINDS = {"topic": ResourceType.TOPIC, "group": ResourceType.GROUP}
_PATTERNS = {"literal": ACLResourcePatternType.LITERAL, "prefixed": ACLResourcePatternType.PREFIXED}
_OPERATIONS = {"read": ACLOperation.READ, "write": ACLOperation.WRITE}


HOUR_MS = 3_600_000
ACLS_VISIBLE_WITHIN_SECONDS = 30
DAY_MS = 24 * HOUR_MS


class AccessNotAppliedError(RuntimeError):
    """The cluster refused some of the bindings (an admin without ALTER on the cluster, say)."""


class TopicConfigsNotAppliedError(RuntimeError):
    """The cluster refused a topic's configs (an admin without ALTER_CONFIGS, say)."""


@dataclass(frozen=True)
class TopicPolicy:
    """How long each kind of topic keeps its records, and how many replicas must ack a write.

    The event streams keep everything: a read-model rebuild replays them from offset 0.
    The raw topic carries department tokens, so it keeps a day (docs/security.md, "Kafka");
    dead letters keep long enough for someone to look and re-drive after a fix.
    """

    min_insync_replicas: int = 2
    raw_retention_ms: int = DAY_MS
    dead_letter_retention_ms: int = 30 * DAY_MS


def topic_configs(topics: Topics, policy: TopicPolicy) -> dict[str, dict[str, str]]:
    """Every topic of `topics` with the configs the set-up gives it."""
    shared = {"cleanup.policy": "delete", "min.insync.replicas": str(policy.min_insync_replicas)}
    configs: dict[str, dict[str, str]] = {}
    for topic in topics.all():
        if topic.endswith(DEAD_LETTER_SUFFIX):
            retention = policy.dead_letter_retention_ms
        elif topic == topics.intake_raw:
            retention = policy.raw_retention_ms
        else:
            retention = -1  # forever: the read model is rebuilt from the first offset
        configs[topic] = shared | {"retention.ms": str(retention), "retention.bytes": "-1"}
    # One erasure per person (keyed by digest): compaction keeps it, and it must never
    # expire, or a replay would bring back what it erased.
    configs[topics.privacy]["cleanup.policy"] = "compact"
    return configs


async def apply_topic_configs(
    bootstrap_servers: str, security: KafkaSecurity, configs: Mapping[str, Mapping[str, str]]
) -> None:
    """Set `configs` on their topics. AlterConfigs replaces a topic's dynamic configs as a
    whole, so anything set by hand beside these is reset: the set-up owns the topics."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **client_options(security))
    await admin.start()
    try:
        responses = await admin.alter_configs(
            [
                ConfigResource(ConfigResourceType.TOPIC, topic, configs=dict(values))
                for topic, values in configs.items()
            ]
        )
    finally:
        await admin.close()
    refused = [
        f"{name}: error {code} {message or ''}".strip()
        for response in responses
        for code, message, _kind, name in response.resources
        if code != 0
    ]
    if refused:
        raise TopicConfigsNotAppliedError(f"topic configs refused: {'; '.join(refused)}")


def _acl(binding: AclBinding) -> ACL:
    return ACL(
        principal=binding.principal,
        host="*",
        operation=_OPERATIONS[binding.operation],
        permission_type=ACLPermissionType.ALLOW,
        resource_pattern=ResourcePattern(
            _KINDS[binding.kind], binding.name, _PATTERNS[binding.pattern]
        ),
    )


def apply_acls(
    bootstrap_servers: str, security: KafkaSecurity, access: Sequence[AclBinding]
) -> None:
    """Add `access` to the cluster's ACLs (blocking; adding an existing binding is a no-op)."""
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        client_id="bridgework-kafka-setup",
        **client_options(security),
    )
    try:
        result = admin.create_acls([_acl(binding) for binding in access])
        if failed := result["failed"]:
            raise AccessNotAppliedError(
                f"{len(failed)} of {len(access)} ACL bindings refused: {failed[0]!r}"
            )
        _await_visible(admin, access)
    finally:
        admin.close()


def _key(acl: ACL) -> tuple[str, int, int, str, int]:
    pattern = acl.resource_pattern
    return (
        acl.principal,
        acl.operation.value,
        pattern.resource_type.value,
        pattern.resource_name,
        pattern.pattern_type.value,
    )


def _await_visible(admin: KafkaAdminClient, access: Sequence[AclBinding]) -> None:
    """Return once the broker answers DescribeAcls with every binding of `access`.

    KRaft commits a CreateAcls on the controller and the broker's authorizer applies it from
    the metadata log a moment later: a client writing straight after set-up could still be
    refused (seen in CI as TopicAuthorizationFailed on a namespace made a millisecond before).
    """
    wanted = {_key(_acl(binding)) for binding in access}
    everything = ACLFilter(
        principal=None,
        host=None,
        operation=ACLOperation.ANY,
        permission_type=ACLPermissionType.ANY,
        resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY),
    )
    deadline = time.monotonic() + ACLS_VISIBLE_WITHIN_SECONDS
    while True:
        acls, _ = admin.describe_acls(everything)
        missing = wanted - {_key(acl) for acl in acls}
        if not missing:
            return
        if time.monotonic() > deadline:
            raise AccessNotAppliedError(
                f"{len(missing)} of {len(access)} ACL bindings created but not in force after "
                f"{ACLS_VISIBLE_WITHIN_SECONDS} s: {sorted(missing)[0]!r}"
            )
        time.sleep(0.05)


def remove_acls(
    bootstrap_servers: str, security: KafkaSecurity, access: Sequence[AclBinding]
) -> None:
    """Take `access` off the cluster's ACLs again (a namespace that is retired; blocking)."""
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        client_id="bridgework-kafka-setup",
        **client_options(security),
    )
    try:
        admin.delete_acls(
            [
                ACLFilter(
                    principal=binding.principal,
                    host="*",
                    operation=_OPERATIONS[binding.operation],
                    permission_type=ACLPermissionType.ALLOW,
                    resource_pattern=ResourcePatternFilter(
                        _KINDS[binding.kind], binding.name, _PATTERNS[binding.pattern]
                    ),
                )
                for binding in access
            ]
        )
    finally:
        admin.close()


async def set_up(
    bootstrap_servers: str,
    security: KafkaSecurity,
    *,
    namespace: str,
    partitions: int,
    replication: int,
    departments: Iterable[str] = (),
    principals: Mapping[str, str] | None = None,
    policy: TopicPolicy | None = None,
) -> list[AclBinding]:
    """Create the namespace's missing topics, set every topic's configs, then add its ACL
    bindings; return the bindings. `policy` defaults to TopicPolicy with min.insync.replicas
    capped at `replication` (a one-broker cluster could take no acks=all write otherwise)."""
    policy = policy or TopicPolicy(min_insync_replicas=min(2, replication))
    await ensure_topics(
        bootstrap_servers,
        Topics(namespace).all(),
        partitions=partitions,
        replication=replication,
        security=security,
    )
    await apply_topic_configs(bootstrap_servers, security, topic_configs(Topics(namespace), policy))
    access = bindings(namespace, departments=departments, principals=principals)
    await asyncio.to_thread(apply_acls, bootstrap_servers, security, access)
    return access


def _principal(text: str) -> tuple[str, str]:
    service, sep, user = text.partition("=")
    if not sep or not service or not user:
        raise argparse.ArgumentTypeError(f"--principal takes SERVICE=USER, got {text!r}")
    return service, user


def _arguments(argv: Sequence[str], settings: ServiceSettings) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bridgework.common.kafka_setup")
    parser.add_argument("--namespace", default=settings.topic_namespace)
    parser.add_argument(
        "--department", action="append", default=[], help="a department's SCRAM user (repeat)"
    )
    parser.add_argument(
        "--principal",
        action="append",
        type=_principal,
        default=[],
        help="SERVICE=USER when a service's user is not named after it (repeat)",
    )
    parser.add_argument("--partitions", type=int, default=settings.topic_partitions)
    parser.add_argument("--replication", type=int, default=1)
    parser.add_argument(
        "--min-insync-replicas",
        type=int,
        default=None,
        help="replicas that must ack a write (default: 2, or the replication if lower)",
    )
    parser.add_argument(
        "--raw-retention-hours",
        type=float,
        default=TopicPolicy.raw_retention_ms / HOUR_MS,
        help="how long the raw topic (department tokens on it) keeps records",
    )
    parser.add_argument(
        "--dead-letter-retention-days",
        type=float,
        default=TopicPolicy.dead_letter_retention_ms / DAY_MS,
        help="how long .dlq topics keep records",
    )
    parser.add_argument(
        "--wait", type=float, default=0.0, help="seconds to keep retrying an unready cluster"
    )
    return parser.parse_args(argv)


def _policy(args: argparse.Namespace) -> TopicPolicy:
    insync = args.min_insync_replicas
    if insync is None:
        insync = min(2, args.replication)
    if not 1 <= insync <= args.replication:
        raise SystemExit(
            f"--min-insync-replicas must be between 1 and --replication ({args.replication})"
        )
    if args.raw_retention_hours <= 0 or args.dead_letter_retention_days <= 0:
        raise SystemExit("--raw-retention-hours and --dead-letter-retention-days must be > 0")
    return TopicPolicy(
        min_insync_replicas=insync,
        raw_retention_ms=round(args.raw_retention_hours * HOUR_MS),
        dead_letter_retention_ms=round(args.dead_letter_retention_days * DAY_MS),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the set-up once the cluster answers (or `--wait` runs out); exit status 0 if done."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # Both clients log every connection at INFO; a job's log should say what it did.
    for chatty in ("kafka", "aiokafka"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    settings = ServiceSettings()
    args = _arguments(sys.argv[1:] if argv is None else argv, settings)
    policy = _policy(args)
    deadline = time.monotonic() + args.wait
    while True:
        try:
            access = asyncio.run(
                set_up(
                    settings.kafka_bootstrap_servers,
                    settings.kafka_security,
                    namespace=args.namespace,
                    partitions=args.partitions,
                    replication=args.replication,
                    departments=args.department,
                    principals=dict(args.principal),
                    policy=policy,
                )
            )
        except (KafkaError, SyncKafkaError, OSError) as error:
            if time.monotonic() >= deadline:
                logger.error("Kafka set-up failed: %r", error)
                return 1
            logger.info("Kafka not ready yet (%r); retrying", error)
            time.sleep(1.0)
            continue
        logger.info(
            "namespace %s: topics made and configured, %d ACL bindings in place",
            args.namespace,
            len(access),
        )
        return 0


if __name__ == "__main__":
    sys.exit(main())
