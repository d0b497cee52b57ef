"""Kafka with TLS, SCRAM-SHA-512 and Bridgework's ACLs, against the real secure broker.

`deploy/local/infra.sh up` with BRIDGEWORK_INFRA_INSTANCE=secure starts it and exports
BRIDGEWORK_SECURE_KAFKA_* (make test does); without them every test here fails.
Each test gets a namespace of its own, whose topics and ACLs the admin makes with the
topic set-up job's own function and removes afterwards.

Issue 10 ("Trust") found: clients could not use TLS or SASL, the department tokens on the
raw topic travelled in clear, and any client that could produce could forge
ConversationRecorded or CheckInRecorded. The last three tests reproduce that.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import struct
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError, TopicAuthorizationFailedError
from faststream.kafka import KafkaBroker
from pydantic import SecretStr

from bridgework.common.consumer import BatchConsumer, subscribe
from bridgework.common.contracts import (
    Answer,
    CheckInRecordedV1,
    Contract,
    ConversationRecordedV1,
    ParticipantRole,
    PersonRef,
    Question,
)
from bridgework.common.events import Event, to_kafka
from bridgework.common.kafka import make_broker
from bridgework.common.kafka_security import KafkaSecurity, client_options
from bridgework.common.kafka_setup import remove_acls, set_up
from bridgework.common.outbox import enqueue
from bridgework.common.postgres import Connection, Pool
from bridgework.common.runtime import service_runtime
from bridgework.common.settings import ServiceSettings
from bridgework.common.topics import Topics
from tests.factories import T0, incident_reported, sealed
from tests.infra import eventually, header

pytestmark = pytest.mark.integration

VARIABLES = (
    "BRIDGEWORK_SECURE_KAFKA_BOOTSTRAP_SERVERS",
    "BRIDGEWORK_SECURE_KAFKA_CAFILE",
    "BRIDGEWORK_SECURE_KAFKA_USERS",
)
DEPARTMENT = "department"
TOKEN_HEADER = "ce_bridgeworktoken"
REFUSED_IN = 15.0  # seconds a refusal may take to arrive; each is in milliseconds here


@dataclass(frozen=True)
class SecureKafka:
    bootstrap: str
    cafile: str
    passwords: dict[str, str]

    def security(self, user: str, *, password: str | None = None) -> KafkaSecurity:
        return KafkaSecurity(
            protocol="SASL_SSL",
            sasl_mechanism="SCRAM-SHA-512",
            username=user,
            password=self.passwords[user] if password is None else password,
            cafile=self.cafile,
        )

    def settings(self, user: str, namespace: str, **overrides: Any) -> ServiceSettings:
        """A service's settings as production has them: SASL_SSL with its own user."""
        return ServiceSettings(
            kafka_bootstrap_servers=self.bootstrap,
            kafka_security_protocol="SASL_SSL",
            kafka_sasl_username=user,
            kafka_sasl_password=SecretStr(self.passwords[user]),
            kafka_ssl_cafile=self.cafile,
            topic_namespace=namespace,
            topic_partitions=1,
            outbox_poll_seconds=0.2,
            **overrides,
        )


@pytest.fixture(scope="module")
def secure_kafka() -> SecureKafka:
    """The secure broker infra.sh started; raises (never skips) when it is not there."""
    missing = [name for name in VARIABLES if not os.environ.get(name)]
    if missing:
        raise RuntimeError(
            f"{', '.join(missing)} not set: these tests need the SASL_SSL broker. Run them with "
            '`make test`, or `eval "$(BRIDGEWORK_INFRA_INSTANCE=secure deploy/local/infra.sh up)"`.'
        )
    users = json.loads(Path(os.environ["BRIDGEWORK_SECURE_KAFKA_USERS"]).read_text())
    return SecureKafka(
        bootstrap=os.environ["BRIDGEWORK_SECURE_KAFKA_BOOTSTRAP_SERVERS"],
        cafile=os.environ["BRIDGEWORK_SECURE_KAFKA_CAFILE"],
        passwords=users,
    )


