"""Live dashboard updates: Postgres NOTIFY from each applied batch, fanned out in-process.

The projection's batch that changes the read model notifies at commit on CHANGES_CHANNEL, so
every gateway replica hears of it, whichever replica applied the batch; each replica
wakes its own subscriptions. A replica that loses its listening connection reconnects
and announces a change to everyone, since it may have missed some.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from bridgework.common.postgres import connect
from bridgework.common.runtime import Runtime
from bridgework.graphql_gateway.read.domain.figures import ORGANISATION

logger = logging.getLogger(__name__)
PING_SECONDS = 2.0
# The projection notifies on this channel (its own constant: the halves share no code).
CHANGES_CHANNEL = "gateway_read_model"


class ReadModelChanges:
    """A version counter per department that subscriptions wait on."""

    def __init__(self) -> None:
        self.version = 0
        self.listening = False
        self._changed_at: dict[str, int] = {}
        self._everything_at = 0
        self._wake = asyncio.Event()

    def publish(self, departments: list[str]) -> None:
        """Record that these departments' numbers changed ('*' alone: everything may have)."""
        self.version += 1
        if departments == [ORGANISATION]:
            self._everything_at = self.version
        for department in departments:
            self._changed_at[department] = self.version
        wake, self._wake = self._wake, asyncio.Event()
        wake.set()

    def changed_since(self, department: str, seen: int) -> bool:
        """Whether `department` changed after version `seen`."""
        return max(self._changed_at.get(department, 0), self._everything_at) > seen

    async def wait(self, department: str, seen: int) -> int:
        """Wait until `department` ('*' for the organisation) changed after version `seen`."""
        while not self.changed_since(department, seen):
            await self._wake.wait()
        return self.version

    def on_notify(self, _connection: object, _pid: int, _channel: str, payload: object) -> None:
        """The LISTEN callback: the payload is the JSON list of departments that changed."""
        try:
            departments = json.loads(str(payload))
        except ValueError:
            departments = [ORGANISATION]
        self.publish([str(d) for d in departments] or [ORGANISATION])

    async def listen(self, runtime: Runtime) -> None:
        """Background task: hold a LISTEN connection (a pool would UNLISTEN), reconnecting."""
        settings = runtime.settings
        heartbeat = runtime.heartbeats.periodic("live-updates-listener", every_seconds=PING_SECONDS)
        while True:
            heartbeat.beat()
            connection = None
            try:
                connection = await connect(
                    settings.database_url, schema=settings.db_schema, purpose="live-updates"
                )
                await connection.add_listener(CHANGES_CHANNEL, self.on_notify)
                self.listening = True
                self.publish([ORGANISATION])  # whatever happened while we were not listening
                # A lost connection shows only when used: ping it now and then.
                while True:
                    await asyncio.sleep(PING_SECONDS)
                    await connection.fetchval("SELECT 1")
                    heartbeat.beat()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.warning("live updates: not listening (%r); retrying", error)
                await asyncio.sleep(PING_SECONDS)
            finally:
                self.listening = False
                if connection is not None:
                    with contextlib.suppress(Exception):
                        await connection.close(timeout=2)
