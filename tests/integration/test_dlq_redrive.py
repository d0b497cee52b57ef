"""`bridgework dlq`: dead letters made by intake's real raw consumer, fixed, re-driven once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from bridgework.cli.dlq import app
from bridgework.common.topics import dead_letter_topic
from tests.infra import Infrastructure, header, produce, read_topic
from tests.intake_factories import (
    RunningIntake,
    binary_kafka_headers,
    encode,
    incident_data,
    running_intake,
    structured_cloudevent,
)

pytestmark = pytest.mark.integration
UNKNOWN_TOKEN = "bwi_" + "A" * 43  # made up, never valid


@pytest.fixture
async def intake(infra: Infrastructure) -> AsyncIterator[RunningIntake]:
    async with running_intake(infra) as running:
        yield running


async def bridgework_dlq(intake: RunningIntake, *args: str, token: str | None = None) -> Result:
    """Run the command as an operator would, with intake's settings in the environment.

    In a thread: the command runs its own event loop, and intake's consumer runs on this one.
    """
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": intake.settings.kafka_bootstrap_servers,
        "BRIDGEWORK_INTAKE_DATABASE_URL": intake.settings.database_url,
        "BRIDGEWORK_TOPIC_NAMESPACE": intake.settings.topic_namespace,
        "BRIDGEWORK_REDRIVE_TOKEN": token or "",
        "COLUMNS": "250",  # rich's tables as wide as their content
    }
    if token is None:
        del env["BRIDGEWORK_REDRIVE_TOKEN"]
    return await asyncio.to_thread(lambda: CliRunner().invoke(app, list(args), env=env))


async def incidents_with(intake: RunningIntake, summaries: set[str]) -> list[str]:
    """Summaries of the incidents published with one of `summaries`, once each is there."""

    def mine(records: list[Any]) -> list[str]:
        found = (json.loads(r.value).get("summary") for r in records)
        return [s for s in found if s in summaries]

    records = await read_topic(
        intake.settings.kafka_bootstrap_servers,
        intake.settings.topics.incidents,
        until=lambda records: set(mine(records)) == summaries,
        settle=2.0,
    )
    return mine(records)


async def test_a_dead_letter_is_fixed_re_driven_and_counted_once(
    intake: RunningIntake, tmp_path: Path
) -> None:
    settings = intake.settings
    raw = settings.topics.intake_raw
    unknown, invalid = "unknown token at the time", "invalid severity at the time"
    structured = structured_cloudevent(incident_data(summary=invalid, severity="dire"))
    await produce(
        settings.kafka_bootstrap_servers,
        raw,
        [],
        extra=[
            (
                b"u",
                encode(incident_data(summary=unknown)),
                binary_kafka_headers(token=UNKNOWN_TOKEN),
            ),
            (
                b"s",
                encode({**structured, "bridgeworktoken": UNKNOWN_TOKEN}),
                [("content-type", b"application/cloudevents+json")],
            ),
        ],
    )
    letters = await read_topic(
        settings.kafka_bootstrap_servers,
        dead_letter_topic(raw),
        until=lambda records: len(records) >= 2,
        settle=1.0,
    )
    by_key = {letter.key: letter for letter in letters}
    assert header(by_key[b"u"], "bridgework_dlq_reason") == "unauthenticated"
    bad = by_key[b"s"]

    listed = await bridgework_dlq(intake, "list")
    assert listed.exit_code == 0, listed.output
    assert dead_letter_topic(raw) in listed.output
    assert "invalid_event x1, unauthenticated x1" in listed.output

    shown = await bridgework_dlq(intake, "show", "intake.raw", f"{bad.partition}:{bad.offset}")
    assert shown.exit_code == 0, shown.output
    assert '"severity": "dire"' in shown.output
    assert UNKNOWN_TOKEN not in shown.output

    # A redacted token: refused without a fresh one, and with one of another department.
    no_token = await bridgework_dlq(intake, "redrive", "intake.raw")
    hr_token = await intake.token("hr")
    other_department = await bridgework_dlq(intake, "redrive", "intake.raw", token=hr_token)
    assert no_token.exit_code == 1
    assert "give --token" in no_token.output
    assert other_department.exit_code == 1
    assert "reports for department 'it'" in other_department.output

    # The fix: a token for the department, and the corrected record.
    it_token = await intake.token("it")
    corrected = tmp_path / "corrected.json"
    structured["data"]["severity"] = "high"
    corrected.write_bytes(encode({**structured, "bridgeworktoken": "[redacted]"}))
    at = f"{bad.partition}:{bad.offset}"
    dry = await bridgework_dlq(intake, "redrive", "intake.raw", "--dry-run", token=it_token)
    first = await bridgework_dlq(
        intake, "redrive", "intake.raw", "--replace-value", str(corrected), "--at", at,
        token=it_token,
    )  # fmt: skip
    second = await bridgework_dlq(intake, "redrive", "intake.raw", token=it_token)

    assert dry.exit_code == 0, dry.output
    assert "would re-drive 2" in dry.output
    assert first.exit_code == 0, first.output
    assert "re-drove 2" in first.output
    assert "value replaced" in first.output
    assert second.exit_code == 0, second.output
    assert "re-drove 0" in second.output
    assert sorted(await incidents_with(intake, {unknown, invalid})) == [invalid, unknown]
    assert it_token not in first.output + second.output
