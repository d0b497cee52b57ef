"""`bridgework readmodel` without infrastructure: help, failures, the speed column."""

from __future__ import annotations

import pytest
from rich.progress import Progress
from typer.testing import CliRunner

from bridgework.cli.readmodel import EventsPerSecond, app

runner = CliRunner()


@pytest.mark.parametrize("command", [[], ["rebuild"]], ids=str)
def test_every_readmodel_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_the_rebuild_is_a_subcommand_even_standalone() -> None:
    result = runner.invoke(app, ["--help"])
    assert "rebuild" in result.output
    assert "Replay incidents, repairs and follow-ups" in result.output


def test_an_unreachable_database_is_one_line_and_status_1() -> None:
    env = {"BRIDGEWORK_GATEWAY_DATABASE_URL": "postgresql://nobody:x@127.0.0.1:1/none"}
    result = runner.invoke(app, ["rebuild"], env=env)
    assert result.exit_code == 1
    assert "error: cannot connect" in result.output
    assert "Traceback" not in result.output
    assert "nobody:x" not in result.output, "a DSN's password is never printed"


def test_the_speed_column_says_events_per_second_once_there_is_a_speed() -> None:
    now = [0.0]
    progress = Progress(get_time=lambda: now[0])
    task_id = progress.add_task("rebuilding", total=10_000)
    column = EventsPerSecond()
    assert column.render(progress.tasks[0]).plain == "- events/s"
    for second in (1.0, 2.0, 3.0):
        now[0] = second
        progress.update(task_id, advance=1500)
    assert column.render(progress.tasks[0]).plain == "1,500 events/s"