@pytest.fixture
async def secured(secure_kafka: SecureKafka) -> AsyncIterator[str]:
    """A fresh namespace with its topics and ACLs, made by the admin as the set-up job does."""
    namespace = f"t{uuid4().hex[:10]}"
    admin = secure_kafka.security("admin")
    access = await set_up(
        secure_kafka.bootstrap,
        admin,
        namespace=namespace,
        partitions=1,
        replication=1,
        departments=[DEPARTMENT],
    )
    yield namespace
    # Bindings of a namespace nobody uses would pile up on a long-lived test broker.
    await asyncio.to_thread(remove_acls, secure_kafka.bootstrap, admin, access)
    client = AIOKafkaAdminClient(bootstrap_servers=secure_kafka.bootstrap, **client_options(admin))
    await client.start()
    try:
        await client.delete_topics(
            [t for t in await client.list_topics() if t.startswith(namespace)]
        )
    finally:
        await client.close()


async def produce_as(
    kafka: SecureKafka, user: str, topic: str, value: bytes, headers: Sequence[Any] = ()
) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka.bootstrap,
        enable_idempotence=True,
        **client_options(kafka.security(user)),
    )
    await producer.start()
    try:
        await asyncio.wait_for(
            producer.send_and_wait(topic, value, key=b"k", headers=list(headers)), REFUSED_IN
        )
    finally:
        await producer.stop()


async def read_as(kafka: SecureKafka, user: str, topic: str, *, count: int) -> list[Any]:
    """Read `count` records from the start of `topic` with `user`'s credentials, no group."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka.bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        **client_options(kafka.security(user)),
    )
    await consumer.start()
    records: list[Any] = []
    try:
        async with asyncio.timeout(REFUSED_IN):
            while len(records) < count:
                for batch in (await consumer.getmany(timeout_ms=200)).values():
                    records.extend(batch)
    finally:
        await consumer.stop()
    return records


def encoded(contract: Contract) -> tuple[bytes, list[tuple[str, bytes]]]:
    record = to_kafka(Event.new(contract, source="/forger", time=T0))
    return record.value, [(name, text.encode()) for name, text in record.headers.items()]


async def test_a_services_broker_publishes_over_scram_and_tls_and_another_service_consumes(
    secure_kafka: SecureKafka, secured: str, database_url: str
) -> None:
    """Intake's runtime (make_broker, ensure_topics, the outbox relay) publishes an incident;
    agreements' runtime, with its own user and consumer group, applies it."""
    intake = secure_kafka.settings(
        "intake", secured, service_name="intake", database_url=database_url
    )
    agreements = secure_kafka.settings(
        "agreements", secured, service_name="agreements", database_url=database_url
    )
    applied: list[Event[Contract]] = []

    async def on_incidents(_: Connection, events: Sequence[Event[Contract]]) -> None:
        applied.extend(events)

    def subscriptions(broker: KafkaBroker, pool: Pool) -> None:
        consumer = BatchConsumer(
            name="agreements.secure", pool=pool, broker=broker, apply=on_incidents
        )
        subscribe(
            broker,
            topics=[agreements.topics.incidents],
            group_id=f"{secured}.agreements",
            consumer=consumer,
            batch_size=10,
            description="test consumer",
        )

    event = Event.new(incident_reported(), source="/intake", time=T0)
    async with (
        service_runtime(intake, migrations_package=None) as sender,
        service_runtime(agreements, migrations_package=None, subscriptions=subscriptions),
    ):
        async with sender.pool.acquire() as connection, connection.transaction():
            await enqueue(
                connection, schema="intake", topic=intake.topics.incidents, events=[event]
            )

        async def arrived() -> bool:
            return bool(applied)

        await eventually(arrived, timeout=30)

    assert [e.id for e in applied] == [event.id]


async def test_a_wrong_password_is_refused(secure_kafka: SecureKafka, secured: str) -> None:
    wrong = KafkaSecurity(
        protocol="SASL_SSL",
        username="intake",
        password="not-its-password",
        cafile=secure_kafka.cafile,
    )
    producer = AIOKafkaProducer(bootstrap_servers=secure_kafka.bootstrap, **client_options(wrong))

    with pytest.raises(KafkaConnectionError):
        await asyncio.wait_for(producer.start(), REFUSED_IN)
    await producer.stop()

    broker = make_broker(
        secure_kafka.settings("intake", secured).model_copy(
            update={"kafka_sasl_password": SecretStr("not-its-password")}
        )
    )
    with pytest.raises(KafkaConnectionError):
        await asyncio.wait_for(broker.start(), REFUSED_IN)
    await broker.stop()


