"""A service stops in bounded time even when a background task ignores its cancellation."""

from __future__ import annotations

import asyncio
import time

import pytest

from bridgework.common import runtime


class Said:
    """Stands in for the module's logger: what it was told, formatted."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def warning(self, message: str, *args: object) -> None:
        self.lines.append(message % args)

    def error(self, message: str, *args: object, **_: object) -> None:
        self.lines.append(message % args)


async def test_a_task_that_ignores_cancellation_is_named_and_left_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    said = Said()
    monkeypatch.setattr(runtime, "STOP_SECONDS", 0.3)
    monkeypatch.setattr(runtime, "logger", said)
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                continue  # what a misbehaving client library might do

    async def polite() -> None:
        await asyncio.sleep(10)

    tasks = [
        asyncio.create_task(stubborn(), name="stubborn"),
        asyncio.create_task(polite(), name="polite"),
    ]
    await asyncio.sleep(0.05)  # both are inside their sleep, where a cancellation lands
    started = time.monotonic()
    await runtime._cancel_all(tasks)
    assert time.monotonic() - started < 2
    assert tasks[1].cancelled()
    assert said.lines == ["stubborn did not stop in 0.3s of its cancellation"]
    release.set()
    tasks[0].cancel()
    await asyncio.wait([tasks[0]], timeout=1)
