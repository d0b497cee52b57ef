"""Follow-up's admin API against the real database: policies, webhooks, contacts, the demo
clock, and the admin token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bridgework.common.clock import ManualClock
from bridgework.followup.app import create_app
from tests.factories import repair_opened
from tests.followup_factories import (
    MONDAY,
    OWNER,
    agreement_reached,
    followup_settings,
    publish,
    schedule_of,
    scheduled,
    terms,
)
from tests.infra import Infrastructure, eventually, running

pytestmark = pytest.mark.integration


async def test_a_departments_policy_overrides_the_defaults_and_shapes_its_reminders(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    settings = followup_settings(infra, database_url, namespace)
    opened = repair_opened(opened_at=MONDAY)
    due = datetime(2026, 11, 12, 9, 30, tzinfo=UTC)  # a Thursday
    reached = agreement_reached(opened.repair_id, [terms(due_at=due)])

    async with running(create_app(settings, ManualClock(MONDAY))) as followup:
        default = (await followup.get("/v1/policies/default")).json()
        put = await followup.put(
            "/v1/departments/it/policy",
            json={
                "lead_time": "P1D",
                "quiet_hours": {"start": "17:00", "end": "09:00"},
                "working_days": ["mon", "tue", "wed", "thu"],
                "time_zone": "Europe/Berlin",
            },
        )
        invalid = await followup.put(
            "/v1/departments/it/policy",
            json={
                "lead_time": "PT0S",
                "working_days": [],
                "time_zone": "Mars/Olympus",
                "repeat_interval": None,
                "colour": "blue",
            },
        )
        finance = (await followup.get("/v1/departments/finance/policy")).json()
        await publish(settings, opened, reached)
        await eventually(lambda: scheduled(followup, opened.repair_id, "reminder", "lapse"))
        reminder = next(
            t for t in await schedule_of(followup, opened.repair_id) if t["kind"] == "reminder"
        )
        deleted = await followup.delete("/v1/departments/it/policy")
        after = (await followup.get("/v1/departments/it/policy")).json()

    assert default == {
        "lead_time": "P2D",
        "repeat_interval": "P3D",
        "quiet_hours": {"start": "18:00:00", "end": "08:00:00"},
        "working_days": ["mon", "tue", "wed", "thu", "fri"],
        "time_zone": "UTC",
        "check_in_delay": "P1D",
        "lapse_offer_repeats": 1,
        "engagement_lead_time": "P14D",
    }
    assert put.status_code == 200, put.text
    assert put.json()["overridden"] == ["lead_time", "quiet_hours", "time_zone", "working_days"]
    assert put.json()["effective"]["lead_time"] == "P1D"
    assert put.json()["effective"]["repeat_interval"] == "P3D"  # still the default
    assert invalid.status_code == 422
    assert {f["field"] for f in invalid.json()["fields"]} >= {
        "lead_time",
        "working_days",
        "time_zone",
        "colour",
    }
    assert finance["overridden"] == []
    # A day before Thursday 10:30 Berlin time is Wednesday 10:30 there: 09:30 UTC.
    assert reminder["fire_at"] == "2026-11-11T09:30:00Z"
    assert deleted.status_code == 204
    assert after["overridden"] == []


async def test_contacts_are_set_read_and_erased_on_request(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    settings = followup_settings(infra, database_url, namespace)

    async with running(create_app(settings, ManualClock(MONDAY))) as followup:
        path = f"/v1/contacts/{OWNER.person_id}"
        put = await followup.put(
            path,
            json={
                "display_name": "Sam Okafor",
                "email": "sam.okafor@example.org",
                "webhook_url": "https://chat.example.org/hooks/sam",
            },
        )
        read = await followup.get(path)
        bad = await followup.put(
            "/v1/contacts/p-it-002", json={"display_name": "", "email": "nope"}
        )
        not_pseudonymous = await followup.get("/v1/contacts/sam.okafor@example.org")
        erased = await followup.delete(path)
        erased_again = await followup.delete(path)
        gone = await followup.get(path)

    assert put.status_code == 200
    assert read.json() == {
        "person_id": "p-it-001",
        "display_name": "Sam Okafor",
        "email": "sam.okafor@example.org",
        "webhook_url": "https://chat.example.org/hooks/sam",
        "webhook_format": "slack",
        "department": None,
        "roles": [],
    }
    assert bad.status_code == 422
    assert {f["field"] for f in bad.json()["fields"]} == {"display_name", "email"}
    assert not_pseudonymous.status_code == 422
    assert erased.status_code == erased_again.status_code == 204
    assert gone.status_code == 404
    assert gone.json()["error"] == "unknown_contact"


async def test_a_department_webhook_never_takes_check_in_links(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    settings = followup_settings(infra, database_url, namespace)

    async with running(create_app(settings, ManualClock(MONDAY))) as followup:
        refused = await followup.put(
            "/v1/departments/it/webhook",
            json={"url": "https://chat.example.org/hooks/it", "kinds": ["reminder", "check_in"]},
        )
        put = await followup.put(
            "/v1/departments/it/webhook", json={"url": "https://chat.example.org/hooks/it"}
        )
        read = await followup.get("/v1/departments/it/webhook")
        missing = await followup.get("/v1/departments/hr/webhook")

    assert refused.status_code == 422
    assert refused.json()["fields"][0]["field"] == "kinds"
    assert put.status_code == 200
    assert read.json()["kinds"] == ["facilitator_support", "lapse_offer", "reminder"]
    assert missing.status_code == 404


async def test_with_an_admin_token_set_the_admin_api_needs_it_and_check_ins_do_not(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    settings = followup_settings(infra, database_url, namespace, admin_token="s3cret-admin")

    async with running(create_app(settings, ManualClock(MONDAY))) as followup:
        anonymous = await followup.get("/v1/policies/default")
        wrong = await followup.get(
            "/v1/policies/default", headers={"authorization": "Bearer guess"}
        )
        right = await followup.get(
            "/v1/policies/default", headers={"authorization": "Bearer s3cret-admin"}
        )
        check_in = await followup.get("/v1/check-ins/not-a-token")
        ready = await followup.get("/health/ready")

    assert anonymous.status_code == wrong.status_code == 401
    assert anonymous.json()["error"] == "unauthorized"
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert right.status_code == 200
    assert check_in.status_code == 403  # no login, but the link must be genuine
    assert ready.json()["status"] == "ready"


async def test_the_demo_clock_moves_forward_and_due_timers_fire(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    settings = followup_settings(infra, database_url, namespace, time_travel=True)
    base = ManualClock(MONDAY)  # the wall clock, standing still for the test
    opened = repair_opened(opened_at=MONDAY)
    reached = agreement_reached(opened.repair_id, [terms()])

    async with running(create_app(settings, base)) as followup:
        await publish(settings, opened, reached)
        await eventually(lambda: scheduled(followup, opened.repair_id, "reminder", "lapse"))
        backwards = await followup.post("/v1/admin/clock/advance", json={"by": "-P1D"})
        moved = await followup.post("/v1/admin/clock/advance", json={"by": "P8D"})
        # The reminder and the lapse fired, the first offer went; its repeat waits three days.
        await eventually(lambda: scheduled(followup, opened.repair_id, "lapse_offer"))

        async def caught_up() -> dict[str, object] | None:
            clock = (await followup.get("/v1/admin/clock")).json()
            return clock if clock["due_timers"] == 0 else None

        now = await eventually(caught_up)

    without = followup_settings(infra, database_url, namespace)
    async with running(create_app(without, base)) as followup:
        hidden = await followup.post("/v1/admin/clock/advance", json={"by": "P1D"})

    assert backwards.status_code == 422
    assert moved.status_code == 200
    # Everything due at the new now fired and nothing waits to be sent (no mail channel).
    assert now == {
        "now": "2026-11-10T09:30:00Z",
        "offset": "P8D",
        "due_timers": 0,
        "due_deliveries": 0,
    }
    assert MONDAY + timedelta(days=8) == datetime(2026, 11, 10, 9, 30, tzinfo=UTC)
    assert hidden.status_code == 404
