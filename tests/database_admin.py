"""An administrator's connection for tests that set up per-service roles (database_roles).

`BRIDGEWORK_DATABASE_ADMIN_URL` when set (its database part is replaced by the test's);
otherwise the local instance's superuser over its Unix socket, which deploy/local/infra.sh
trusts (the socket's folder is open to root and the postgres user only), since the role
infra.sh gives DATABASE_URL may not create roles; on a server without that socket,
DATABASE_URL's own role (the set-up then fails naming the right it lacks, if it does).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

from bridgework.common.database_roles import SERVICES

INFRA = Path(__file__).resolve().parents[1] / "deploy" / "local" / "infra.sh"
SCHEMAS = [service.schema for service in SERVICES]


def admin_database_url(database_url: str) -> str:
    """An administrator's DSN on the database `database_url` names."""
    database = urlsplit(database_url).path.lstrip("/")
    configured = os.environ.get("BRIDGEWORK_DATABASE_ADMIN_URL")
    if configured:
        return urlunsplit(urlsplit(configured)._replace(path=f"/{database}"))
    port = urlsplit(database_url).port or 5432
    socket_folder = _local_socket_folder()
    if not (socket_folder / f".s.PGSQL.{port}").exists():
        # A server of the tester's own: its role must be allowed to create roles.
        return database_url
    return f"postgresql://postgres@/{database}?host={socket_folder}&port={port}"


def _local_socket_folder() -> Path:
    # infra.sh keeps the server's socket next to its log (`infra.sh logs` names the log).
    result = subprocess.run(  # noqa: S603 - the project's own script
        [str(INFRA), "logs"], capture_output=True, text=True, check=True, env=dict(os.environ)
    )
    logs = [line for line in result.stdout.splitlines() if line.endswith("/postgres.log")]
    if not logs:
        raise RuntimeError("deploy/local/infra.sh logs names no postgres.log")
    return Path(logs[0]).parent


def database_url_as(database_url: str, role: str, password: str) -> str:
    """`database_url` with `role` and `password` as its user."""
    parts = urlsplit(database_url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{quote(role, safe='')}:{quote(password, safe='')}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass(frozen=True)
class Installation:
    """A database set up with per-service roles: each service's DSN and role."""

    database_url: str
    admin_url: str
    prefix: str
    passwords: dict[str, str]

    def role(self, schema: str) -> str:
        return f"{self.prefix}{schema}"

    def url(self, schema: str) -> str:
        return database_url_as(self.database_url, self.role(schema), self.passwords[schema])


def set_up_command(
    admin_url: str, prefix: str, passwords: dict[str, str], *extra: str
) -> subprocess.CompletedProcess[str]:
    """Run the set-up as an operator would, passwords in the environment."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("BRIDGEWORK_DATABASE_PASSWORD_")
        and key != "BRIDGEWORK_DEVELOPMENT_MODE"
    }
    env.update(
        {f"BRIDGEWORK_DATABASE_PASSWORD_{schema.upper()}": pw for schema, pw in passwords.items()}
    )
    env["BRIDGEWORK_DATABASE_ADMIN_URL"] = admin_url
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bridgework.common.database_roles", "--role-prefix", prefix, *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def drop_roles(admin_url: str, roles: list[str]) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        for role in roles:
            await connection.execute(f'DROP ROLE IF EXISTS "{role}"')
    finally:
        await connection.close()


async def roles_named(installation: Installation, prefix: str) -> list[str]:
    connection = await asyncpg.connect(installation.admin_url)
    try:
        rows = await connection.fetch(
            "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)", prefix
        )
    finally:
        await connection.close()
    return [row["rolname"] for row in rows]


async def tables_others_may_use(installation: Installation, schema: str) -> dict[str, list[str]]:
    """The tables of `schema` each other service's role holds a right on, by role."""
    admin = await asyncpg.connect(installation.admin_url)
    try:
        found: dict[str, list[str]] = {}
        for other in SCHEMAS:
            if other == schema:
                continue
            rows = await admin.fetch(
                "SELECT c.relname FROM pg_class c"
                " WHERE c.relnamespace = $2::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')"
                "   AND (has_table_privilege($1, c.oid,"
                "          'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')"
                "        OR has_any_column_privilege($1, c.oid, 'SELECT, INSERT, UPDATE'))",
                installation.role(other),
                schema,
            )
            if rows:
                found[other] = [row["relname"] for row in rows]
        return found
    finally:
        await admin.close()
