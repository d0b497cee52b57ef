"""`python -m bridgework.common.database_roles`: set the database up for the four services."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

import asyncpg

from bridgework.common.database_roles.passwords import (
    MIN_PASSWORD_LENGTH,
    read_passwords,
)
from bridgework.common.database_roles.setup import ServiceRole, SetUpError, set_up
from bridgework.common.database_roles.sql import DEFAULT_ROLE_PREFIX, SERVICES, role_name

_TRUE = frozenset({"1", "true", "yes", "on"})


def _parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bridgework.common.database_roles",
        description=(
            "Create one login role per service (intake, agreements, followup, gateway), "
            "each owning its own schema and granted nothing else; idempotent. Each role's "
            "password comes from BRIDGEWORK_DATABASE_PASSWORD_<SCHEMA> or from the file "
            "named by BRIDGEWORK_DATABASE_PASSWORD_<SCHEMA>_FILE; it is never printed. "
            f"Outside development mode every password must be set, at least "
            f"{MIN_PASSWORD_LENGTH} characters, and not the development one."
        ),
    )
    parser.add_argument(
        "--admin-url",
        default=environ.get("BRIDGEWORK_DATABASE_ADMIN_URL"),
        help="DSN of an administrator (a superuser, or a CREATEROLE role owning the "
        "database) on the services' database; default $BRIDGEWORK_DATABASE_ADMIN_URL",
    )
    parser.add_argument(
        "--role-prefix",
        default=environ.get("BRIDGEWORK_DATABASE_ROLE_PREFIX", DEFAULT_ROLE_PREFIX),
        help="the roles are <prefix><schema>; default $BRIDGEWORK_DATABASE_ROLE_PREFIX "
        f"or {DEFAULT_ROLE_PREFIX!r}",
    )
    parser.add_argument(
        "--development-mode",
        action="store_true",
        default=environ.get("BRIDGEWORK_DEVELOPMENT_MODE", "").strip().lower() in _TRUE,
        help="a developer's machine or a test run: a missing password is the development "
        "one; default $BRIDGEWORK_DEVELOPMENT_MODE",
    )
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    parser = _parser(environ)
    arguments = parser.parse_args(argv)
    if not arguments.admin_url:
        parser.error("--admin-url or BRIDGEWORK_DATABASE_ADMIN_URL is required")
    try:
        for service in SERVICES:
            role_name(arguments.role_prefix, service)
        passwords = read_passwords(SERVICES, environ, development_mode=arguments.development_mode)
    except ValueError as error:
        parser.exit(2, f"database set-up refused:\n{error}\n")
    try:
        roles = asyncio.run(_set_up(arguments.admin_url, arguments.role_prefix, passwords))
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, SetUpError) as error:
        print(f"database set-up failed on {_where(arguments.admin_url)}: {error}", file=sys.stderr)
        return 1
    for role in roles:
        print(f"schema {role.schema}: owned by role {role.role}, its only rights", file=sys.stderr)
    return 0


async def _set_up(admin_url: str, prefix: str, passwords: dict[str, str]) -> list[ServiceRole]:
    connection = await asyncpg.connect(admin_url)
    try:
        return await set_up(connection, passwords=passwords, prefix=prefix)
    finally:
        await connection.close()


def _where(dsn: str) -> str:
    """The DSN's host and database, without its user or password."""
    parts = urlsplit(dsn)
    return f"{parts.hostname or 'local socket'}/{parts.path.lstrip('/') or '(default database)'}"


if __name__ == "__main__":
    sys.exit(main())
