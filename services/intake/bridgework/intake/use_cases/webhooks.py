"""A tool's webhook delivery: recognised as a retry, or read, mapped and accepted."""

from __future__ import annotations

from collections.abc import Callable

from bridgework.common.clock import Clock
from bridgework.common.postgres import Pool
from bridgework.intake.domain.incidents import Delivery, Item, Outcome
from bridgework.intake.domain.mapping import (
    Ignored,
    Tool,
    ToolItem,
    carries_required_tag,
    normalise,
    to_submission,
)
from bridgework.intake.domain.pseudonyms import PseudonymKey
from bridgework.intake.settings import IntakeSettings
from bridgework.intake.use_cases.incidents import accept_in, delivery_outcome_in
from bridgework.intake.use_cases.mappings import mapping_in_force_in


async def receive_webhook(
    *,
    pool: Pool,
    clock: Clock,
    settings: IntakeSettings,
    department: str,
    tool: Tool,
    delivery_id: str | None,
    read: Callable[[], ToolItem | Ignored],
) -> Outcome | Ignored:
    """One delivery: a retry is a duplicate before anything is read again; otherwise `read`
    the tool's item (a DomainError if it is not the tool's payload), map it with the
    department's mapping (a DomainError if it makes no valid incident) and accept it."""
    delivery = Delivery(tool.value, delivery_id) if delivery_id else None
    async with pool.acquire() as connection, connection.transaction():
        if delivery is not None:
            seen = await delivery_outcome_in(connection, department=department, delivery=delivery)
            if seen is not None:
                return seen
        item = read()
        if isinstance(item, Ignored):
            return item
        if tool is Tool.GITHUB and _labelled(item, settings.github_change_label):
            # A planned change, for /v1/webhooks/github/<department>/changes: not an incident.
            return Ignored(f"the item carries the change label {settings.github_change_label!r}")
        mapping = await mapping_in_force_in(connection, department=department, tool=tool)
        if not carries_required_tag(item, mapping):
            return Ignored(f"the item does not carry the tag {mapping.require_tag!r}")
        pseudonyms = PseudonymKey(settings.pseudonym_secret())
        submission = to_submission(item, mapping, department=department, pseudonyms=pseudonyms)
        items = [Item(submission, delivery)]
        [outcome] = await accept_in(connection, clock=clock, settings=settings, items=items)
        return outcome


def _labelled(item: ToolItem, label: str) -> bool:
    return normalise(label) in {normalise(tag) for tag in item.tags}
