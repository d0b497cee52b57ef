"""`bridgework` against the real broker and database: doctor, migrations status, onboarding."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner, Result

from bridgework.cli.__main__ import app
from bridgework.common.kafka import ensure_topics
from bridgework.common.topics import Topics
from tests.infra import Infrastructure, free_port

pytestmark = pytest.mark.integration
SERVICES = ("INTAKE", "AGREEMENTS", "FOLLOWUP", "GATEWAY")


@pytest.fixture
async def environment(infra: Infrastructure, database_url: str, namespace: str) -> dict[str, str]:
    """What `make run` gives the services, on this test's database and topic namespace."""
    await ensure_topics(infra.kafka, Topics(namespace).all(), partitions=4)
    return {
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka,
        "BRIDGEWORK_TOPIC_NAMESPACE": namespace,
        "BRIDGEWORK_DEVELOPMENT_MODE": "true",
        "BRIDGEWORK_SMTP_HOST": "",
        **{f"BRIDGEWORK_{service}_DATABASE_URL": database_url for service in SERVICES},
    }


def with_wrong_password(dsn: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(
        parts._replace(netloc=f"{parts.username}:wrong@{parts.hostname}:{parts.port}")
    )


async def bridgework(env: dict[str, str], *args: str) -> Result:
    """Run the command as an operator would (it runs its own event loop: a thread)."""
    return await asyncio.to_thread(CliRunner().invoke, app, list(args), env=env)


async def test_doctor_is_green_on_a_working_installation(environment: dict[str, str]) -> None:
    result = await bridgework(environment, "doctor")
    assert result.exit_code == 0, result.output
    assert "failing" not in result.output
    assert "intake: Kafka" in result.output


async def test_doctor_names_an_unreachable_kafka(environment: dict[str, str]) -> None:
    wrong = {**environment, "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}
    result = await bridgework(wrong, "doctor", "--timeout", "2")
    assert result.exit_code == 1
    assert "intake: Kafka" in result.stderr
    assert "Traceback" not in result.output


async def test_doctor_names_a_missing_topic(
    environment: dict[str, str], infra: Infrastructure
) -> None:
    elsewhere = {**environment, "BRIDGEWORK_TOPIC_NAMESPACE": "nosuchnamespace"}
    result = await bridgework(elsewhere, "doctor")
    assert result.exit_code == 1
    assert "topics (nosuchnamespace)" in result.stderr


async def test_migrations_status_sees_pending_then_applied(
    environment: dict[str, str], database_url: str
) -> None:
    before = await bridgework(environment, "migrations", "status", "--service", "intake")
    # The intake commands read DATABASE_URL (or --database-url); they migrate intake first.
    await bridgework({**environment, "DATABASE_URL": database_url}, "tokens", "create",
                     "--department", "it")  # fmt: skip
    after = await bridgework(environment, "migrations", "status", "--service", "intake")
    assert before.exit_code == 0, before.output
    assert "pending" in before.output
    assert after.exit_code == 0, after.output
    assert "pending" not in after.output
    assert "applied" in after.output


async def test_migrations_status_fails_clearly_on_a_wrong_password(
    environment: dict[str, str], database_url: str
) -> None:
    wrong = with_wrong_password(database_url)
    result = await bridgework(
        environment, "migrations", "status", "--service", "intake", "--database-url", wrong
    )
    assert result.exit_code == 1
    assert "Postgres" in result.stderr or "cannot connect" in result.stderr
    assert "Traceback" not in result.output


async def test_onboarding_makes_credentials_once_and_sets_follow_up(
    environment: dict[str, str], database_url: str
) -> None:
    args = [
        "department", "onboard", "--department", "finance", "--tool", "github",
        "--chat-webhook", "https://chat.example.org/hooks/finance",
        "--contact", "p-fin-001=lead@example.org",
    ]  # fmt: skip
    first = await bridgework(environment, *args)
    again = await bridgework(environment, *args)
    assert first.exit_code == 0, first.output
    assert "API token (shown once)" in first.output
    assert "github signing secret (shown once)" in first.output
    assert again.exit_code == 0, again.output
    assert "(shown once)" not in again.output
    connection = await asyncpg.connect(database_url)
    try:
        tokens = await connection.fetchval("SELECT count(*) FROM intake.api_tokens")
        hook = await connection.fetchval("SELECT url FROM followup.department_webhooks")
        email = await connection.fetchval(
            "SELECT email FROM followup.contacts WHERE person_id = 'p-fin-001'"
        )
    finally:
        await connection.close()
    assert (tokens, hook, email) == (
        1,
        "https://chat.example.org/hooks/finance",
        "lead@example.org",
    )


async def test_migrations_status_fails_on_an_edited_migration(
    environment: dict[str, str], database_url: str
) -> None:
    await bridgework({**environment, "DATABASE_URL": database_url}, "tokens", "list")
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(
            "UPDATE intake.schema_migrations SET checksum = 'not-the-file'"
            " WHERE version = 'common:001_outbox_inbox.sql'"
        )
    finally:
        await connection.close()
    result = await bridgework(environment, "migrations", "status", "--service", "intake")
    assert result.exit_code == 1
    assert "edited" in result.output
    assert "an applied migration was edited" in result.stderr


async def test_doctor_checks_smtp_when_the_mail_channel_is_on(
    environment: dict[str, str],
) -> None:
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        reached = await bridgework(
            {**environment, "BRIDGEWORK_SMTP_HOST": "127.0.0.1",
             "BRIDGEWORK_SMTP_PORT": str(controller.port), "BRIDGEWORK_SMTP_SECURITY": "none"},
            "doctor",
        )  # fmt: skip
    finally:
        controller.stop()
    closed = await bridgework(
        {**environment, "BRIDGEWORK_SMTP_HOST": "127.0.0.1",
         "BRIDGEWORK_SMTP_PORT": str(free_port())},
        "doctor", "--timeout", "2",
    )  # fmt: skip
    assert reached.exit_code == 0, reached.output
    assert closed.exit_code == 1
    assert "followup: SMTP" in closed.stderr


async def test_the_script_reports_an_intake_command_failure_in_one_line(
    database_url: str,
) -> None:
    wrong = with_wrong_password(database_url)
    script = Path(sys.executable).parent / "bridgework"
    process = await asyncio.create_subprocess_exec(
        str(script), "tokens", "list", "--database-url", wrong,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await process.communicate()
    assert process.returncode == 1
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: Postgres: InvalidPasswordError: password authentication")


class Sink:
    """An SMTP server that accepts and forgets (aiosmtpd's handler protocol)."""

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        return "250 OK"
