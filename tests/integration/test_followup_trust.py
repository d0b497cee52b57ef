"""Follow-up's trust boundaries against the real broker and database: check-in links decided
by the stored check-in, malformed tokens, webhook targets, and no personal data in failures."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from bridgework.common.clock import ManualClock
from bridgework.common.contracts import ParticipantRole
from bridgework.common.postgres import create_pool
from bridgework.followup.app import create_app
from bridgework.followup.domain.check_in_links import CheckInClaim, sign, verify
from bridgework.followup.domain.check_ins import AskedCheckIn
from bridgework.followup.repository.check_ins import add_check_ins
from bridgework.followup.settings import FollowupSettings
from tests.factories import repair_opened
from tests.followup_factories import (
    AFFECTED,
    MONDAY,
    OWNER,
    Inbox,
    RefusingInbox,
    agreement_reached,
    followup_settings,
    joined,
    publish,
    released,
    scheduled,
    terms,
)
from tests.infra import Infrastructure, eventually, running

pytestmark = pytest.mark.integration

SECRET = "integration-test-secret"  # followup_settings' check-in key
FRIDAY_MORNING = MONDAY + timedelta(days=4)  # two days before `terms()` is due


@pytest.fixture
async def inbox() -> AsyncIterator[Inbox]:
    async with Inbox() as server:
        yield server


def mail_settings(
    infra: Infrastructure, database_url: str, namespace: str, port: int, **overrides: Any
) -> FollowupSettings:
    return followup_settings(
        infra,
        database_url,
        namespace,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        **overrides,
    )


async def current(value: object) -> object:
    """`eventually` awaits its check: this makes a plain look at a receiver one."""
    return value


@pytest.mark.parametrize(
    "token",
    [
        "é",
        "\u00fc.\u00df",
        "eyJjIjoiMSJ9.sïgnature",
        "abc.def\u200b",
        "\U0001f600",
        "x" * 5000,
    ],
)
async def test_a_check_in_token_with_non_ascii_characters_is_refused_not_a_server_error(
    infra: Infrastructure, database_url: str, namespace: str, token: str
) -> None:
    settings = followup_settings(infra, database_url, namespace)

    async with running(create_app(settings, ManualClock(MONDAY))) as followup:
        page = await followup.get(f"/v1/check-ins/{token}")
        as_json = await followup.post(f"/v1/check-ins/{token}", json={"outcome": "yes"})
        as_form = await followup.post(
            f"/v1/check-ins/{token}",
            content="outcome=yes",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )

    assert page.status_code == 403
    assert "not a valid check-in link" in page.text
    assert as_json.status_code == 403
    assert as_json.json()["error"] == "invalid_link"
    assert as_form.status_code == 403


async def test_the_stored_expiry_decides_even_when_a_link_claims_more_time(
    infra: Infrastructure, database_url: str, namespace: str, inbox: Inbox
) -> None:
    settings = mail_settings(infra, database_url, namespace, inbox.port)
    clock = ManualClock(MONDAY)
    opened = repair_opened(opened_at=MONDAY)
    reached = agreement_reached(opened.repair_id, [terms()])

    async with running(create_app(settings, clock)) as followup:
        await followup.put(
            f"/v1/contacts/{AFFECTED.person_id}",
            json={"display_name": "Priya Shah", "email": "p-fin-014@example.org"},
        )
        await publish(
            settings, opened, joined(opened.repair_id, AFFECTED, ParticipantRole.AFFECTED)
        )
        await publish(
            settings,
            reached,
            released(opened.repair_id, reached.agreement_id, reached.commitments[0]),
        )
        await eventually(lambda: scheduled(followup, opened.repair_id, "check_in"))
        clock.advance(timedelta(days=1))
        asked = await eventually(lambda: current(inbox.to("p-fin-014@example.org")))
        body = asked[0].get_body(preferencelist=("plain",))
        assert body is not None
        link = next(line for line in str(body.get_content()).split() if "/v1/check-ins/" in line)
        token = link.rpartition("/")[2]
        claim = verify(token, SECRET.encode(), now=clock.now())
        # A link signed for longer than the row allows (a leaked key, an old format): the
        # row's own expiry still ends it.
        stretched = sign(
            CheckInClaim(claim.check_in_id, claim.expires_at + timedelta(days=365)),
            SECRET.encode(),
        )
        clock.advance(settings.check_in_link_ttl)
        page = await followup.get(f"/v1/check-ins/{stretched}")
        answer = await followup.post(f"/v1/check-ins/{stretched}", json={"outcome": "yes"})

    pool = await create_pool(database_url, schema="followup", max_size=2)
    try:
        async with pool.acquire() as connection:
            [row] = await connection.fetch("SELECT check_in_id, timer_id FROM check_ins")
            asked_again = AskedCheckIn(
                uuid4(), opened.repair_id, AFFECTED, MONDAY, MONDAY, row["timer_id"]
            )
            await add_check_ins(connection, [asked_again])
            stored = await connection.fetchval("SELECT count(*) FROM check_ins")
    finally:
        await pool.close()

    assert claim.check_in_id.version == 4  # random, not derived from the repair's facts
    assert row["check_in_id"] == claim.check_in_id
    assert stored == 1  # a timer asks one check-in, whatever its id
    assert page.status_code == 410
    assert answer.status_code == 410
    assert answer.json()["error"] == "link_expired"


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://127.0.0.1:9000/hook",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:169.254.169.254]/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.9/hook",
        "http://192.168.1.1/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
        "http://[fd00::1]/hook",
    ],
)
async def test_a_webhook_to_the_cloud_metadata_address_is_refused(
    infra: Infrastructure, database_url: str, namespace: str, url: str
) -> None:
    settings = followup_settings(infra, database_url, namespace)

    async with running(create_app(settings, ManualClock(MONDAY))) as followup:
        department = await followup.put("/v1/departments/it/webhook", json={"url": url})
        contact = await followup.put(
            f"/v1/contacts/{OWNER.person_id}",
            json={"display_name": "Sam Okafor", "webhook_url": url},
        )
        stored = await followup.get("/v1/departments/it/webhook")

    assert department.status_code == 422
    assert [f["field"] for f in department.json()["fields"]] == ["url"]
    assert contact.status_code == 422
    assert [f["field"] for f in contact.json()["fields"]] == ["webhook_url"]
    assert stored.status_code == 404


async def test_a_private_webhook_is_taken_only_when_the_setting_allows_it(
    infra: Infrastructure, database_url: str, namespace: str
) -> None:
    allowed = followup_settings(infra, database_url, namespace, webhook_allow_private_targets=True)

    async with running(create_app(allowed, ManualClock(MONDAY))) as followup:
        local = await followup.put(
            "/v1/departments/it/webhook", json={"url": "http://127.0.0.1:9000/hook"}
        )
        not_http = await followup.put(
            "/v1/departments/it/webhook", json={"url": "ftp://chat.example.org/hook"}
        )
        mail_to_an_address = await followup.put(
            f"/v1/contacts/{OWNER.person_id}",
            json={"display_name": "Sam Okafor", "email": "sam@[127.0.0.1]"},
        )

    assert local.status_code == 200
    assert not_http.status_code == 422
    assert mail_to_an_address.status_code == 422
    assert [f["field"] for f in mail_to_an_address.json()["fields"]] == ["email"]


async def test_a_refused_recipient_is_not_written_to_the_log_or_last_error(
    infra: Infrastructure, database_url: str, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    address = "sam.okafor@example.org"
    clock = ManualClock(MONDAY)
    opened = repair_opened(opened_at=MONDAY)
    reached = agreement_reached(opened.repair_id, [terms()])

    async with RefusingInbox() as refusing:
        settings = mail_settings(
            infra, database_url, namespace, refusing.port, delivery_max_attempts=1
        )
        with caplog.at_level(logging.DEBUG, logger="bridgework"):
            async with running(create_app(settings, clock)) as followup:
                await followup.put(
                    f"/v1/contacts/{OWNER.person_id}",
                    json={"display_name": "Sam Okafor", "email": address},
                )
                await publish(settings, opened, reached)
                await eventually(lambda: scheduled(followup, opened.repair_id, "reminder", "lapse"))
                clock.advance(FRIDAY_MORNING - MONDAY)

                async def failed() -> dict[str, Any] | None:
                    response = await followup.get(f"/v1/repairs/{opened.repair_id}/nudges")
                    nudges = response.json()
                    if not nudges:
                        return None
                    delivery: dict[str, Any] = nudges[0]["deliveries"][0]
                    return delivery if delivery["status"] == "failed" else None

                delivery = await eventually(failed, timeout=15)

    ours = [r for r in caplog.records if r.name.startswith("bridgework")]
    assert delivery["channel"] == "email"
    assert delivery["last_error"] == "recipient refused (550)"
    assert any("recipient refused (550)" in r.getMessage() for r in ours)
    assert not any(address in r.getMessage() for r in ours)
    assert not any(address in str(r.exc_info) for r in ours if r.exc_info)


async def test_a_webhook_name_that_resolves_to_loopback_is_not_posted_to(
    infra: Infrastructure, database_url: str, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = followup_settings(infra, database_url, namespace, delivery_max_attempts=1)
    clock = ManualClock(MONDAY)
    opened = repair_opened(opened_at=MONDAY)
    reached = agreement_reached(opened.repair_id, [terms()])
    url = "http://localhost:9/hooks/T000/B000/secret-path?token=s3cr3t"

    with caplog.at_level(logging.DEBUG, logger="bridgework"):
        async with running(create_app(settings, clock)) as followup:
            # The admin API checks what a URL says; "localhost" is a name, so only the
            # resolution at send time can tell it points at this machine.
            put = await followup.put("/v1/departments/it/webhook", json={"url": url})
            await publish(settings, opened, reached)
            await eventually(lambda: scheduled(followup, opened.repair_id, "reminder", "lapse"))
            clock.advance(FRIDAY_MORNING - MONDAY)

            async def failed() -> dict[str, Any] | None:
                nudges = (await followup.get(f"/v1/repairs/{opened.repair_id}/nudges")).json()
                if not nudges:
                    return None
                delivery: dict[str, Any] = nudges[0]["deliveries"][0]
                return delivery if delivery["status"] == "failed" else None

            delivery = await eventually(failed, timeout=15)

    assert put.status_code == 200
    assert delivery["channel"] == "webhook"
    assert delivery["last_error"] == "webhook refused: webhook host is a loopback address"
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("bridgework")]
    assert not any("secret-path" in m or "s3cr3t" in m for m in ours)
