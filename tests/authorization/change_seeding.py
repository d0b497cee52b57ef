"""The planned change of the matrix's organisation: IT's control affecting finance, with IT's
p-it-7 on the owner's side, finance's p-fin-2 (the participant credential) representing
finance, and a first proposal nobody has answered yet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx

from bridgework.common.contracts import (
    ChangeKind,
    ChangeRecordedV1,
    Contract,
    PersonRef,
    SourceRef,
)
from bridgework.common.events import Event
from tests.authorization.people import AFFECTED, RESPONSIBLE, bearer, token_for
from tests.infra import eventually, produce

CHANGE_ID = UUID("00000000-0000-4000-8000-00000000c4a6")
_NOW = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


def _as(person: PersonRef) -> dict[str, str]:
    return bearer(token_for(person, "participant"))


async def seed_change(client: httpx.AsyncClient, kafka: str, namespace: str) -> None:
    """Record the change on the changes topic, as intake does, and engage finance."""
    change = ChangeRecordedV1(
        change_id=CHANGE_ID,
        department="it",
        title="USB ports locked on every laptop",
        kind=ChangeKind.CONTROL,
        owner=RESPONSIBLE,
        affected_departments=["finance"],
        planned_go_live=_NOW + timedelta(days=60),
        recorded_at=_NOW,
        source=SourceRef(tool="servicenow", reference="CHG-MATRIX"),
    )
    events: list[Event[Contract]] = [Event.new(change, source="/bridgework/intake", time=_NOW)]
    await produce(kafka, f"{namespace}.changes", events)
    path = f"/v1/changes/{CHANGE_ID}"

    async def recorded() -> bool:
        return (await client.get(path, headers=_as(RESPONSIBLE))).status_code == 200

    await eventually(recorded, timeout=60)
    for person, role in ((RESPONSIBLE, "owner"), (AFFECTED, "representative")):
        body = {"participant": person.model_dump(), "role": role}
        await _post(client, f"{path}/participants", body, _as(person))
    notice: dict[str, Any] = {
        "kind": "notice",
        "owner": RESPONSIBLE.model_dump(),
        "owed_to_departments": ["finance"],
        "action": "Two weeks' notice before the ports lock.",
        "due_at": (_NOW + timedelta(days=30)).isoformat(),
    }
    await _post(client, f"{path}/proposals", {"adjustments": [notice]}, _as(RESPONSIBLE))


async def _post(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]
) -> None:
    response = await client.post(path, json=body, headers=headers)
    assert response.is_success, f"seeding {path}: {response.status_code} {response.text}"
