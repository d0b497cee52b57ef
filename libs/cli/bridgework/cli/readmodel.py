"""`bridgework readmodel rebuild`: the gateway's read model rebuilt from the topics, swapped in.

The work is the gateway's (projection/entrypoints/rebuild.py); here: options and the
progress bar. How the swap meets the running gateway: docs/operations.md, "Rebuilding the
read model".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, cast

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from bridgework.cli.environment import run, settings_of
from bridgework.graphql_gateway.projection.entrypoints.rebuild import rebuild_read_model
from bridgework.graphql_gateway.settings import GatewaySettings

ADMIN_URL_VARIABLE = "BRIDGEWORK_DATABASE_ADMIN_URL"

app = typer.Typer(
    help="The gateway's read model: rebuild it from the topics.", no_args_is_help=True
)


@app.callback()
def readmodel() -> None:
    """The gateway's read model: rebuild it from the topics."""
    # A group even with one command, so that `readmodel rebuild` is spelt the same standalone.


class EventsPerSecond(ProgressColumn):
    """How fast events are applied, as rich measures it over the last seconds."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} events/s" if speed is not None else "- events/s")


@app.command("rebuild")
def rebuild(
    admin_url: Annotated[
        str | None,
        typer.Option(
            envvar=ADMIN_URL_VARIABLE,
            help="An administrator's DSN: the gateway's role may not create or rename schemas "
            "(default: the gateway's own DSN, enough where that role may).",
        ),
    ] = None,
) -> None:
    """Replay incidents, repairs and follow-ups from offset 0 into a fresh schema; swap it in.

    The old read model is kept as schema `<schema>_old_<time>` until you drop it.
    """
    settings = cast(GatewaySettings, settings_of("gateway"))
    admin_dsn = admin_url or settings.database_url
    suffix = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        EventsPerSecond(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task(f"rebuilding {settings.db_schema}", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = run(
            rebuild_read_model(
                settings, admin_dsn=admin_dsn, retired_suffix=suffix, progress=progress
            )
        )
    typer.echo(
        f"rebuilt {settings.db_schema}: {result.read} events read, {result.applied} applied, "
        f"{result.skipped} invalid skipped, in {result.seconds:.1f}s; the old read model is "
        f"schema {result.retired} (drop it once satisfied)",
        err=True,
    )
