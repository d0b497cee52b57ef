"""Small builders of valid contracts and submissions; tests override only what they are about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from bridgework.common.contracts import (
    IncidentCategory,
    IncidentReportedV1,
    PersonRef,
    RelationshipPair,
    RepairOpenedV1,
    Severity,
    SourceRef,
)
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.privacy import DataKey, seal, unseal

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def incident_reported(**overrides: Any) -> IncidentReportedV1:
    fields: dict[str, Any] = {
        "incident_id": uuid4(),
        "department": "it",
        "category": IncidentCategory.ACCESS_RESTRICTION,
        "severity": Severity.HIGH,
        "summary": "USB ports were locked on every laptop without notice.",
        "occurred_at": T0,
        "reported_at": T0,
        "responsible": [PersonRef(person_id="p-it-7", department="it")],
        "affected_people": [PersonRef(person_id="p-fin-2", department="finance")],
        "affected_departments": ["finance"],
        "source": SourceRef(tool="native", reference=str(uuid4())),
    }
    fields.update(overrides)
    return IncidentReportedV1(**fields)


def submission_json(**overrides: Any) -> dict[str, Any]:
    """A native-JSON incident submission as a department's tool would POST it."""
    body: dict[str, Any] = {
        "department": "it",
        "category": "access_restriction",
        "severity": "high",
        "summary": "USB ports were locked on every laptop without notice.",
        "occurred_at": "2026-11-02T09:30:00+00:00",
        "responsible": [{"person_id": "p-it-7", "department": "it"}],
        "affected_people": [{"person_id": "p-fin-2", "department": "finance"}],
        "affected_departments": ["finance"],
        "source": {"tool": "native", "reference": str(uuid4())},
    }
    body.update(overrides)
    return body


def uuid(text: str) -> UUID:
    return UUID(text)


def repair_opened(**overrides: Any) -> RepairOpenedV1:
    fields: dict[str, Any] = {
        "repair_id": uuid4(),
        "incident_ids": [uuid4()],
        "category": IncidentCategory.ACCESS_RESTRICTION,
        "opened_at": T0,
        "agreement_due_by": T0 + timedelta(days=14),
        "departments": ["finance", "it"],
        "relationships": [RelationshipPair(department_a="finance", department_b="it")],
    }
    fields.update(overrides)
    return RepairOpenedV1(**fields)


# A data key of tests that build sealed texts without a key store (pure rules, folding,
# contracts); `plain` reads back what `sealed` sealed.
TEST_KEY = DataKey(
    key_id=UUID("00000000-0000-4000-8000-00000000feed"),
    person_id="p-test",
    repair_id=UUID(int=0),
    secret=bytes(range(32)),
)


def sealed(text: str) -> Sealed:
    """A confidential text as events and rows carry it, sealed with the tests' key."""
    return seal(TEST_KEY, text)


def plain(value: Sealed | None) -> str | None:
    """What `sealed` sealed (None for None)."""
    return None if value is None else unseal(TEST_KEY, value)