async def test_a_plaintext_client_gets_nothing_from_the_sasl_ssl_port(
    secure_kafka: SecureKafka, secured: str
) -> None:
    consumer = AIOKafkaConsumer(
        f"{secured}.intake.raw", bootstrap_servers=secure_kafka.bootstrap, group_id=None
    )
    with pytest.raises(KafkaConnectionError):
        await asyncio.wait_for(consumer.start(), REFUSED_IN)
    await consumer.stop()

    # Below any client library: a Kafka Metadata request in clear gets no Kafka answer.
    host, port = secure_kafka.bootstrap.rsplit(":", 1)
    client_id = b"plain"
    request = struct.pack(">hhih", 3, 4, 7, len(client_id)) + client_id + struct.pack(">ib", -1, 0)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.settimeout(5)
        sock.sendall(struct.pack(">i", len(request)) + request)
        answer = _read_until_closed(sock)
    assert struct.pack(">i", 7) not in answer  # never our correlation id: no metadata came back


def _read_until_closed(sock: socket.socket) -> bytes:
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return received


async def test_a_service_cannot_forge_a_conversation_on_the_repairs_topic(
    secure_kafka: SecureKafka, secured: str
) -> None:
    """Found: any client that could produce could forge ConversationRecorded (or CheckInRecorded).
    Now follow-up's and the gateway's brokers are refused on the repairs topic, and only
    follow-up writes the followups topic."""
    who = PersonRef(person_id="p-it-001", department="it")
    conversation = ConversationRecordedV1(
        repair_id=uuid4(),
        participant=who,
        role=ParticipantRole.AFFECTED,
        answers=[Answer(question=Question.HARDEST_THING, text=sealed("forged"))],
        recorded_at=datetime(2026, 1, 5, tzinfo=UTC),
    )
    repairs = Topics(secured).of(ConversationRecordedV1)
    value, headers = encoded(conversation)
    for user in ("followup", "graphql_gateway", "intake", DEPARTMENT):
        with pytest.raises(TopicAuthorizationFailedError):
            await produce_as(secure_kafka, user, repairs, value, headers)

    broker = make_broker(secure_kafka.settings("followup", secured, service_name="followup"))
    await broker.start()
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            await asyncio.wait_for(
                broker.publish(value, topic=repairs, headers=dict(_text(headers))),
                REFUSED_IN,
            )
    finally:
        await broker.stop()

    for user in ("agreements", "graphql_gateway", DEPARTMENT):
        with pytest.raises(TopicAuthorizationFailedError):
            await produce_as(secure_kafka, user, Topics(secured).of(CheckInRecordedV1), b"{}")


def _text(headers: Sequence[tuple[str, bytes]]) -> list[tuple[str, str]]:
    return [(name, value.decode()) for name, value in headers]


async def test_only_intake_reads_the_raw_topic_with_its_tokens(
    secure_kafka: SecureKafka, secured: str
) -> None:
    raw = f"{secured}.intake.raw"
    await produce_as(secure_kafka, DEPARTMENT, raw, b"{}", [(TOKEN_HEADER, b"bwt_secret")])

    for user in ("graphql_gateway", "agreements", "followup", DEPARTMENT):
        with pytest.raises(TopicAuthorizationFailedError):
            await read_as(secure_kafka, user, raw, count=1)

    (record,) = await read_as(secure_kafka, "intake", raw, count=1)
    assert header(record, TOKEN_HEADER) == "bwt_secret"


async def test_a_department_writes_only_the_raw_topic(
    secure_kafka: SecureKafka, secured: str
) -> None:
    value, headers = encoded(incident_reported())
    await produce_as(secure_kafka, DEPARTMENT, f"{secured}.intake.raw", value, headers)

    for stream in ("incidents", "repairs", "followups", "intake.raw.dlq", "incidents.dlq"):
        with pytest.raises(TopicAuthorizationFailedError):
            await produce_as(secure_kafka, DEPARTMENT, f"{secured}.{stream}", value, headers)
