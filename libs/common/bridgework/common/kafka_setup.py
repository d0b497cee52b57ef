"""The topic set-up job: a namespace's topics and ACLs, made with an admin's credentials.

    python -m bridgework.common.kafka_setup --namespace bridgework --department it-tools

reads the cluster and the admin's credentials from the same variables every service reads
(`KAFKA_BOOTSTRAP_SERVERS`, `BRIDGEWORK_KAFKA_*`), creates the missing topics and adds the
bindings of `kafka_access` (adding one that exists is a no-op). deploy/local/infra.sh runs
it for a secure broker; docs/security.md says how production runs it.

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
from bridgework.common.topics import Topics

logger = logging.getLogger(__name__)

_KINDS = {"topic": ResourceType.TOPIC, "group": ResourceType.GROUP}
_PATTERNS = {"literal": ACLResourcePatternType.LITERAL, "prefixed": ACLResourcePatternType.PREFIXED}
_OPERATIONS = {"read": ACLOperation.READ, "write": ACLOperation.WRITE}


class AccessNotAppliedError(RuntimeError):
    """The cluster refused some of the bindings (an admin without ALTER on the cluster, say)."""


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
    finally:
        admin.close()
    if failed := result["failed"]:
        raise AccessNotAppliedError(
            f"{len(failed)} of {len(access)} ACL bindings refused: {failed[0]!r}"
        )


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
) -> list[AclBinding]:
    """Create the namespace's missing topics, then add its ACL bindings; return the bindings."""
    await ensure_topics(
        bootstrap_servers,
        Topics(namespace).all(),
        partitions=partitions,
        replication=replication,
        security=security,
    )
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
        "--wait", type=float, default=0.0, help="seconds to keep retrying an unready cluster"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the set-up once the cluster answers (or `--wait` runs out); exit status 0 if done."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # Both clients log every connection at INFO; a job's log should say what it did.
    for chatty in ("kafka", "aiokafka"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    settings = ServiceSettings()
    args = _arguments(sys.argv[1:] if argv is None else argv, settings)
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
            "namespace %s: topics made, %d ACL bindings in place", args.namespace, len(access)
        )
        return 0


if __name__ == "__main__":
    sys.exit(main())
