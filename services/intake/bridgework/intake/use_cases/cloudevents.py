"""Accepting CloudEvents, incidents and planned changes alike: over HTTP (all or none) and from
the raw topic (each event on its own), each call in one transaction."""

from __future__ import annotations

from collections.abc import Sequence

from bridgework.common.clock import Clock
from bridgework.common.errors import DomainError, FieldProblem
from bridgework.common.postgres import Connection, Pool
from bridgework.intake.domain.changes import ChangeItem, ChangeOutcome, ChangeSubmission
from bridgework.intake.domain.cloudevents import IncomingCloudEvent
from bridgework.intake.domain.credentials import raw_event_refusal
from bridgework.intake.domain.incidents import Delivery, IncidentSubmission, Item, Outcome
from bridgework.intake.settings import IntakeSettings
from bridgework.intake.use_cases.changes import record_changes_in
from bridgework.intake.use_cases.incidents import RAW_CHANNEL, accept_in, principals_in

Result = Outcome | ChangeOutcome


async def accept_events(
    *,
    pool: Pool,
    clock: Clock,
    settings: IntakeSettings,
    events: Sequence[IncomingCloudEvent],
    batch: bool,
) -> list[Result]:
    """Accept authorised events, all or none: a change that cannot be taken refuses the whole
    call, naming `data.<field>` (`<index>.data.<field>` in a batch), and nothing is stored."""
    async with pool.acquire() as connection, connection.transaction():
        results = await _accept_in(connection, clock=clock, settings=settings, events=events)
        problems = [
            FieldProblem(f"{index}.data.{p.field}" if batch else f"data.{p.field}", p.reason)
            for index, result in enumerate(results)
            if isinstance(result, DomainError)
            for p in result.problems()
        ]
        if problems:
            raise DomainError.invalid_fields(problems)  # rolls the transaction back
        return [result for result in results if not isinstance(result, DomainError)]


async def accept_raw_events(
    *,
    pool: Pool,
    clock: Clock,
    settings: IntakeSettings,
    events: Sequence[IncomingCloudEvent],
) -> list[Result | DomainError]:
    """Accept raw-topic CloudEvents whose own token reports for their department, in one
    transaction; per event, its outcome or why it was refused (unauthenticated, forbidden,
    a change that cannot be taken)."""
    async with pool.acquire() as connection, connection.transaction():
        principals = await principals_in(connection, [e.token for e in events if e.token])
        results: list[Result | DomainError | None] = []
        allowed: list[IncomingCloudEvent] = []
        for event in events:
            principal = principals.get(event.token) if event.token else None
            refusal = raw_event_refusal(event.token, principal, event.submission.department)
            results.append(refusal)
            if refusal is None:
                allowed.append(event)
        accepted = iter(
            await _accept_in(connection, clock=clock, settings=settings, events=allowed)
        )
    return [_in_data(next(accepted)) if result is None else result for result in results]


def _in_data(result: Result | DomainError) -> Result | DomainError:
    """A refused change as the dead-letter topic keeps it: an invalid event, fields in `data`."""
    if not isinstance(result, DomainError):
        return result
    problems = [FieldProblem(f"data.{p.field}", p.reason) for p in result.problems()]
    return DomainError("invalid_event", DomainError.invalid_fields(problems).detail)


async def _accept_in(
    connection: Connection,
    *,
    clock: Clock,
    settings: IntakeSettings,
    events: Sequence[IncomingCloudEvent],
) -> list[Result | DomainError]:
    """Incidents and changes of `events`, each kind in one go; results in the events' order."""
    incidents: list[tuple[int, Item]] = []
    changes: list[tuple[int, ChangeItem]] = []
    for index, event in enumerate(events):
        delivery = Delivery(RAW_CHANNEL, event.delivery_id)
        if isinstance(event.submission, ChangeSubmission):
            changes.append((index, ChangeItem(event.submission, delivery)))
        else:
            assert isinstance(event.submission, IncidentSubmission)
            incidents.append((index, Item(event.submission, delivery)))
    results: dict[int, Result | DomainError] = {}
    if incidents:
        items = [item for _, item in incidents]
        outcomes = await accept_in(connection, clock=clock, settings=settings, items=items)
        results.update(zip((index for index, _ in incidents), outcomes, strict=True))
    if changes:
        change_items = [item for _, item in changes]
        recorded = await record_changes_in(
            connection, clock=clock, settings=settings, items=change_items
        )
        results.update(zip((index for index, _ in changes), recorded, strict=True))
    return [results[index] for index in range(len(events))]
