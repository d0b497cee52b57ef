"""`bridgework department onboard`: everything a department needs, in one go, as a checklist.

Intake: an API token and a signing secret per tool (each shown once; skipped when an active
one labelled `onboarding` exists, so running it again makes no second credential). Follow-up:
the nudge policy (defaults unless --policy-file), the chat webhook and people's contacts
(replaced when given again). Through the services' use cases with each one's own DSN
(BRIDGEWORK_INTAKE_DATABASE_URL, BRIDGEWORK_FOLLOWUP_DATABASE_URL, or DATABASE_URL); their
migrations are applied first, as the intake commands do.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from bridgework.cli.environment import fail, run, settings_of
from bridgework.common.clock import SystemClock
from bridgework.common.contracts.base import pseudonymous_id_problem
from bridgework.common.postgres import create_pool, migrate
from bridgework.followup.domain.contacts import Contact, Webhook
from bridgework.followup.schemas import DEFAULT_WEBHOOK_KINDS, PolicyOverridesIn
from bridgework.followup.settings import FollowupSettings
from bridgework.followup.use_cases import contacts, policies, webhooks
from bridgework.intake.domain.mapping import Tool
from bridgework.intake.use_cases import credentials

app = typer.Typer(help="Departments: onboarding in one go.", no_args_is_help=True)
LABEL = "onboarding"
_SLUG = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


def _contacts(values: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        person, sep, email = value.partition("=")
        if not sep or pseudonymous_id_problem(person) is not None or "@" not in email:
            fail(f"--contact {value!r}: expected PERSON_ID=EMAIL (a pseudonymous id, an address)")
        pairs.append((person, email))
    return pairs


async def _onboard_intake(department: str, tools: list[Tool], lines: list[str]) -> None:
    settings = settings_of("intake")
    clock = SystemClock()
    pool = await create_pool(settings.database_url, schema=settings.db_schema, max_size=2)
    try:
        await migrate(pool, schema=settings.db_schema, package="bridgework.intake")
        active = [
            t
            for t in await credentials.list_tokens(pool=pool, department=department)
            if t.revoked_at is None and t.label == LABEL
        ]
        if active:
            lines.append(f"[green]✓[/green] API token: {len(active)} active ({LABEL}); kept")
        else:
            _, token = await credentials.create_token(
                pool=pool, clock=clock, department=department, label=LABEL
            )
            lines.append(f"[green]✓[/green] API token (shown once): {token}")
        secrets = await credentials.list_webhook_secrets(pool=pool, department=department)
        for tool in tools:
            if tool is Tool.SERVICENOW:
                lines.append("[green]✓[/green] servicenow: sends the API token above")
                continue
            if any(s.tool == tool.value and s.revoked_at is None for s in secrets):
                lines.append(f"[green]✓[/green] {tool.value} signing secret: active; kept")
                continue
            secret = credentials.new_webhook_secret()
            await credentials.add_webhook_secret(
                pool=pool, clock=clock, department=department, tool=tool, secret=secret,
                label=LABEL,
            )  # fmt: skip
            lines.append(f"[green]✓[/green] {tool.value} signing secret (shown once): {secret}")
        for tool in tools:
            lines.append(f"[green]✓[/green] {tool.value} mapping: the one in force is kept "
                         "(`bridgework mapping show|set`)")  # fmt: skip
    finally:
        await pool.close()


async def _onboard_followup(
    department: str,
    overrides: PolicyOverridesIn | None,
    chat_webhook: str | None,
    people: list[tuple[str, str]],
    lines: list[str],
) -> None:
    settings = settings_of("followup")
    assert isinstance(settings, FollowupSettings)
    clock = SystemClock()
    pool = await create_pool(settings.database_url, schema=settings.db_schema, max_size=2)
    try:
        await migrate(pool, schema=settings.db_schema, package="bridgework.followup")
        if overrides is not None:
            policy = await policies.set_department_policy(
                pool=pool, settings=settings, clock=clock, department=department,
                overrides=overrides.as_policy_fields(),
            )  # fmt: skip
        else:
            policy = await policies.policy_of_department(
                pool=pool, settings=settings, department=department
            )
        own = ", ".join(policy.overridden) or "none: the defaults apply"
        lines.append(f"[green]✓[/green] follow-up policy: fields set by the department: {own}")
        if chat_webhook:
            await webhooks.set_webhook(
                pool=pool, clock=clock,
                webhook=Webhook(
                    department, chat_webhook, tuple(sorted(k.value for k in DEFAULT_WEBHOOK_KINDS))
                ),
                allow_private=settings.webhook_allow_private_targets,
            )  # fmt: skip
            lines.append("[green]✓[/green] chat webhook set")
        else:
            lines.append("[yellow]•[/yellow] chat webhook: none (--chat-webhook URL)")
        for person, email in people:
            await contacts.set_contact(
                pool=pool, clock=clock, contact=Contact(person, person, email=email)
            )
        lines.append(f"[green]✓[/green] contacts set: {len(people)}")
    finally:
        await pool.close()


@app.command("onboard")
def onboard(
    department: Annotated[str, typer.Option(help="The department's slug, e.g. `it`.")],
    tool: Annotated[
        list[Tool] | None, typer.Option(help="A tool it reports from (repeat).")
    ] = None,
    chat_webhook: Annotated[
        str | None, typer.Option(help="The department's incoming chat webhook URL.")
    ] = None,
    contact: Annotated[
        list[str] | None, typer.Option(help="PERSON_ID=EMAIL of someone to nudge (repeat).")
    ] = None,
    policy_file: Annotated[
        Path | None, typer.Option(help="The department's nudge-policy overrides (JSON).")
    ] = None,
) -> None:
    """Create a department's credentials and follow-up set-up; print them as a checklist."""
    if not _SLUG.match(department):
        fail("--department: a lower-case slug such as `it` or `finance`")
    people = _contacts(contact or [])
    overrides = None
    if policy_file is not None:
        try:
            overrides = PolicyOverridesIn.model_validate_json(policy_file.read_text("utf-8"))
        except OSError as error:
            fail(f"--policy-file {policy_file}: {error.strerror or error}")
        except ValidationError as invalid:
            where = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}"
                for e in invalid.errors()
            )
            fail(f"--policy-file: {where}")
    console = Console()
    console.print(f"[bold]Department {department}[/bold]: keep what is shown once; it is not "
                  "stored anywhere readable")  # fmt: skip
    # Intake's part is printed before follow-up's runs: a secret made must be shown even
    # when follow-up's part then fails (running again keeps it and skips it).
    intake_lines: list[str] = []
    run(_onboard_intake(department, tool or [], intake_lines))
    _print(console, intake_lines)
    followup_lines: list[str] = []
    run(_onboard_followup(department, overrides, chat_webhook, people, followup_lines))
    _print(console, followup_lines)


def _print(console: Console, lines: list[str]) -> None:
    for line in lines:
        console.print(line, highlight=False, soft_wrap=True)
