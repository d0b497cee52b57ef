"""Follow-up's facts on their way out: through the outbox, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bridgework.common.contracts import Contract
from bridgework.common.events import Event
from bridgework.common.outbox import enqueue
from bridgework.common.postgres import Connection
from bridgework.followup.settings import FollowupSettings

SOURCE = "/bridgework/followup"


async def publish(
    connection: Connection, *, settings: FollowupSettings, facts: Sequence[Contract], now: datetime
) -> None:
    """Enqueue `facts` on follow-up's topic; they go out when the transaction commits."""
    await enqueue(
        connection,
        schema=settings.db_schema,
        topic=settings.topics.followups,
        events=[Event.new(fact, source=SOURCE, time=now) for fact in facts],
    )
