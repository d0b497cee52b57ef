"""Live updates wake the subscriptions whose department changed, and only those."""

from __future__ import annotations

import asyncio

import pytest

from bridgework.graphql_gateway.read.entrypoints.loops import ReadModelChanges


async def test_a_department_subscription_wakes_on_its_own_changes_only() -> None:
    changes = ReadModelChanges()
    finance = asyncio.create_task(changes.wait("finance", changes.version))
    organisation = asyncio.create_task(changes.wait("*", changes.version))

    changes.publish(["*", "it"])
    await asyncio.sleep(0)
    assert organisation.done()
    assert not finance.done()

    changes.publish(["*", "finance"])
    assert await asyncio.wait_for(finance, 1) == 2


async def test_a_notification_of_everything_wakes_every_subscription() -> None:
    changes = ReadModelChanges()
    hr = asyncio.create_task(changes.wait("hr", 0))

    changes.on_notify(None, 0, "gateway_read_model", '["*"]')

    assert await asyncio.wait_for(hr, 1) == 1


async def test_a_garbled_notification_counts_as_everything() -> None:
    changes = ReadModelChanges()

    changes.on_notify(None, 0, "gateway_read_model", "not json")

    assert changes.changed_since("estates", 0)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(changes.wait("estates", changes.version), 0.05)
