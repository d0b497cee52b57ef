"""`bridgework`'s commands without infrastructure: help, argument errors, pure decisions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jwt
import pytest
from typer.testing import CliRunner

from bridgework.cli.__main__ import app
from bridgework.cli.checks import stream_configs_check, topics_check
from bridgework.cli.migrations import compare
from bridgework.common.settings import ServiceSettings

COMMANDS = [
    [], ["department"], ["department", "onboard"], ["tokens", "create"], ["secrets", "add"],
    ["mapping", "set"], ["dlq"], ["readmodel"], ["migrations", "status"], ["doctor"],
    ["dev", "token"],
]  # fmt: skip
runner = CliRunner()


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "root")
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_dev_token_refuses_outside_development_mode() -> None:
    result = runner.invoke(app, ["dev", "token"], env={"BRIDGEWORK_DEVELOPMENT_MODE": "false"})
    assert result.exit_code == 1
    assert "development mode is off" in result.stderr
    assert "Traceback" not in result.output


def test_dev_token_is_signed_with_the_development_secret() -> None:
    secret = "s" * 48
    env = {"BRIDGEWORK_DEVELOPMENT_MODE": "true", "BRIDGEWORK_JWT_HS256_SECRET": secret}
    result = runner.invoke(app, ["dev", "token", "--sub", "p-1", "--role", "facilitator"], env=env)
    assert result.exit_code == 0, result.output
    claims = jwt.decode(result.stdout.strip(), secret, algorithms=["HS256"])
    assert (claims["sub"], claims["roles"]) == ("p-1", ["facilitator"])


def test_dev_token_refuses_a_lifetime_the_services_would_refuse() -> None:
    env = {"BRIDGEWORK_DEVELOPMENT_MODE": "true", "BRIDGEWORK_JWT_HS256_SECRET": "s" * 48}
    result = runner.invoke(app, ["dev", "token", "--hours", "13"], env=env)
    assert result.exit_code == 1
    assert "--hours" in result.stderr


def test_one_database_url_for_several_services_is_refused() -> None:
    result = runner.invoke(app, ["migrations", "status", "--database-url", "postgresql://x/y"])
    assert result.exit_code == 1
    assert "--database-url needs exactly one --service" in result.stderr


def test_an_unknown_service_is_named() -> None:
    result = runner.invoke(app, ["migrations", "status", "--service", "billing"])
    assert result.exit_code == 1
    assert "--service 'billing'" in result.stderr


def test_a_malformed_contact_is_refused_before_anything_is_made() -> None:
    result = runner.invoke(
        app, ["department", "onboard", "--department", "it", "--contact", "nobody"]
    )
    assert result.exit_code == 1
    assert "--contact 'nobody'" in result.stderr


def test_a_department_that_is_no_slug_is_refused() -> None:
    result = runner.invoke(app, ["department", "onboard", "--department", "IT Dept"])
    assert result.exit_code == 1
    assert "--department" in result.stderr


def test_the_env_file_names_its_bad_line(tmp_path: Path) -> None:
    env_file = tmp_path / "bridgework.env"
    env_file.write_text("# comment\nGOOD=1\nnot a setting\n", encoding="utf-8")
    result = runner.invoke(app, ["--env-file", str(env_file), "dev", "token"])
    assert result.exit_code == 1
    assert "line 3: expected KEY=VALUE" in result.stderr


def test_a_missing_env_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--env-file", str(tmp_path / "none.env"), "doctor"])
    assert result.exit_code == 1
    assert "none.env" in result.stderr
    assert "Traceback" not in result.output


def test_migration_states() -> None:
    files = {"common:001.sql": "a1", "service:001.sql": "b2", "service:002.sql": "c3"}
    recorded: dict[str, str | None] = {
        "common:001.sql": None,  # no checksum kept: applied
        "service:001.sql": "another",
        "service:009.sql": None,
    }
    states = {item.version: item.state for item in compare(files, recorded)}
    assert states == {
        "common:001.sql": "applied",
        "service:001.sql": "edited",
        "service:002.sql": "pending",
        "service:009.sql": "unknown",
    }


def _topics(settings: ServiceSettings, replicas: int, partitions: int = 4) -> list[dict[str, Any]]:
    described = [{"replicas": list(range(replicas))}] * partitions
    return [{"topic": t, "partitions": described} for t in settings.topics.all()]


def test_low_replication_is_a_warning_in_development_and_a_failure_otherwise() -> None:
    development = ServiceSettings(development_mode=True)
    production = ServiceSettings(development_mode=False)
    assert topics_check(development, _topics(development, 1)).state == "warn"
    assert topics_check(production, _topics(production, 1)).state == "failing"
    assert topics_check(production, _topics(production, 3)).state == "ok"


def test_a_missing_topic_or_too_few_partitions_fail() -> None:
    settings = ServiceSettings(development_mode=True)
    topics = _topics(settings, 3)
    topics[0] = {"topic": topics[0]["topic"], "partitions": None}
    missing = topics_check(settings, topics)
    assert missing.state == "failing"
    assert settings.topics.intake_raw in missing.detail
    assert topics_check(settings, _topics(settings, 3, partitions=1)).state == "failing"


def test_event_streams_that_forget_records_are_named() -> None:
    production = ServiceSettings(development_mode=False)
    kept = {"retention.ms": "-1", "min.insync.replicas": "2"}
    week = {"retention.ms": "604800000", "min.insync.replicas": "2"}
    configs = {production.topics.incidents: kept, production.topics.repairs: week}
    check = stream_configs_check(production, configs)
    assert check.state == "failing"
    assert production.topics.repairs in check.detail
    assert production.topics.incidents not in check.detail
    assert stream_configs_check(production, {production.topics.incidents: kept}).state == "ok"
    development = ServiceSettings(development_mode=True)
    assert stream_configs_check(development, configs).state == "warn"


def test_the_env_file_fills_what_is_unset_and_yields_to_what_is_set(tmp_path: Path) -> None:
    env_file = tmp_path / "bridgework.env"
    env_file.write_text(
        "export BRIDGEWORK_DEVELOPMENT_MODE=true\nBRIDGEWORK_JWT_HS256_SECRET='" + "k" * 48 + "'\n",
        encoding="utf-8",
    )
    unset = {"BRIDGEWORK_DEVELOPMENT_MODE": None, "BRIDGEWORK_JWT_HS256_SECRET": None}
    filled = runner.invoke(app, ["--env-file", str(env_file), "dev", "token"], env=unset)
    overridden = runner.invoke(
        app,
        ["--env-file", str(env_file), "dev", "token"],
        env={**unset, "BRIDGEWORK_DEVELOPMENT_MODE": "false"},
    )
    assert filled.exit_code == 0, filled.output
    assert jwt.decode(filled.stdout.strip(), "k" * 48, algorithms=["HS256"])["sub"] == "p-chg-001"
    assert overridden.exit_code == 1
    assert "development mode is off" in overridden.stderr
