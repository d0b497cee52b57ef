"""Run the set-up: one login role per service, owning its schema, with rights nowhere else.

Everything happens in one transaction under an advisory lock, so two set-up jobs started
together do not interleave, and a failure leaves the database as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import asyncpg

from bridgework.common.database_roles import sql
from bridgework.common.database_roles.passwords import scram_verifier
from bridgework.common.database_roles.sql import ServiceDatabase, Step

logger = logging.getLogger(__name__)

_LOCK = "bridgework:database-roles"


@dataclass(frozen=True)
class ServiceRole:
    """A service's role, ready: what its DATABASE_URL names (the password is the caller's)."""

    schema: str
    role: str


async def set_up(
    connection: asyncpg.Connection[asyncpg.Record],
    *,
    passwords: Mapping[str, str],
    prefix: str = sql.DEFAULT_ROLE_PREFIX,
    services: Sequence[ServiceDatabase] = sql.SERVICES,
) -> list[ServiceRole]:
    """Make the database hold one role per service, each owning its schema alone.

    `connection` is an administrator's on the service database: a superuser, or a role
    with CREATEROLE that owns the database. `passwords` maps each schema to its role's
    password. Idempotent: a second run changes nothing but the password verifiers' salt.
    """
    roles = [ServiceRole(service.schema, sql.role_name(prefix, service)) for service in services]
    missing = [service.schema for service in services if service.schema not in passwords]
    if missing:
        raise ValueError(f"passwords: none given for {', '.join(missing)}")
    async with connection.transaction():
        # Names from the catalog (routines, roles) come back qualified and quoted.
        await connection.execute("SET LOCAL search_path = pg_catalog")
        await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", _LOCK)
        for step in await _plan_roles(connection, roles, passwords):
            await _run(connection, step)
        database = await connection.fetchval("SELECT current_database()")
        has_public = await connection.fetchval(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public')"
        )
        for step in sql.lock_down_database(database, public_schema=has_public):
            await _run(connection, step)
        for service, role in zip(services, roles, strict=True):
            await _run(connection, sql.grant_database(database, role.role, service))
            for step in sql.own_schema(role.schema, role.role):
                await _run(connection, step)
            for step in await _adopt_objects(connection, role):
                await _run(connection, step)
            for step in await _revoke_foreign_grants(connection, role):
                await _run(connection, step)
            for row in await connection.fetch(sql.FOREIGN_MEMBERSHIPS, role.role):
                await _run(connection, sql.revoke_membership(row["granted"], row["member"]))
        by_schema = {role.schema: role.role for role in roles}
        if set(sql.PRIVACY_RIGHTS) | {sql.PRIVACY_OWNER} <= set(by_schema):
            owner = ServiceRole(sql.PRIVACY_SCHEMA, by_schema[sql.PRIVACY_OWNER])
            # Its owner first (tables made by an older installation's role), then the rights.
            for step in sql.own_schema(owner.schema, owner.role):
                await _run(connection, step)
            for step in await _adopt_objects(connection, owner):
                await _run(connection, step)
            for step in sql.privacy_schema(by_schema):
                await _run(connection, step)
    for role in roles:
        logger.info("schema %s belongs to role %s alone", role.schema, role.role)
    return roles


async def _plan_roles(
    connection: asyncpg.Connection[asyncpg.Record],
    roles: Sequence[ServiceRole],
    passwords: Mapping[str, str],
) -> list[Step]:
    existing = {
        row["rolname"]
        for row in await connection.fetch(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])",
            [role.role for role in roles],
        )
    }
    superuser = await connection.fetchval(
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
    )
    steps: list[Step] = []
    for role in roles:
        if role.role not in existing:
            steps.append(sql.create_role(role.role))
        steps.append(sql.set_password(role.role, scram_verifier(passwords[role.schema])))
        if not superuser:
            steps.append(sql.join_role(role.role))
    return steps


async def _adopt_objects(
    connection: asyncpg.Connection[asyncpg.Record], role: ServiceRole
) -> list[Step]:
    """Hand the role whatever another role made in its schema (an older installation's)."""
    rows = await connection.fetch(sql.FOREIGN_OWNED_OBJECTS, role.schema, role.role)
    return [sql.give_object(row["kind"], role.schema, row["name"], role.role) for row in rows]


async def _revoke_foreign_grants(
    connection: asyncpg.Connection[asyncpg.Record], role: ServiceRole
) -> list[Step]:
    rows = await connection.fetch(sql.FOREIGN_GRANTS, role.schema)
    return [
        sql.revoke_grant(
            row["kind"], role.schema, row["name"], None if row["to_public"] else row["grantee"]
        )
        for row in rows
    ]


async def _run(connection: asyncpg.Connection[asyncpg.Record], step: Step) -> None:
    try:
        await connection.execute(step.sql)
    except asyncpg.PostgresError as error:
        # The statement itself may hold a verifier: name the step, never show its SQL.
        raise SetUpError(f"could not {step.description}: {error}") from None
    logger.debug("%s", step.description)


class SetUpError(RuntimeError):
    """A step of the set-up failed; the message names the step and the server's reason."""
