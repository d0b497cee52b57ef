"""Every Kafka consumer survives any record: Hypothesis hands each service's real batch consumer
batches mixing valid events with random bytes, JSON of the wrong shape, broken or non-UTF-8
`ce_*` headers, unknown versions, empty values and keyless records, on the real database.

Per batch: nothing raises, every valid event has its effect exactly once, every invalid record
is dead-lettered once with a reason, and the committed offset moves past the whole batch.
The dead letters are captured where the consumer hands them to its broker.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast
from uuid import uuid4

import pytest
from aiokafka.structs import TopicPartition
from faststream.kafka import KafkaBroker
from pydantic import ValidationError

from bridgework.agreements.entrypoints.events import on_followup_news, on_incident_facts
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.clock import ManualClock
from bridgework.common.consumer import Applier, BatchConsumer, commit_batch
from bridgework.common.contracts import Contract, IncidentReportedV1
from bridgework.common.events import Event, to_kafka
from bridgework.common.postgres import Pool, create_pool, migrate
from bridgework.common.topics import dead_letter_topic
from bridgework.followup.entrypoints.events import repair_events_applier
from bridgework.graphql_gateway.projection.entrypoints.events import on_events
from bridgework.intake.entrypoints.events import RawIncidents
from bridgework.intake.settings import IntakeSettings
from bridgework.intake.use_cases import credentials
from tests.factories import T0, incident_reported, repair_opened
from tests.followup_factories import MONDAY, policy
from tests.fuzz_records import (
    Batch,
    Commits,
    DeadLetters,
    Record,
    Spec,
    Template,
    batches,
    materialise,
    run_fuzz,
)
from tests.infra import Infrastructure, create_database, drop_database
from tests.intake_factories import binary_kafka_headers, encode, incident_data

pytestmark = pytest.mark.integration
OFFSETS = itertools.count(0, 100)
INTAKE_REQUIRED = ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_bridgeworktoken")


@pytest.fixture(scope="module")
async def database(infra: Infrastructure) -> AsyncIterator[str]:
    """One database for the module; each service migrates its own schema in it."""
    url = await create_database(infra)
    yield url
    await drop_database(infra, url)


async def migrated(url: str, schema: str, package: str) -> Pool:
    pool = await create_pool(url, schema=schema, max_size=2)
    await migrate(pool, schema=schema, package=package)
    return pool


def event_template(data: Contract, effect: Any = None) -> Template:
    """A valid record of `data`, as the service's outbox would publish it."""
    event = Event.new(data, source="/fuzz", time=T0)
    record = to_kafka(event)
    headers = [(name, value.encode()) for name, value in record.headers.items()]
    return Template(record.key, record.value, headers, (event, effect))


def applied_by(name: str, pool: Pool, apply: Applier) -> tuple[BatchConsumer, DeadLetters]:
    dead = DeadLetters()
    consumer = BatchConsumer(
        name=name,
        pool=pool,
        broker=cast(KafkaBroker, dead),
        apply=apply,
        max_attempts=2,
        retry_base_seconds=0.001,
    )
    return consumer, dead


@dataclass
class Subject:
    """One consumer under fuzzing: its topic, how to make a valid record, how to count one's
    effect (the rows it left), and the headers it cannot do without."""

    consumer: BatchConsumer
    dead: DeadLetters
    topic: str
    make_valid: Callable[[str | None], Template]
    effects_of: Callable[[Template], Awaitable[int]]
    reasons: frozenset[str] | None = frozenset({"invalid_event"})  # None: any reason given
    seen: Counter[str] = field(default_factory=Counter)

    async def check(self, drawn: tuple[list[Spec], bool]) -> None:
        specs, redeliver = drawn
        batch = materialise(
            specs,
            redeliver,
            topic=self.topic,
            first_offset=next(OFFSETS),
            make_valid=self.make_valid,
        )
        await self.handle(batch)
        self.seen.update(spec[0] for spec in specs)
        self.seen.update(["examples"] + ["redelivered"] * (redeliver and bool(batch.valid)))

    async def handle(self, batch: Batch) -> None:
        self.dead.published.clear()
        await asyncio.wait_for(self.consumer.handle(batch.records), timeout=30)
        await self.assert_handled(batch)

    def assert_exercised(self) -> None:
        """The fuzzing was not vacuous: every kind of record went through, many examples."""
        kinds = {"valid", "random_bytes", "wrong_json", "bad_headers", "unknown_version", "empty"}
        assert kinds <= set(self.seen), self.seen
        assert self.seen["examples"] >= 20, self.seen

    async def assert_handled(self, batch: Batch) -> None:
        commits = Commits()
        await commit_batch(commits, batch.records)
        last = batch.records[-1].offset
        assert commits.offsets == {TopicPartition(self.topic, 0): last + 1}
        dead_offsets = [int(h["bridgework_dlq_offset"]) for _, _, h in self.dead.published]
        assert sorted(dead_offsets) == sorted(batch.invalid_offsets), self.dead.published
        for topic, _, headers in self.dead.published:
            assert topic == dead_letter_topic(self.topic)
            assert headers["bridgework_dlq_reason"]
            assert self.reasons is None or headers["bridgework_dlq_reason"] in self.reasons
            assert headers["bridgework_dlq_error"]
            assert headers["bridgework_dlq_consumer"] == self.consumer.name
        for template in batch.valid:
            assert await self.effects_of(template) == 1, template


