"""Recording planned changes and their go-live: each call is one transaction that records the
state and its events (on the `changes` stream) together."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from uuid import UUID, uuid4

from bridgework.common.clock import Clock
from bridgework.common.contracts import ChangeEvent, GoLiveReporter
from bridgework.common.errors import DomainError, ErrorKind, FieldProblem
from bridgework.common.events import Event
from bridgework.common.outbox import enqueue
from bridgework.common.postgres import Connection, Pool
from bridgework.intake import repository
from bridgework.intake.domain.change_mapping import ChangeToolItem, to_change_submission
from bridgework.intake.domain.changes import (
    ChangeItem,
    ChangeOutcome,
    ChangeSubmission,
    ChangeVerdict,
    StoredChange,
    decide,
    go_live,
    refusals,
)
from bridgework.intake.domain.credentials import Principal, ensure_department
from bridgework.intake.domain.incidents import Delivery
from bridgework.intake.domain.mapping import Ignored, Tool
from bridgework.intake.domain.pseudonyms import PseudonymKey
from bridgework.intake.repository import DeliveryKey, SourceKey
from bridgework.intake.settings import IntakeSettings
from bridgework.intake.use_cases.incidents import delivery_outcome_in
from bridgework.intake.use_cases.mappings import mapping_in_force_in


async def record_changes(
    *,
    pool: Pool,
    clock: Clock,
    settings: IntakeSettings,
    items: Sequence[ChangeItem],
    at: str | None = None,
) -> list[ChangeOutcome]:
    """Record submissions, all or none: one invalid item refuses the whole call (fields named
    `<at>.<index>.<field>` when `at` is given) and nothing is stored."""
    async with pool.acquire() as connection, connection.transaction():
        results = await record_changes_in(connection, clock=clock, settings=settings, items=items)
        problems = [
            FieldProblem(_prefixed(at, index, problem.field), problem.reason)
            for index, result in enumerate(results)
            if isinstance(result, DomainError)
            for problem in result.problems()
        ]
        if problems:
            # Raising inside the block rolls the transaction back: nothing is stored.
            raise DomainError.invalid_fields(problems)
        return [result for result in results if isinstance(result, ChangeOutcome)]


async def record_changes_in(
    connection: Connection,
    *,
    clock: Clock,
    settings: IntakeSettings,
    items: Sequence[ChangeItem],
) -> list[ChangeOutcome | DomainError]:
    """Record what can be recorded, on the caller's transaction; per item its outcome, or why
    it is refused (then it changes nothing, and the other items are unaffected)."""
    if not items:
        return []
    now = clock.now()
    keys = [_source_key(item.submission) for item in items]
    await repository.lock_sources(connection, keys)
    deliveries = {i: _delivery_key(item) for i, item in enumerate(items) if item.delivery}
    seen = await repository.find_deliveries(connection, list(set(deliveries.values())))
    states = await repository.find_changes(connection, keys)
    changed: dict[SourceKey, StoredChange] = {}
    events: list[ChangeEvent] = []
    results: list[ChangeOutcome | DomainError] = []
    new_deliveries: list[tuple[DeliveryKey, UUID | None]] = []
    for index, (item, key) in enumerate(zip(items, keys, strict=True)):
        delivery = deliveries.get(index)
        if delivery is not None and delivery in seen:
            results.append(ChangeOutcome(ChangeVerdict.DUPLICATE, seen[delivery]))
            continue
        if problems := refusals(states.get(key), item.submission, now=now):
            results.append(DomainError.invalid_fields(problems))
            continue
        decision = decide(states.get(key), item.submission, new_change_id=uuid4(), now=now)
        states[key] = decision.state
        if decision.state_changed:
            changed[key] = decision.state
        events.extend(decision.events)
        change_id = decision.state.facts.change_id
        if delivery is not None:
            seen[delivery] = change_id
            new_deliveries.append((delivery, change_id))
        results.append(ChangeOutcome(decision.verdict, change_id, decision.state.revision))
    await repository.save_changes(connection, list(changed.values()), at=now)
    await repository.record_deliveries(connection, new_deliveries, received_at=now)
    await _publish(connection, settings, events, now)
    return results


async def report_go_live(
    *,
    pool: Pool,
    clock: Clock,
    settings: IntakeSettings,
    principal: Principal,
    change_id: UUID,
    went_live_at: datetime | None,
) -> ChangeOutcome:
    """The token's department says its change went live (`went_live_at`, default now)."""
    now = clock.now()
    when = went_live_at or now
    if when > now:
        raise DomainError.invalid("went_live_at", "must not be in the future")
    async with pool.acquire() as connection, connection.transaction():
        stored = await repository.find_change(connection, change_id)
        if stored is None:
            raise DomainError(
                "not_found", f"no change {change_id} is known", kind=ErrorKind.NOT_FOUND
            )
        ensure_department(principal, stored.facts.department, where="the change")
        decision = go_live(stored, went_live_at=when, now=now, by=GoLiveReporter.API)
        if decision.state_changed:
            await repository.save_changes(connection, [decision.state], at=now)
            await _publish(connection, settings, list(decision.events), now)
    return ChangeOutcome(decision.verdict, change_id, stored.revision)


async def _publish(
    connection: Connection, settings: IntakeSettings, events: list[ChangeEvent], now: datetime
) -> None:
    source = f"/bridgework/{settings.service_name}"
    await enqueue(
        connection,
        schema=settings.db_schema,
        topic=settings.topics.changes,
        events=[Event(id=uuid4(), source=source, time=now, data=event) for event in events],
    )


def _prefixed(at: str | None, index: int, field: str | None) -> str:
    where = f"{at}.{index}" if at is not None else ""
    return ".".join(part for part in (where, field or "") if part) or "(body)"


def _source_key(submission: ChangeSubmission) -> SourceKey:
    return (submission.department, submission.source.tool, submission.source.reference)


def _delivery_key(item: ChangeItem) -> DeliveryKey:
    assert item.delivery is not None
    return (item.submission.department, item.delivery.channel, item.delivery.delivery_id)


async def receive_change_webhook(
    *,
    pool: Pool,
    clock: Clock,
    settings: IntakeSettings,
    department: str,
    tool: Tool,
    delivery_id: str | None,
    read: Callable[[], ChangeToolItem | Ignored],
) -> ChangeOutcome | Ignored:
    """One delivery of a tool's change: a retry is a duplicate before anything is read again;
    otherwise `read` it, map it with the department's mapping of the tool, and record it (a
    DomainError names what makes it no valid change, and nothing is stored)."""
    delivery = Delivery(f"{tool.value}:changes", delivery_id) if delivery_id else None
    async with pool.acquire() as connection, connection.transaction():
        if delivery is not None:
            seen = await delivery_outcome_in(connection, department=department, delivery=delivery)
            if seen is not None:
                return ChangeOutcome(ChangeVerdict.DUPLICATE, seen.incident_id)
        item = read()
        if isinstance(item, Ignored):
            return item
        mapping = await mapping_in_force_in(connection, department=department, tool=tool)
        pseudonyms = PseudonymKey(settings.pseudonym_secret())
        submission = to_change_submission(
            item, mapping, department=department, pseudonyms=pseudonyms
        )
        items = [ChangeItem(submission, delivery)]
        [result] = await record_changes_in(connection, clock=clock, settings=settings, items=items)
        if isinstance(result, DomainError):
            raise DomainError.invalid_fields(
                [FieldProblem(f"change.{p.field}", p.reason) for p in result.problems()]
            )
        return result
