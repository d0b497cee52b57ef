"""Who may do what on Bridgework's topics: one table, and the Kafka ACL bindings it makes.

Each service WRITES only the stream its outbox publishes and the dead-letter topics of
what it consumes, READS only what it consumes, and uses only consumer groups named
`<namespace>.<group prefix>…`. A department's tool WRITES only the raw topic, and only
intake READS it: the department tokens travel there in `ce_bridgeworktoken`. Pure data;
`kafka_setup` applies it. A unit test holds the table equal to the AsyncAPI documents,
which are generated from the subscribers and outboxes themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from bridgework.common.topics import dead_letter_topic

ResourceKind = Literal["topic", "group"]
Pattern = Literal["literal", "prefixed"]
Operation = Literal["read", "write"]


@dataclass(frozen=True)
class ServiceAccess:
    """A service's place on Kafka; topics are named without the namespace (`incidents`)."""

    publishes: tuple[str, ...]
    consumes: tuple[str, ...]
    group_prefix: str

    @property
    def writes(self) -> tuple[str, ...]:
        return self.publishes + tuple(dead_letter_topic(topic) for topic in self.consumes)


# Keyed by the SCRAM principal's default name (one user per service).
SERVICES: Mapping[str, ServiceAccess] = {
    "intake": ServiceAccess(
        # Readers of `changes` get their grant with their subscribers (the test below holds
        # the table to the AsyncAPI documents, which list only what is subscribed).
        publishes=("incidents", "changes"),
        consumes=("intake.raw",),
        group_prefix="intake",
    ),
    "agreements": ServiceAccess(
        publishes=("repairs", "privacy", "engagements"),
        consumes=("incidents", "followups", "changes"),
        group_prefix="agreements",
    ),
    "followup": ServiceAccess(
        publishes=("followups",),
        consumes=("repairs", "privacy", "changes", "engagements"),
        group_prefix="followup",
    ),
    # The gateway's groups are named after its schema (`gateway`, or a rebuild's own).
    "graphql_gateway": ServiceAccess(
        publishes=(),
        consumes=("incidents", "repairs", "followups", "privacy", "changes", "engagements"),
        group_prefix="gateway",
    ),
}
DEPARTMENT_WRITES: tuple[str, ...] = ("intake.raw",)


@dataclass(frozen=True, order=True)
class AclBinding:
    """One ALLOW rule: `principal` may `operation` on the resource (from any host)."""

    principal: str
    kind: ResourceKind
    name: str
    pattern: Pattern
    operation: Operation


def bindings(
    namespace: str,
    *,
    departments: Iterable[str] = (),
    principals: Mapping[str, str] | None = None,
) -> list[AclBinding]:
    """Every ALLOW binding of one namespace. `departments` are the departments' SCRAM users;
    `principals` renames a service's user (`{"intake": "bw-intake"}`), by default its key."""
    names = {service: service for service in SERVICES} | dict(principals or {})
    unknown = set(names) - set(SERVICES)
    if unknown:
        raise ValueError(f"principals: no such service {sorted(unknown)}")
    found: set[AclBinding] = set()
    for service, access in SERVICES.items():
        user = f"User:{names[service]}"
        for topic in access.writes:
            found.add(AclBinding(user, "topic", f"{namespace}.{topic}", "literal", "write"))
        for topic in access.consumes:
            found.add(AclBinding(user, "topic", f"{namespace}.{topic}", "literal", "read"))
        group = f"{namespace}.{access.group_prefix}"
        found.add(AclBinding(user, "group", group, "prefixed", "read"))
    for department in departments:
        for topic in DEPARTMENT_WRITES:
            found.add(
                AclBinding(
                    f"User:{department}", "topic", f"{namespace}.{topic}", "literal", "write"
                )
            )
    return sorted(found)
