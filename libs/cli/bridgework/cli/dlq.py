"""`bridgework dlq`: dead letters — list them, show one, re-drive them after a fix.

The logic is common's (bridgework.common.dead_letters); here: options, intake's token lookup
(a redacted token is replaced by a fresh one of the same department), and printing.
Nothing printed carries a token: intake kept none, and `show` redacts any that slipped in.
"""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from bridgework.cli.environment import fail, run, settings_of
from bridgework.common.dead_letters import (
    DeadLetterError,
    DeadLetters,
    Fix,
    Redriven,
    TopicSummary,
    pretty_value,
)
from bridgework.common.postgres import create_pool
from bridgework.intake.domain.cloudevents import TOKEN_ATTRIBUTE
from bridgework.intake.domain.credentials import REDACTED, redact_text
from bridgework.intake.use_cases.credentials import authenticate

T = TypeVar("T")
app = typer.Typer(help="Dead letters: list, show, re-drive.", no_args_is_help=True)

TopicArgument = Annotated[
    str,
    typer.Argument(help="The dead-letter topic, e.g. `intake.raw` or `bridgework.incidents.dlq`."),
]


def _dead_letters() -> DeadLetters:
    settings = settings_of("intake")
    return DeadLetters(
        settings.kafka_bootstrap_servers, settings.kafka_security, settings.topic_namespace
    )


def _place(value: str) -> tuple[int, int]:
    partition, sep, offset = value.partition(":")
    if not sep or not partition.isdigit() or not offset.isdigit():
        raise typer.BadParameter("expected PARTITION:OFFSET, e.g. 0:42")
    return int(partition), int(offset)


def _row(summary: TopicSummary) -> tuple[str, str, str, str, str]:
    reasons = ", ".join(f"{reason} x{n}" for reason, n in sorted(summary.reasons.items()))
    offsets = ", ".join(
        f"{p}:{first}-{last}" for p, (first, last) in sorted(summary.offsets.items())
    )
    return summary.topic, str(summary.count), str(summary.pending), reasons, offsets


@app.command("list")
def list_dead_letters(
    topic: Annotated[str | None, typer.Option(help="Only this dead-letter topic.")] = None,
    reason: Annotated[str | None, typer.Option(help="Only dead letters with this reason.")] = None,
    consumer: Annotated[
        str | None, typer.Option(help="Only those this consumer gave up on.")
    ] = None,
) -> None:
    """Per dead-letter topic: how many, how many not re-driven yet, reasons, offsets."""
    letters = _dead_letters()

    async def summaries() -> list[TopicSummary]:
        topics = [letters.dead_letter_topic(topic)] if topic else await letters.topics()
        return [await letters.summary(t, reason=reason, consumer=consumer) for t in topics]

    table = Table("topic", "dead letters", "pending", "reasons", "partition:offsets")
    for summary in _guarded(summaries()):
        table.add_row(*_row(summary))
    Console().print(table)


@app.command("show")
def show(
    topic: TopicArgument,
    at: Annotated[str, typer.Argument(help="PARTITION:OFFSET of the dead letter (from `list`).")],
) -> None:
    """One dead letter: why, its headers, and its value (indented if JSON)."""
    letters = _dead_letters()
    partition, offset = _place(at)
    letter = _guarded(letters.show(letters.dead_letter_topic(topic), partition, offset))
    out = Console()
    out.print(f"{letter.topic}[{partition}]@{offset}: {letter.reason}", markup=False)
    for name, value in letter.headers:
        text = value.decode(errors="backslashreplace")
        shown = REDACTED if name.lower() == "ce_" + TOKEN_ATTRIBUTE else redact_text(text)
        out.print(f"  {name}: {shown}", markup=False, highlight=False)
    out.print(redact_text(pretty_value(letter.value)), markup=False, highlight=False)


@app.command("redrive")
def redrive(
    topic: TopicArgument,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="BRIDGEWORK_REDRIVE_TOKEN",
            help="A fresh API token of the department, for records whose token intake redacted "
            "(or set BRIDGEWORK_REDRIVE_TOKEN, to keep it out of the shell's history).",
        ),
    ] = None,
    replace_value: Annotated[
        Path | None, typer.Option(help="A file with the corrected value of the dead letter --at.")
    ] = None,
    at: Annotated[
        str | None, typer.Option(help="PARTITION:OFFSET that --replace-value is for.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be re-driven; publish nothing.")
    ] = False,
) -> None:
    """Publish every dead letter not re-driven yet back to its original topic, in order."""
    if (replace_value is None) != (at is None):
        raise typer.BadParameter("--replace-value and --at go together")
    place = _place(at) if at is not None else None
    value = _read_value(replace_value) if replace_value is not None else None
    letters = _dead_letters()

    async def work() -> list[Redriven]:
        department = await _department_of(token) if token is not None else None
        fix = Fix(token=token, token_department=department, replace_value=value, replace_at=place)
        return await letters.redrive(
            letters.dead_letter_topic(topic), fix=fix, dry_run=dry_run, on_redriven=_report
        )

    done = _guarded(work())
    verb = "would re-drive" if dry_run else "re-drove"
    typer.echo(f"{verb} {len(done)} dead letter(s)", err=True)


def _read_value(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        fail(f"--replace-value {path}: {error.strerror or error}")


async def _department_of(token: str) -> str:
    """The department a token reports for; an unknown or revoked token is refused."""
    settings = settings_of("intake")
    pool = await create_pool(settings.database_url, schema=settings.db_schema, max_size=2)
    try:
        principals = await authenticate(pool=pool, tokens=[token])
    finally:
        await pool.close()
    principal = principals.get(token)
    if principal is None:
        fail("--token: unknown or revoked token")
    return principal.department


def _report(item: Redriven) -> None:
    letter = item.letter
    fixed = f" ({', '.join(item.fixed)})" if item.fixed else ""
    typer.echo(
        f"{letter.topic}[{letter.partition}]@{letter.offset} {letter.reason} → {item.to_topic}{fixed}"
    )


def _guarded(work: Awaitable[T]) -> T:
    """Run `work`; what common refuses, and what cannot be reached, is one line and status 1."""

    async def checked() -> T:
        try:
            return await work
        except DeadLetterError as refused:
            fail(str(refused))

    return run(checked())
