"""The ACL table: each service writes only its own topics, and only intake reads the raw one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bridgework.common.kafka_access import DEPARTMENT_WRITES, SERVICES, AclBinding, bindings

ASYNCAPI = Path(__file__).parents[2] / "docs" / "asyncapi"
NAMESPACE = "bridgework"


def topics_of(principal: str, operation: str, kind: str = "topic") -> set[str]:
    return {
        binding.name
        for binding in bindings(NAMESPACE, departments=["it-tools"])
        if binding.principal == f"User:{principal}"
        and binding.operation == operation
        and binding.kind == kind
    }


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_the_table_grants_what_the_services_asyncapi_document_says_and_no_more(
    service: str,
) -> None:
    """The documents are generated from the subscribers and outboxes (and drift-tested), so a
    new subscriber or stream that the ACLs would refuse fails here first."""
    document = json.loads((ASYNCAPI / f"{service}.json").read_text())
    channels = document["channels"]
    used: dict[str, set[str]] = {"send": set(), "receive": set()}
    for operation in document["operations"].values():
        channel = channels[operation["channel"]["$ref"].rsplit("/", 1)[-1]]
        used[operation["action"]].add(channel["address"])

    assert topics_of(service, "write") == used["send"]
    assert topics_of(service, "read") == used["receive"]


def test_only_intake_reads_the_raw_topic_and_only_departments_and_nobody_else_write_it() -> None:
    raw = f"{NAMESPACE}.intake.raw"
    everyone = bindings(NAMESPACE, departments=["it-tools", "finance-tools"])

    readers = {b.principal for b in everyone if b.name == raw and b.operation == "read"}
    writers = {b.principal for b in everyone if b.name == raw and b.operation == "write"}
    assert readers == {"User:intake"}
    assert writers == {"User:it-tools", "User:finance-tools"}
    assert topics_of("it-tools", "write") == {raw}
    assert topics_of("it-tools", "read") == set()
    assert DEPARTMENT_WRITES == ("intake.raw",)


def test_every_stream_has_exactly_one_writer_so_no_service_can_forge_anothers_facts() -> None:
    for stream in ("incidents", "repairs", "followups", "changes", "privacy", "engagements"):
        topic = f"{NAMESPACE}.{stream}"
        writers = {
            b.principal for b in bindings(NAMESPACE) if b.name == topic and b.operation == "write"
        }
        assert len(writers) == 1, (topic, writers)
    assert topics_of("followup", "write") == {
        f"{NAMESPACE}.followups",
        f"{NAMESPACE}.repairs.dlq",
        f"{NAMESPACE}.privacy.dlq",
        f"{NAMESPACE}.changes.dlq",  # follow-up reads changes and engagements (its nudges)
        f"{NAMESPACE}.engagements.dlq",
    }
    assert f"{NAMESPACE}.privacy" in topics_of("agreements", "write")
    assert f"{NAMESPACE}.changes" in topics_of("intake", "write")
    assert f"{NAMESPACE}.engagements" in topics_of("agreements", "write")
    assert f"{NAMESPACE}.changes" in topics_of("agreements", "read")


def test_each_service_uses_only_its_own_consumer_groups_by_prefix() -> None:
    groups = [b for b in bindings(NAMESPACE) if b.kind == "group"]

    assert {(b.principal, b.name, b.pattern, b.operation) for b in groups} == {
        ("User:intake", "bridgework.intake", "prefixed", "read"),
        ("User:agreements", "bridgework.agreements", "prefixed", "read"),
        ("User:followup", "bridgework.followup", "prefixed", "read"),
        ("User:graphql_gateway", "bridgework.gateway", "prefixed", "read"),
    }
    # Topics are never matched by prefix: `bridgework.intake` must not cover `.intake.raw`.
    assert {b.pattern for b in bindings(NAMESPACE) if b.kind == "topic"} == {"literal"}


def test_a_service_user_may_be_named_otherwise_but_not_an_unknown_service() -> None:
    renamed = bindings("prod", principals={"intake": "bw-intake"})

    assert AclBinding("User:bw-intake", "topic", "prod.intake.raw", "literal", "read") in renamed
    assert not [b for b in renamed if b.principal == "User:intake"]
    with pytest.raises(ValueError, match="no such service"):
        bindings("prod", principals={"billing": "bw-billing"})


def test_erasures_are_written_by_agreements_and_read_by_followup_and_the_gateway() -> None:
    topic = f"{NAMESPACE}.privacy"
    everyone = bindings(NAMESPACE)

    writers = {b.principal for b in everyone if b.name == topic and b.operation == "write"}
    readers = {b.principal for b in everyone if b.name == topic and b.operation == "read"}
    assert writers == {"User:agreements"}
    assert readers == {"User:followup", "User:graphql_gateway"}
