"""`bridgework`: the root command, which gathers every service's operator commands.

`--env-file` (or BRIDGEWORK_ENV_FILE) loads KEY=VALUE lines first, what is already set
winning: `make run` writes the services' environment to `.local/dev/bridgework.env`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bridgework.cli import dev, dlq, migrations, privacy, readmodel
from bridgework.cli.department import app as department_app
from bridgework.cli.doctor import doctor
from bridgework.cli.environment import OPERATIONAL_ERRORS, explain, load_env_file
from bridgework.intake.entrypoints.cli import mapping_cli, secrets_cli, tokens_cli

app = typer.Typer(
    help="Operate Bridgework: departments, credentials, dead letters, the read model, "
    "migrations, and a check of everything (doctor).",
    no_args_is_help=True,
    add_completion=False,
    # An operator's mistake is one line (environment.fail); a traceback is for a bug.
    pretty_exceptions_show_locals=False,
)


@app.callback()
def root(
    env_file: Annotated[
        Path | None,
        typer.Option(
            envvar="BRIDGEWORK_ENV_FILE",
            help="KEY=VALUE lines to load first (what is set already wins), "
            "e.g. .local/dev/bridgework.env from `make run`.",
        ),
    ] = None,
) -> None:
    """Operate Bridgework."""
    if env_file is not None:
        load_env_file(env_file)


app.add_typer(department_app, name="department")
app.add_typer(tokens_cli, name="tokens")
app.add_typer(secrets_cli, name="secrets")
app.add_typer(mapping_cli, name="mapping")
app.add_typer(dlq.app, name="dlq")
app.add_typer(readmodel.app, name="readmodel")
app.add_typer(migrations.app, name="migrations")
app.add_typer(privacy.app, name="privacy")
app.command("doctor")(doctor)
app.add_typer(dev.app, name="dev")


def main() -> None:
    """The `bridgework` script. Intake's commands run their own event loop, so their
    connection failures arrive here: one line and exit status 1, as everywhere else."""
    try:
        app()
    except OPERATIONAL_ERRORS as error:
        typer.echo(f"error: {explain(error)}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
