"""The admin command against intake's real database: tokens, secrets and mappings take effect."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bridgework.common.contracts import IncidentCategory
from bridgework.intake.entrypoints.cli import cli
from tests.factories import submission_json
from tests.infra import Infrastructure
from tests.intake_factories import (
    RunningIntake,
    bearer,
    encode,
    github_issue_event,
    hub_signature,
    running_intake,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def intake(infra: Infrastructure) -> AsyncIterator[RunningIntake]:
    async with running_intake(infra) as running:
        yield running


async def admin(intake: RunningIntake, *args: str, stdin: str | None = None) -> Result:
    """Run the admin command as an operator would (it runs its own event loop: a thread)."""
    runner = CliRunner()
    return await asyncio.to_thread(
        runner.invoke,
        cli,
        [*args, "--database-url", intake.settings.database_url],
        input=stdin,
    )


async def test_a_created_token_reports_for_its_department_until_revoked(
    intake: RunningIntake,
) -> None:
    created = await admin(intake, "tokens", "create", "--department", "finance", "--label", "erp")
    token = created.stdout.strip()

    accepted = await intake.client.post(
        "/v1/incidents", json=submission_json(department="finance"), headers=bearer(token)
    )
    listed = await admin(intake, "tokens", "list", "--department", "finance")
    revoked = await admin(intake, "tokens", "revoke", "--department", "finance", "--label", "erp")
    refused = await intake.client.post(
        "/v1/incidents", json=submission_json(department="finance"), headers=bearer(token)
    )

    assert created.exit_code == 0, created.output
    assert token.startswith("bwi_")
    assert accepted.status_code == 202
    assert "finance" in listed.stdout
    assert token not in listed.stdout, "a token is shown once, never listed"
    assert revoked.exit_code == 0
    assert refused.status_code == 401


async def test_a_generated_webhook_secret_verifies_the_tools_signature(
    intake: RunningIntake,
) -> None:
    added = await admin(intake, "secrets", "add", "--department", "estates", "--tool", "github")
    secret = added.stdout.strip()
    body = encode(github_issue_event())

    response = await intake.client.post(
        "/v1/webhooks/github/estates",
        content=body,
        headers={
            "content-type": "application/json",
            "x-github-event": "issues",
            "x-hub-signature-256": hub_signature(secret, body),
        },
    )

    assert added.exit_code == 0, added.output
    assert len(secret) >= 32
    assert response.status_code == 202, response.text


async def test_a_secret_given_by_the_tool_is_read_from_stdin_and_can_be_revoked(
    intake: RunningIntake,
) -> None:
    given = "pagerduty-generated-secret-0123456789"
    added = await admin(
        intake,
        "secrets",
        "add",
        "--department",
        "hr",
        "--tool",
        "pagerduty",
        "--from-stdin",
        stdin=given + "\n",
    )
    listed = await admin(intake, "secrets", "list", "--department", "hr")
    [secret_id] = [line.split()[0] for line in listed.stdout.splitlines() if "pagerduty" in line]
    revoked = await admin(intake, "secrets", "revoke", secret_id)
    again = await admin(intake, "secrets", "revoke", secret_id)

    assert added.exit_code == 0, added.output
    assert given not in added.stdout, "a secret the operator typed is not echoed back"
    assert given not in listed.stdout
    assert revoked.exit_code == 0
    assert again.exit_code == 1


async def test_a_short_secret_and_a_servicenow_secret_are_refused(intake: RunningIntake) -> None:
    short = await admin(
        intake,
        "secrets",
        "add",
        "--department",
        "hr",
        "--tool",
        "jira",
        "--from-stdin",
        stdin="short\n",
    )
    servicenow = await admin(intake, "secrets", "add", "--department", "hr", "--tool", "servicenow")

    assert short.exit_code != 0
    assert "16" in short.output
    assert servicenow.exit_code != 0


async def test_a_mapping_file_is_validated_stored_shown_and_reset(
    intake: RunningIntake, tmp_path: Path
) -> None:
    mapping = tmp_path / "github.json"
    mapping.write_text(json.dumps({"category_from": {"printing": "outage"}}))
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"category_from": {"printing": "paper-jam"}, "colour": "red"}))

    refused = await admin(
        intake, "mapping", "set", "--department", "legal", "--tool", "github", "--file", str(broken)
    )
    stored = await admin(
        intake,
        "mapping",
        "set",
        "--department",
        "legal",
        "--tool",
        "github",
        "--file",
        str(mapping),
    )
    shown = await admin(intake, "mapping", "show", "--department", "legal", "--tool", "github")
    reset = await admin(intake, "mapping", "reset", "--department", "legal", "--tool", "github")
    after = await admin(intake, "mapping", "show", "--department", "legal", "--tool", "github")

    assert refused.exit_code == 1
    assert "category_from.printing" in refused.output
    assert "colour" in refused.output
    assert stored.exit_code == 0, stored.output
    in_force = json.loads(shown.stdout)
    assert in_force["category_from"]["printing"] == IncidentCategory.OUTAGE.value
    assert in_force["category_from"]["shadow_it"] == "shadow_it", "laid over the defaults"
    assert reset.exit_code == 0
    assert "printing" not in json.loads(after.stdout)["category_from"]


async def test_a_department_must_be_a_slug(intake: RunningIntake) -> None:
    result = await admin(intake, "tokens", "create", "--department", "Finance Dept")

    assert result.exit_code != 0
    assert "slug" in result.output