async def inbox_count(pool: Pool, consumer: str, template: Template) -> int:
    event, _ = template.effect
    async with pool.acquire() as connection:
        count: int = await connection.fetchval(
            "SELECT count(*) FROM inbox WHERE consumer = $1 AND event_id = $2", consumer, event.id
        )
    return count


def row_counter(pool: Pool, consumer: str, sql: str) -> Callable[[Template], Awaitable[int]]:
    """Counts a valid event's rows: `sql` over its effect, and its inbox claim (both once)."""

    async def effects_of(template: Template) -> int:
        _, key = template.effect
        async with pool.acquire() as connection:
            rows: int = await connection.fetchval(sql, key)
        claims = await inbox_count(pool, consumer, template)
        return rows if rows == claims else -1

    return effects_of


def summarised(text: str | None) -> dict[str, str]:
    """`text` as an incident's summary, where the contract allows it."""
    if not text or len(text.strip()) == 0:
        return {}
    try:
        incident_reported(summary=text)
    except ValidationError:
        return {}
    return {"summary": text}


def incident_template(text: str | None = None) -> Template:
    data = incident_reported(**summarised(text))
    return event_template(data, data.incident_id)


def repair_template(_: str | None = None) -> Template:
    data = repair_opened()
    return event_template(data, data.repair_id)


async def test_intake_raw_consumer_survives_any_record(
    database: str, infra: Infrastructure
) -> None:
    settings = IntakeSettings(kafka_bootstrap_servers=infra.kafka, database_url=database)
    pool = await migrated(database, settings.db_schema, "bridgework.intake")
    clock = ManualClock(datetime(2026, 11, 6, 15, 0, tzinfo=UTC))
    _, token = await credentials.create_token(pool=pool, clock=clock, department="it", label="fuzz")
    dead = DeadLetters()
    consumer = BatchConsumer(
        name="intake.raw",
        pool=pool,
        broker=cast(KafkaBroker, dead),
        hook=RawIncidents(pool=pool, clock=clock, settings=settings),
        max_attempts=2,
        retry_base_seconds=0.001,
    )

    def raw_incident(text: str | None) -> Template:
        reference = str(uuid4())
        source = {"tool": "monitoring", "reference": reference}
        value = encode(incident_data(source=source, **summarised(text)))
        headers = binary_kafka_headers(token=token, time="2026-11-06T14:01:00Z")
        return Template(b"it", value, headers, reference)

    async def incidents_of(template: Template) -> int:
        async with pool.acquire() as connection:
            count: int = await connection.fetchval(
                "SELECT count(*) FROM incidents WHERE source_ref = $1", template.effect
            )
        return count

    # A record without its token is refused by the transaction (its own reason), not the read.
    subject = Subject(
        consumer, dead, settings.topics.intake_raw, raw_incident, incidents_of, reasons=None
    )
    try:
        await run_fuzz(batches(INTAKE_REQUIRED), subject.check)
        subject.assert_exercised()
        await assert_nul_dead_lettered(subject)
        await assert_nul_dead_lettered(subject, nul_in_id, named="ce_id")
    finally:
        await pool.close()


