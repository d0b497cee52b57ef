"""`python -m bridgework.intake.entrypoints.cli`: department API tokens, webhook secrets, mappings.

An operator's command, run where intake's database is reachable (DATABASE_URL or
--database-url). It applies intake's migrations first, so it works before the
service has ever started. Secrets and tokens are printed once, on stdout alone, so
scripts can capture them: `TOKEN=$(python -m bridgework.intake.entrypoints.cli tokens
create --department it)`; everything else goes to stderr.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar
from uuid import UUID

import typer
from pydantic import ValidationError

from bridgework.common.clock import SystemClock
from bridgework.common.postgres import Pool, create_pool, migrate
from bridgework.intake.domain.mapping import Tool, ToolMapping, effective_mapping
from bridgework.intake.settings import IntakeSettings
from bridgework.intake.use_cases import credentials, mappings

T = TypeVar("T")
_SLUG = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
MIN_SECRET_LENGTH = 16

cli = typer.Typer(
    help="Intake administration: department API tokens, webhook secrets, tool mappings.",
    no_args_is_help=True,
    add_completion=False,
)
tokens_cli = typer.Typer(help="Departments' API tokens.", no_args_is_help=True)
secrets_cli = typer.Typer(
    help="Webhook signing secrets (GitHub, Jira, PagerDuty).", no_args_is_help=True
)
mapping_cli = typer.Typer(help="How a tool's fields map to an incident.", no_args_is_help=True)
cli.add_typer(tokens_cli, name="tokens")
cli.add_typer(secrets_cli, name="secrets")
cli.add_typer(mapping_cli, name="mapping")

_clock = SystemClock()


def _department(value: str | None) -> str | None:
    if value is not None and not _SLUG.match(value):
        raise typer.BadParameter("a department is a lower-case slug such as `it` or `finance`")
    return value


DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        # The first set wins: `bridgework --env-file` gives each service its own DSN.
        envvar=["BRIDGEWORK_INTAKE_DATABASE_URL", "DATABASE_URL"],
        help="Intake's Postgres (default: the service's settings).",
    ),
]
Department = Annotated[str, typer.Option(callback=_department, help="The department's slug.")]
OptionalDepartment = Annotated[
    str | None, typer.Option(callback=_department, help="Only this department.")
]
ToolOption = Annotated[Tool, typer.Option(help="The tool.")]
Label = Annotated[str, typer.Option(help="What it is for, to recognise it in `list`.")]


def _run(database_url: str | None, work: Callable[[Pool], Awaitable[T]]) -> T:
    settings = IntakeSettings(database_url=database_url) if database_url else IntakeSettings()

    async def with_pool() -> T:
        pool = await create_pool(settings.database_url, schema=settings.db_schema, max_size=2)
        try:
            await migrate(pool, schema=settings.db_schema, package="bridgework.intake")
            return await work(pool)
        finally:
            await pool.close()

    return asyncio.run(with_pool())


def _say(message: str) -> None:
    typer.echo(message, err=True)


@tokens_cli.command("create")
def create_token(
    department: Department, label: Label = "", database_url: DatabaseUrl = None
) -> None:
    """Make an API token for a department; prints the token (only now) on stdout."""
    token_id, token = _run(
        database_url,
        lambda pool: credentials.create_token(
            pool=pool, clock=_clock, department=department, label=label
        ),
    )
    _say(f"token {token_id} for department {department}: keep it secret, it is shown only once")
    typer.echo(token)


@tokens_cli.command("list")
def list_tokens(department: OptionalDepartment = None, database_url: DatabaseUrl = None) -> None:
    """List tokens (never their values)."""
    rows = _run(
        database_url, lambda pool: credentials.list_tokens(pool=pool, department=department)
    )
    for row in rows:
        state = f"revoked {row.revoked_at.isoformat()}" if row.revoked_at else "active"
        typer.echo(
            f"{row.token_id}  {row.department:<12} {state:<34} "
            f"created {row.created_at.isoformat()}  {row.label}"
        )


@tokens_cli.command("revoke")
def revoke_tokens(
    token_id: Annotated[UUID | None, typer.Argument(help="The token's id (from `list`).")] = None,
    department: OptionalDepartment = None,
    label: Annotated[
        str | None, typer.Option(help="All tokens with this label (of --department, if given).")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a token by id, or all tokens with a label (of one department, or of all)."""
    if token_id is None and label is None:
        raise typer.BadParameter("give a token id, or --label (and maybe --department)")
    count = _run(
        database_url,
        lambda pool: credentials.revoke_tokens(
            pool=pool, clock=_clock, token_id=token_id, department=department, label=label
        ),
    )
    _say(f"revoked {count} token(s)")
    if token_id is not None and count == 0:
        raise typer.Exit(1)


