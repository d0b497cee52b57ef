"""`bridgework doctor`: can each service reach Kafka, Postgres and SMTP, are its secrets set,
are the topics as wanted. Exit status 1 when any check fails (a warning does not)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bridgework.cli.checks import (
    Check,
    kafka_checks,
    postgres_check,
    settings_check,
    smtp_check,
)
from bridgework.cli.environment import SERVICES, Service, settings_of
from bridgework.common.settings import ServiceSettings
from bridgework.followup.settings import FollowupSettings

COLOURS = {"ok": "green", "warn": "yellow", "failing": "red", "off": "dim"}


async def run_checks(settings: dict[Service, ServiceSettings], timeout: float) -> list[Check]:
    """Every check, the slow ones side by side so an unreachable cluster costs one timeout."""
    checks = [settings_check(service, each) for service, each in settings.items()]
    probes = (postgres_check(service, each, timeout) for service, each in settings.items())
    kafka = (kafka_checks(service, each, timeout) for service, each in settings.items())
    postgres_found, kafka_found = await asyncio.gather(
        asyncio.gather(*probes), asyncio.gather(*kafka)
    )
    checks.extend(postgres_found)
    for found in kafka_found:
        checks.extend(found)
    followup = settings.get("followup")
    if isinstance(followup, FollowupSettings):
        checks.append(await smtp_check(followup, timeout))
    return sorted(checks, key=lambda check: check.name)


def doctor(
    timeout: Annotated[
        float, typer.Option(min=0.5, help="Seconds each connection may take.")
    ] = 5.0,
) -> None:
    """Check every service's settings, Postgres, Kafka (and topics) and follow-up's SMTP.

    Each service is checked with its own environment: BRIDGEWORK_<SERVICE>_DATABASE_URL (or
    DATABASE_URL) and the shared Kafka settings; `bridgework --env-file .local/dev/bridgework.env
    doctor` checks what `make run` started."""
    settings = {service: settings_of(service) for service in SERVICES}
    checks = asyncio.run(run_checks(settings, timeout))
    table = Table("check", "state", "why")
    for check in checks:
        colour = COLOURS[check.state]
        table.add_row(check.name, f"[{colour}]{check.state}[/{colour}]", check.detail)
    Console().print(table)
    failing = [check.name for check in checks if check.state == "failing"]
    if failing:
        typer.echo(f"error: failing: {', '.join(failing)}", err=True)
        raise typer.Exit(1)
