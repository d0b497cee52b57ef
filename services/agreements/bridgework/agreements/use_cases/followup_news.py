"""Follow-up's news (lapsed commitments, check-in answers), recorded in the repairs it is about.
Runs in the follow-ups consumer's transaction for the batch."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from uuid import UUID

from bridgework.agreements.domain.followup_news import FollowupNews, apply_news
from bridgework.agreements.domain.repair import Repair
from bridgework.agreements.repository import repairs as repair_rows
from bridgework.common.postgres import Connection

logger = logging.getLogger(__name__)


async def record_followup_news(*, connection: Connection, news: Sequence[FollowupNews]) -> int:
    """Record lapses and check-ins, all repairs of a batch in one write; news about a repair
    agreements does not know is logged and dropped. Return how many repairs changed."""
    by_repair: dict[UUID, list[FollowupNews]] = defaultdict(list)
    for fact in news:
        by_repair[fact.repair_id].append(fact)
    repairs = await repair_rows.lock_repairs(connection, list(by_repair))
    changed: list[Repair] = []
    for repair_id, about_it in by_repair.items():
        repair = repairs.get(repair_id)
        if repair is None:
            logger.warning("follow-up news about unknown repair %s dropped", repair_id)
            continue
        updated = apply_news(repair, about_it)
        if updated != repair:
            changed.append(updated)
    await repair_rows.save_repairs(connection, changed)
    return len(changed)