@secrets_cli.command("add")
def add_secret(
    department: Department,
    tool: ToolOption,
    label: Label = "",
    from_stdin: Annotated[
        bool,
        typer.Option(
            "--from-stdin", help="Read the secret the tool gave you (PagerDuty) from stdin."
        ),
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Add a signing secret; without --from-stdin one is made and printed on stdout."""
    if tool is Tool.SERVICENOW:
        raise typer.BadParameter("ServiceNow sends the department's API token; use `tokens create`")
    secret = sys.stdin.readline().strip() if from_stdin else credentials.new_webhook_secret()
    if len(secret) < MIN_SECRET_LENGTH:
        raise typer.BadParameter(f"a signing secret needs at least {MIN_SECRET_LENGTH} characters")
    secret_id = _run(
        database_url,
        lambda pool: credentials.add_webhook_secret(
            pool=pool, clock=_clock, department=department, tool=tool, secret=secret, label=label
        ),
    )
    _say(f"secret {secret_id} for {tool.value} in department {department} added")
    if not from_stdin:
        typer.echo(secret)


@secrets_cli.command("list")
def list_secrets(department: OptionalDepartment = None, database_url: DatabaseUrl = None) -> None:
    """List signing secrets (never their values)."""
    rows = _run(
        database_url,
        lambda pool: credentials.list_webhook_secrets(pool=pool, department=department),
    )
    for row in rows:
        state = f"revoked {row.revoked_at.isoformat()}" if row.revoked_at else "active"
        typer.echo(
            f"{row.secret_id}  {row.department:<12} {row.tool:<10} {state:<34} "
            f"created {row.created_at.isoformat()}  {row.label}"
        )


@secrets_cli.command("revoke")
def revoke_secret(
    secret_id: Annotated[UUID, typer.Argument(help="The secret's id (from `list`).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a signing secret (add its successor first to rotate without a gap)."""
    revoked = _run(
        database_url,
        lambda pool: credentials.revoke_webhook_secret(
            pool=pool, clock=_clock, secret_id=secret_id
        ),
    )
    _say("revoked" if revoked else "no such active secret")
    if not revoked:
        raise typer.Exit(1)


@mapping_cli.command("set")
def set_mapping(
    department: Department,
    tool: ToolOption,
    file: Annotated[Path, typer.Option(help="The mapping as JSON; `-` reads stdin.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Set the department's mapping of a tool (replaces the one set before)."""
    text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    try:
        mapping = ToolMapping.model_validate_json(text)
    except ValidationError as invalid:
        for error in invalid.errors():
            where = ".".join(str(part) for part in error["loc"]) or "(file)"
            _say(f"{where}: {error['msg']}")
        raise typer.Exit(1) from invalid
    _run(
        database_url,
        lambda pool: mappings.set_mapping(
            pool=pool, clock=_clock, department=department, tool=tool, mapping=mapping
        ),
    )
    _say(f"mapping of {tool.value} for department {department} set")


@mapping_cli.command("show")
def show_mapping(
    department: Department, tool: ToolOption, database_url: DatabaseUrl = None
) -> None:
    """Print the mapping in force (the department's laid over the defaults) as JSON."""
    mapping = _run(
        database_url,
        lambda pool: mappings.mapping_in_force(pool=pool, department=department, tool=tool),
    )
    typer.echo(json.dumps(mapping.model_dump(mode="json"), indent=2, sort_keys=True))


@mapping_cli.command("defaults")
def show_defaults(tool: ToolOption) -> None:
    """Print a tool's default mapping as JSON (no database needed)."""
    mapping = effective_mapping(tool, None)
    typer.echo(json.dumps(mapping.model_dump(mode="json"), indent=2, sort_keys=True))


@mapping_cli.command("reset")
def reset_mapping(
    department: Department, tool: ToolOption, database_url: DatabaseUrl = None
) -> None:
    """Forget the department's mapping of a tool: the defaults apply again."""
    removed = _run(
        database_url,
        lambda pool: mappings.reset_mapping(pool=pool, department=department, tool=tool),
    )
    _say("reset to the defaults" if removed else "no mapping was set; the defaults apply")


if __name__ == "__main__":
    cli()
