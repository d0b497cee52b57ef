"""Follow-up verifies people's own tokens against the real broker and database: the admin API
takes the admin token or the change team's token (a department lead's for their own
department), and a repair view shows a repair only to someone who may see it."""

from __future__ import annotations

import httpx
import pytest

from bridgework.common.clock import ManualClock
from bridgework.common.contracts import ParticipantRole, PersonRef
from bridgework.followup.app import create_app
from tests.factories import repair_opened
from tests.followup_factories import (
    AFFECTED,
    FACILITATOR,
    MONDAY,
    OWNER,
    as_person,
    followup_settings,
    joined,
    publish,
)
from tests.infra import Infrastructure, eventually, running

pytestmark = pytest.mark.integration

ADMIN_TOKEN = "a-follow-up-admin-token-of-the-tests-0123456789"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
CHANGE_TEAM = as_person("p-chg-001", "change_team")
CONTACT = {"display_name": "Sam Okafor", "email": "sam.okafor@example.org"}


async def test_contacts_are_not_readable_without_a_credential(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    settings = followup_settings(infra, database_url, namespace, admin_token=ADMIN_TOKEN)
    path = f"/v1/contacts/{OWNER.person_id}"

    async with running(create_app(settings, ManualClock(MONDAY))) as followup:
        stored = await followup.put(path, json=CONTACT, headers=ADMIN)
        anonymous = await followup.get(path)
        forged = await followup.get(path, headers={"Authorization": "Bearer not-a-jwt"})
        participant = await followup.get(path, headers=as_person(OWNER))
        own_lead = await followup.get(path, headers=as_person(OWNER, "department_lead"))
        erase = await followup.delete(path, headers=as_person(OWNER))
        still_there = await followup.get(path, headers=ADMIN)

    assert stored.status_code == 200, stored.text
    assert anonymous.status_code == forged.status_code == 401
    assert anonymous.json()["error"] == "unauthorized"
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert participant.status_code == own_lead.status_code == erase.status_code == 403
    assert participant.json()["error"] == "role_required"
    assert still_there.json()["email"] == CONTACT["email"]
    assert "sam.okafor" not in participant.text + anonymous.text


async def test_the_change_team_manages_contacts_with_its_own_token(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    settings = followup_settings(
        infra, database_url, namespace, admin_token=ADMIN_TOKEN, time_travel=True
    )
    path = f"/v1/contacts/{AFFECTED.person_id}"

    async with running(create_app(settings, ManualClock(MONDAY))) as followup:
        put = await followup.put(path, json=CONTACT, headers=CHANGE_TEAM)
        read = await followup.get(path, headers=CHANGE_TEAM)
        erased = await followup.delete(path, headers=CHANGE_TEAM)
        gone = await followup.get(path, headers=CHANGE_TEAM)
        default = await followup.get("/v1/policies/default", headers=CHANGE_TEAM)
        clock = await followup.get("/v1/admin/clock", headers=CHANGE_TEAM)
        clock_by_a_lead = await followup.get(
            "/v1/admin/clock", headers=as_person(OWNER, "department_lead")
        )

    assert put.status_code == 200, put.text
    assert read.json()["email"] == CONTACT["email"]
    assert erased.status_code == 204
    assert gone.status_code == 404
    assert default.status_code == clock.status_code == 200
    assert clock_by_a_lead.status_code == 403


async def test_a_department_lead_manages_their_own_departments_policy_and_webhook_only(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    settings = followup_settings(infra, database_url, namespace, admin_token=ADMIN_TOKEN)
    it_lead = as_person(OWNER, "department_lead")  # OWNER is in it
    hook = {"url": "https://chat.example.org/hooks/it"}

    async with running(create_app(settings, ManualClock(MONDAY))) as followup:
        policy = await followup.put(
            "/v1/departments/it/policy", json={"lead_time": "P1D"}, headers=it_lead
        )
        webhook = await followup.put("/v1/departments/it/webhook", json=hook, headers=it_lead)
        others = await followup.put(
            "/v1/departments/finance/policy", json={"lead_time": "P1D"}, headers=it_lead
        )
        # A path parameter decides, never a query string.
        by_query = await followup.get(
            f"/v1/contacts/{OWNER.person_id}?department=it", headers=it_lead
        )
        not_a_lead = await followup.get("/v1/departments/it/policy", headers=as_person(OWNER))
        reset = await followup.delete("/v1/departments/it/policy", headers=it_lead)

    assert policy.status_code == webhook.status_code == 200, policy.text
    assert others.status_code == by_query.status_code == not_a_lead.status_code == 403
    assert reset.status_code == 204


async def test_a_repair_view_needs_a_person_who_may_see_it(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    settings = followup_settings(infra, database_url, namespace, admin_token=ADMIN_TOKEN)
    opened = repair_opened(opened_at=MONDAY)  # finance and it
    path = f"/v1/repairs/{opened.repair_id}"
    stranger = PersonRef(person_id="p-ops-300", department="ops")

    async with running(create_app(settings, ManualClock(MONDAY))) as followup:
        await publish(
            settings,
            opened,
            joined(opened.repair_id, OWNER, ParticipantRole.RESPONSIBLE),
            joined(opened.repair_id, AFFECTED, ParticipantRole.AFFECTED),
        )

        async def seen_by_the_owner() -> httpx.Response | None:
            # Both joins applied (they may arrive in two batches): then both see it.
            response = await followup.get(path, headers=as_person(OWNER))
            affected = await followup.get(path, headers=as_person(AFFECTED))
            both = response.status_code == affected.status_code == 200
            return response if both else None

        owner = await eventually(seen_by_the_owner)
        owners_nudges = await followup.get(f"{path}/nudges", headers=as_person(AFFECTED))
        anonymous = await followup.get(path)
        anonymous_nudges = await followup.get(f"{path}/nudges")
        machine = await followup.get(path, headers=ADMIN)
        change_team = await followup.get(path, headers=CHANGE_TEAM)
        finance_lead = await followup.get(
            path,
            headers=as_person(
                PersonRef(person_id="p-fin-1", department="finance"), "department_lead"
            ),
        )
        ops_lead = await followup.get(path, headers=as_person(stranger, "department_lead"))
        outsider = await followup.get(path, headers=as_person(stranger))
        outsiders_nudges = await followup.get(f"{path}/nudges", headers=as_person(stranger))
        # A facilitator who has not joined this repair is, to follow-up, anyone else.
        facilitator = await followup.get(path, headers=as_person(FACILITATOR, "facilitator"))

    assert owner.json()["repair_id"] == str(opened.repair_id)
    assert owners_nudges.status_code == 200
    assert anonymous.status_code == anonymous_nudges.status_code == 401
    assert machine.status_code == change_team.status_code == finance_lead.status_code == 200
    for refused in (ops_lead, outsider, outsiders_nudges, facilitator):
        assert refused.status_code == 404
        assert refused.json()["error"] == "unknown_repair"
