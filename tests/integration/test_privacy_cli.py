"""`bridgework privacy export|erase` over agreements and follow-up running on the real broker
and database: the export holds the person's answers opened and their contact; the erasure
reaches follow-up through PersonErased (contact deleted, what was due to them cancelled, their
id tombstoned); repeating it, or erasing someone unknown, is harmless."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from typer.testing import CliRunner, Result

from bridgework.agreements.app import create_app as create_agreements
from bridgework.cli.__main__ import app as cli
from bridgework.common.clock import ManualClock
from bridgework.followup.app import create_app as create_followup
from tests.agreements_factories import (
    AFFECTED,
    FACILITATOR,
    NOW,
    agreements_settings,
    commitment_json,
    consent_all,
    person_json,
    post_ok,
    reading_as_the_change_team,
)
from tests.followup_factories import followup_settings
from tests.infra import Infrastructure, eventually, running
from tests.integration.test_privacy_erasure import PAYROLL, heard
from tests.integration.test_privacy_replay import fetchval, tables_naming

pytestmark = pytest.mark.integration

ADMIN_TOKEN = "a-follow-up-admin-token-of-the-tests-0123456789"
EMAIL = "sam.okafor@example.org"


async def bridgework(database_url: str, namespace: str, *args: str) -> Result:
    """The command as an operator runs it, in a thread: it runs its own event loop."""
    env = {
        "DATABASE_URL": database_url,
        "BRIDGEWORK_TOPIC_NAMESPACE": namespace,
        "BRIDGEWORK_DEVELOPMENT_MODE": "true",
    }
    return await asyncio.to_thread(lambda: CliRunner().invoke(cli, list(args), env=env))


async def test_export_then_erase_through_the_command_line(
    infra: Infrastructure, database_url: str, namespace: str, tmp_path: Path
) -> None:
    clock = ManualClock(NOW)
    settings = agreements_settings(
        kafka_bootstrap_servers=infra.kafka,
        database_url=database_url,
        topic_namespace=namespace,
        outbox_poll_seconds=0.2,
    )
    followup = followup_settings(infra, database_url, namespace, admin_token=ADMIN_TOKEN)
    async with (
        running(create_agreements(settings, clock)) as agreements_client,
        running(create_followup(followup, clock)) as followup_client,
    ):
        agreements = reading_as_the_change_team(agreements_client)
        repair_id = await heard(agreements, settings)
        contact = await followup_client.put(
            f"/v1/contacts/{AFFECTED.person_id}",
            json={"display_name": "Sam Okafor", "email": EMAIL},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        assert contact.status_code == 200, contact.text
        owned = commitment_json(
            NOW + timedelta(days=10),
            owner=person_json(AFFECTED),
            owed_to=[],
            owed_to_departments=["it"],
            action="Name a Finance contact IT can call before device changes.",
        )
        proposed = await post_ok(
            agreements,
            f"/v1/repairs/{repair_id}/agreement",
            {"commitments": [owned]},
            actor=FACILITATOR,
        )
        await consent_all(agreements, repair_id, proposed["agreement"]["pending"]["version"])

        async def reminders_scheduled() -> bool:
            pending = await fetchval(
                database_url,
                "SELECT count(*) FROM followup.timers WHERE recipient_id = $1"
                " AND status = 'pending'",
                AFFECTED.person_id,
            )
            return bool(pending)

        await eventually(reminders_scheduled, timeout=30)

        out = tmp_path / "export.json"
        exported = await bridgework(
            database_url, namespace, "privacy", "export", "--person", AFFECTED.person_id,
            "--out", str(out),
        )  # fmt: skip
        assert exported.exit_code == 0, exported.output
        document = json.loads(out.read_text())
        assert document["followup"]["contact"]["email"] == EMAIL
        assert PAYROLL in json.dumps(document["agreements"])
        actions = [c["action"] for c in document["followup"]["commitments"]]
        assert actions == ["Name a Finance contact IT can call before device changes."]
        assert EMAIL not in exported.output, "the document goes to the file, not the terminal"

        erased = await bridgework(
            database_url, namespace, "privacy", "erase", "--person", AFFECTED.person_id
        )
        assert erased.exit_code == 0, erased.output
        assert "erased p-fin-2" in erased.output
        assert EMAIL not in erased.output

        async def followup_forgot() -> bool:
            return await tables_naming(database_url, "followup", AFFECTED.person_id) == []

        await eventually(followup_forgot, timeout=30)
        contacts = await fetchval(database_url, "SELECT count(*) FROM followup.contacts")
        assert contacts == 0
        connection = await asyncpg.connect(database_url)
        try:
            tombstoned = await connection.fetch(
                "SELECT status FROM followup.timers WHERE recipient_id LIKE 'erased-%'"
            )
        finally:
            await connection.close()
        assert tombstoned
        assert {row["status"] for row in tombstoned} <= {"cancelled", "fired", "skipped"}

        again = await bridgework(
            database_url, namespace, "privacy", "erase", "--person", AFFECTED.person_id
        )
        unknown = await bridgework(database_url, namespace, "privacy", "erase", "--person", "p-x")
        nothing = await bridgework(
            database_url, namespace, "privacy", "export", "--person", AFFECTED.person_id
        )
        lead = await followup_client.put(
            "/v1/contacts/p-fin-lead",
            json={"display_name": "Ana Lead", "email": "ana.lead@example.org"},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        assert lead.status_code == 200, lead.text
        contact_only = await bridgework(
            database_url, namespace, "privacy", "erase", "--person", "p-fin-lead"
        )
        left = await fetchval(database_url, "SELECT count(*) FROM followup.contacts")
    assert again.exit_code == 0, again.output
    assert "already erased" in again.output
    assert unknown.exit_code == 0, unknown.output
    assert "nothing held about p-x" in unknown.output
    assert nothing.exit_code == 0, nothing.output
    assert "nothing held about p-fin-2" in nothing.output
    assert contact_only.exit_code == 0, contact_only.output
    assert "contact details deleted" in contact_only.output
    assert left == 0