async def test_agreements_consumer_survives_any_record(database: str) -> None:
    settings = AgreementsSettings(database_url=database)
    pool = await migrated(database, settings.db_schema, "bridgework.agreements")
    clock = ManualClock(MONDAY)
    incidents, incidents_dead = applied_by(
        "agreements.incidents", pool, partial(on_incident_facts, settings=settings, clock=clock)
    )
    followups, followups_dead = applied_by("agreements.followups", pool, on_followup_news)
    on_incidents = Subject(
        incidents,
        incidents_dead,
        settings.topics.incidents,
        incident_template,
        row_counter(pool, incidents.name, "SELECT count(*) FROM incidents WHERE incident_id = $1"),
    )

    async def claimed(template: Template) -> int:
        return await inbox_count(pool, followups.name, template)

    # Follow-up's topic: valid events of another stream are claimed once and change nothing.
    on_followups = Subject(
        followups, followups_dead, settings.topics.followups, incident_template, claimed
    )

    async def both(drawn: tuple[list[Spec], bool]) -> None:
        await on_incidents.check(drawn)
        await on_followups.check(drawn)

    try:
        await run_fuzz(batches(), both)
        on_incidents.assert_exercised()
        on_followups.assert_exercised()
    finally:
        await pool.close()


async def test_followup_consumer_survives_any_record(database: str) -> None:
    pool = await migrated(database, "followup", "bridgework.followup")
    apply = repair_events_applier(clock=ManualClock(MONDAY), defaults=policy())
    consumer, dead = applied_by("followup.repairs", pool, apply)
    counter = row_counter(
        pool, consumer.name, "SELECT count(*) FROM tracked_repairs WHERE repair_id = $1"
    )
    subject = Subject(consumer, dead, "fuzz.repairs", repair_template, counter)
    try:
        await run_fuzz(batches(), subject.check)
        subject.assert_exercised()
    finally:
        await pool.close()


async def test_gateway_projection_survives_any_record(database: str) -> None:
    pool = await migrated(database, "gateway", "bridgework.graphql_gateway")
    consumer, dead = applied_by("gateway.read_model", pool, on_events)
    made = itertools.count()
    incident_rows = row_counter(
        pool, consumer.name, "SELECT count(*) FROM incidents WHERE incident_id = $1"
    )
    repair_rows = row_counter(
        pool, consumer.name, "SELECT count(*) FROM repairs WHERE repair_id = $1"
    )

    def either(text: str | None) -> Template:
        return incident_template(text) if next(made) % 2 else repair_template(text)

    async def rows_of(template: Template) -> int:
        event, _ = template.effect
        counter = incident_rows if isinstance(event.data, IncidentReportedV1) else repair_rows
        return await counter(template)

    subject = Subject(consumer, dead, "fuzz.facts", either, rows_of)
    try:
        await run_fuzz(batches(), subject.check)
        subject.assert_exercised()
    finally:
        await pool.close()


Spoil = Callable[[Template], Template]


def nul_in_summary(template: Template) -> Template:
    """The record with U+0000 (as JSON's escape) at the start of its summary."""
    value, found = re.subn(rb'"summary": ?"', rb"\g<0>\\u0000", template.value, count=1)
    assert found == 1
    return Template(template.key, value, template.headers, template.effect)


def nul_in_id(template: Template) -> Template:
    """The record with U+0000 in its `ce_id` header."""
    headers = [(n, v + b"\x00" if n == "ce_id" else v) for n, v in template.headers]
    return Template(template.key, template.value, headers, template.effect)


async def assert_nul_dead_lettered(
    subject: Subject, spoil: Spoil = nul_in_summary, named: str = "summary"
) -> None:
    """Between two valid records, one `spoil`ed with U+0000: it alone is dead-lettered, as an
    invalid event naming the field; the other two have their effect."""
    first, nul, last = (subject.make_valid(None) for _ in range(3))
    nul = spoil(nul)
    offset = next(OFFSETS)
    records = [
        Record(subject.topic, 0, offset + n, t.key, t.value, t.headers)
        for n, t in enumerate([first, nul, last])
    ]
    await subject.handle(Batch(records, [first, last], {offset + 1}))

    [(_, kept, headers)] = subject.dead.published
    assert kept == nul.value
    assert headers["bridgework_dlq_reason"] == "invalid_event"
    assert f"{named}: must not hold the NUL character (U+0000)" in headers["bridgework_dlq_error"]


async def test_an_incident_whose_summary_holds_a_nul_is_dead_lettered_alone(
    database: str,
) -> None:
    settings = AgreementsSettings(database_url=database)
    pool = await migrated(database, settings.db_schema, "bridgework.agreements")
    apply = partial(on_incident_facts, settings=settings, clock=ManualClock(MONDAY))
    consumer, dead = applied_by("agreements.incidents", pool, apply)
    counter = row_counter(
        pool, consumer.name, "SELECT count(*) FROM incidents WHERE incident_id = $1"
    )
    subject = Subject(consumer, dead, settings.topics.incidents, incident_template, counter)
    try:
        await assert_nul_dead_lettered(subject)
    finally:
        await pool.close()
