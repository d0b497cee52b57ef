"""What every command shares: the environment (an env file), each service's settings, errors.

Each service connects to Postgres as its own role (docs/security.md, "Postgres"), so a
command that touches several services needs several DSNs: `BRIDGEWORK_<SERVICE>_DATABASE_URL`
(e.g. `BRIDGEWORK_FOLLOWUP_DATABASE_URL`), falling back to `DATABASE_URL`. `make run` writes
them, with the rest of the services' environment, to `.local/dev/bridgework.env`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, Literal, NoReturn, TypeVar

import asyncpg
import typer
from aiokafka.errors import KafkaError
from pydantic import ValidationError

from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.errors import DomainError
from bridgework.common.kafka_security import KafkaSecurityError
from bridgework.common.settings import ServiceSettings
from bridgework.followup.settings import FollowupSettings
from bridgework.graphql_gateway.settings import GatewaySettings
from bridgework.intake.settings import IntakeSettings

T = TypeVar("T")
Service = Literal["intake", "agreements", "followup", "gateway"]
SERVICES: tuple[Service, ...] = ("intake", "agreements", "followup", "gateway")
_SETTINGS: dict[Service, type[ServiceSettings]] = {
    "intake": IntakeSettings,
    "agreements": AgreementsSettings,
    "followup": FollowupSettings,
    "gateway": GatewaySettings,
}
# The services' migrations live in their packages (the gateway's package is not its name).
MIGRATION_PACKAGES: dict[Service, str] = {
    "intake": "bridgework.intake",
    "agreements": "bridgework.agreements",
    "followup": "bridgework.followup",
    "gateway": "bridgework.graphql_gateway",
}


def fail(message: str) -> NoReturn:
    """An operator's mistake or an unreachable dependency: one line on stderr, exit status 1."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def load_env_file(path: Path) -> list[str]:
    """Put `KEY=VALUE` lines into the environment (what is already set wins); the keys set."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        fail(f"--env-file {path}: {error.strerror or error}")
    loaded: list[str] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        if not sep or not key.strip():
            fail(f"--env-file {path}, line {number}: expected KEY=VALUE")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if key.strip() not in os.environ:
            os.environ[key.strip()] = value
            loaded.append(key.strip())
    return loaded


def database_url_variable(service: Service) -> str:
    return f"BRIDGEWORK_{service.upper()}_DATABASE_URL"


def settings_of(service: Service, database_url: str | None = None) -> ServiceSettings:
    """The service's settings from the environment, with its own DSN (see the module's doc)."""
    url = database_url or os.environ.get(database_url_variable(service))
    try:
        settings_class = _SETTINGS[service]
        return settings_class(database_url=url) if url else settings_class()
    except ValidationError as invalid:
        # Names the field and the rule, never the value: it may be a secret.
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in invalid.errors()
        )
        fail(f"{service}'s settings: {problems}")


# Failures an operator can act on (a wrong address, password or argument); anything else is
# a bug and keeps its traceback.
OPERATIONAL_ERRORS = (
    DomainError,
    TimeoutError,
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    KafkaError,
    KafkaSecurityError,
)


def explain(error: BaseException) -> str:
    """One line saying what failed, for an error of OPERATIONAL_ERRORS."""
    if isinstance(error, DomainError):
        return f"{error.detail} ({error.field})" if error.field else error.detail
    if isinstance(error, asyncpg.PostgresError | asyncpg.InterfaceError):
        return f"Postgres: {describe(error)}"
    if isinstance(error, KafkaError | KafkaSecurityError):
        return f"Kafka: {describe(error)}"
    return f"cannot connect: {describe(error)}"


def run(work: Coroutine[Any, Any, T]) -> T:
    """Run `work`; a failure an operator can act on becomes one clear line and exit status 1."""
    try:
        return asyncio.run(work)
    except OPERATIONAL_ERRORS as error:
        fail(explain(error))


def describe(error: BaseException) -> str:
    """An error's type and message, one line (asyncpg's and Kafka's carry no secrets)."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
