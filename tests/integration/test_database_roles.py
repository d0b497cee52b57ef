"""The Trust issue's Postgres findings, reproduced: one role owned all four schemas.

In a fresh database, the set-up command (`python -m bridgework.common.database_roles`)
makes one role per service with a unique prefix; each service then starts (and so
migrates its schema) as its own role through its app's lifespan. The roles are dropped
at the end.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
from fastapi import FastAPI

from bridgework.agreements.app import create_app as agreements_app
from bridgework.common.clock import ManualClock
from bridgework.common.postgres import create_pool, migrate
from bridgework.followup.app import create_app as followup_app
from bridgework.graphql_gateway.app import create_app as gateway_app
from bridgework.intake.app import create_app as intake_app
from bridgework.intake.settings import IntakeSettings
from tests.agreements_factories import agreements_settings
from tests.database_admin import (
    SCHEMAS,
    Installation,
    admin_database_url,
    database_url_as,
    drop_roles,
    roles_named,
    set_up_command,
    tables_others_may_use,
)
from tests.followup_factories import MONDAY, followup_settings
from tests.gateway_factories import gateway_settings
from tests.infra import Infrastructure, create_database, delete_topics, drop_database, running

pytestmark = pytest.mark.integration

PACKAGES = {
    "intake": "bridgework.intake",
    "agreements": "bridgework.agreements",
    "followup": "bridgework.followup",
    "gateway": "bridgework.graphql_gateway",
}


def app_of(schema: str, infra: Infrastructure, url: str, namespace: str) -> FastAPI:
    where: dict[str, Any] = {
        "kafka_bootstrap_servers": infra.kafka,
        "database_url": url,
        "topic_namespace": namespace,
    }
    if schema == "intake":
        return intake_app(IntakeSettings(development_mode=True, **where))
    if schema == "agreements":
        return agreements_app(agreements_settings(**where))
    if schema == "gateway":
        return gateway_app(gateway_settings(**where))
    return followup_app(followup_settings(infra, url, namespace), clock=ManualClock(MONDAY))


@pytest.fixture(scope="module")
async def installation(infra: Infrastructure) -> AsyncIterator[Installation]:
    """A fresh database set up by the command; every service started once as its own role."""
    database_url = await create_database(infra)
    admin_url = admin_database_url(database_url)
    prefix = f"bwt{uuid4().hex[:8]}_"
    passwords = {schema: secrets.token_urlsafe(24) for schema in SCHEMAS}
    namespace = f"t{uuid4().hex[:10]}"
    try:
        done = set_up_command(admin_url, prefix, passwords)
        assert done.returncode == 0, done.stderr
        installed = Installation(database_url, admin_url, prefix, passwords)
        for schema in SCHEMAS:
            # The lifespan migrates the schema first: each service's real entry point.
            async with running(app_of(schema, infra, installed.url(schema), namespace)) as client:
                assert (await client.get("/health/ready")).status_code == 200
        yield installed
    finally:
        await drop_database(infra, database_url)
        await drop_roles(admin_database_url(infra.database_url), [prefix + s for s in SCHEMAS])
        await delete_topics(infra.kafka, namespace)


async def connect_as(installation: Installation, schema: str) -> asyncpg.Connection[Any]:
    return await asyncpg.connect(installation.url(schema))


async def test_each_service_migrates_its_own_schema_with_its_own_role(
    installation: Installation,
) -> None:
    """Found: one role owned all four schemas."""
    await assert_each_schema_is_its_roles_alone(installation)


async def assert_each_schema_is_its_roles_alone(installation: Installation) -> None:
    """Each schema, and everything in it, belongs to its service's role; both kinds of
    migration (common and the service's own) are recorded."""
    for schema in SCHEMAS:
        connection = await connect_as(installation, schema)
        try:
            owners = await connection.fetch(
                "SELECT DISTINCT c.relowner::regrole::text AS owner FROM pg_class c"
                " WHERE c.relnamespace = $1::regnamespace",
                schema,
            )
            schema_owner = await connection.fetchval(
                "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = $1", schema
            )
            versions = await connection.fetch(f'SELECT version FROM "{schema}".schema_migrations')
        finally:
            await connection.close()
        role = installation.role(schema)
        assert schema_owner == role
        assert await tables_others_may_use(installation, schema) == {}
        assert [row["owner"] for row in owners] == [role], f"{schema}: objects of other roles"
        assert any(row["version"].startswith("service:") for row in versions), schema
        assert any(row["version"].startswith("common:") for row in versions), schema


async def test_one_service_cannot_read_another_services_tables(
    installation: Installation,
) -> None:
    """Found: intake's connection could read agreements' repairs."""
    intake = await connect_as(installation, "intake")
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
            await intake.fetch("SELECT * FROM agreements.repairs")
        rights = {
            (reader, owner): await intake.fetchval(
                "SELECT has_schema_privilege($1, $2, 'USAGE')"
                " OR has_schema_privilege($1, $2, 'CREATE')",
                installation.role(reader),
                owner,
            )
            for reader, owner in itertools.permutations(SCHEMAS, 2)
        }
    finally:
        await intake.close()
    assert not any(rights.values()), {pair for pair, right in rights.items() if right}
    for reader, owner in itertools.permutations(SCHEMAS, 2):
        connection = await connect_as(installation, reader)
        try:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.fetch(f'SELECT * FROM "{owner}".outbox')
        finally:
            await connection.close()


async def test_a_service_cannot_create_objects_outside_its_schema(
    installation: Installation,
) -> None:
    """Found: the shared role could create schemas, and tables in any schema."""
    intake = await connect_as(installation, "intake")
    try:
        await intake.execute("CREATE TABLE intake.scratch (id int)")  # its own: allowed
        refused = [
            "CREATE TABLE public.scratch (id int)",
            "CREATE TABLE agreements.scratch (id int)",
            "CREATE SCHEMA scratch",
            "CREATE TEMP TABLE scratch (id int)",
        ]
        for statement in refused:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await intake.execute(statement)
        await intake.execute("DROP TABLE intake.scratch")
    finally:
        await intake.close()
    gateway = await connect_as(installation, "gateway")
    try:
        # The gateway's projection stages batches in temporary tables: that right it has.
        await gateway.execute("CREATE TEMP TABLE staged (id int)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await gateway.execute("CREATE TABLE followup.scratch (id int)")
    finally:
        await gateway.close()


async def test_a_membership_that_lets_one_service_act_as_another_is_undone(
    installation: Installation,
) -> None:
    """A role granted another service's role could SET ROLE to it: the set-up revokes that."""
    admin = await asyncpg.connect(installation.admin_url)
    try:
        await admin.execute(
            f'GRANT "{installation.role("agreements")}" TO "{installation.role("intake")}"'
        )
    finally:
        await admin.close()

    done = set_up_command(installation.admin_url, installation.prefix, installation.passwords)

    assert done.returncode == 0, done.stderr
    intake = await connect_as(installation, "intake")
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await intake.execute(f'SET ROLE "{installation.role("agreements")}"')
    finally:
        await intake.close()


async def test_running_the_set_up_twice_is_harmless(
    installation: Installation, infra: Infrastructure
) -> None:
    """The set-up is run on every deploy: a second run keeps every schema and its rows."""
    before = await _migrations(installation)

    again = set_up_command(installation.admin_url, installation.prefix, installation.passwords)

    assert again.returncode == 0, again.stderr
    assert await _migrations(installation) == before
    for schema in SCHEMAS:
        pool = await create_pool(installation.url(schema), schema=schema, max_size=2)
        try:
            assert await migrate(pool, schema=schema, package=PACKAGES[schema]) == []
        finally:
            await pool.close()


async def _migrations(installation: Installation) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for schema in SCHEMAS:
        connection = await connect_as(installation, schema)
        try:
            rows = await connection.fetch(
                f'SELECT version FROM "{schema}".schema_migrations ORDER BY version'
            )
        finally:
            await connection.close()
        found[schema] = [row["version"] for row in rows]
    return found


async def test_the_set_up_refuses_a_missing_password_outside_development_mode(
    installation: Installation, infra: Infrastructure
) -> None:
    """Found: the role's password defaulted to `bridgework`."""
    prefix = f"bwt{uuid4().hex[:8]}_"
    some = {"intake": secrets.token_urlsafe(24), "agreements": "bridgework"}
    elsewhere = await create_database(infra)
    try:
        refused = set_up_command(installation.admin_url, prefix, some)
        assert refused.returncode == 2
        assert "BRIDGEWORK_DATABASE_PASSWORD_FOLLOWUP: missing" in refused.stderr
        assert "BRIDGEWORK_DATABASE_PASSWORD_AGREEMENTS: the development password" in (
            refused.stderr
        )
        assert some["intake"] not in refused.stdout + refused.stderr
        assert await roles_named(installation, prefix) == [], "a refused set-up made roles"

        in_development = set_up_command(
            admin_database_url(elsewhere), prefix, {}, "--development-mode"
        )
        assert in_development.returncode == 0, in_development.stderr
        assert len(await roles_named(installation, prefix)) == len(SCHEMAS)
    finally:
        await drop_database(infra, elsewhere)
        await drop_roles(installation.admin_url, [prefix + schema for schema in SCHEMAS])


async def test_the_set_up_takes_over_a_database_where_one_role_owned_every_schema(
    infra: Infrastructure, namespace: str
) -> None:
    """An installation from before per-service roles: the shared role migrated all four
    schemas. After the set-up each service owns its schema and the shared role reads none."""
    database_url = await create_database(infra)
    prefix = f"bwt{uuid4().hex[:8]}_"
    passwords = {schema: secrets.token_urlsafe(24) for schema in SCHEMAS}
    admin_url = admin_database_url(database_url)
    try:
        for schema in SCHEMAS:
            pool = await create_pool(database_url, schema=schema, max_size=2)
            try:
                await migrate(pool, schema=schema, package=PACKAGES[schema])
            finally:
                await pool.close()
        shared = await asyncpg.connect(database_url)
        try:
            # What an operator may have granted by hand, to anyone.
            await shared.execute(
                "GRANT USAGE ON SCHEMA agreements TO PUBLIC;"
                " GRANT SELECT ON agreements.repairs TO PUBLIC;"
                " GRANT SELECT (repair_id) ON agreements.repair_incidents TO PUBLIC"
            )
        finally:
            await shared.close()

        done = set_up_command(admin_url, prefix, passwords)

        assert done.returncode == 0, done.stderr
        installed = Installation(database_url, admin_url, prefix, passwords)
        shared = await asyncpg.connect(database_url)
        try:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await shared.fetch("SELECT * FROM agreements.repairs")
        finally:
            await shared.close()
        intake = await connect_as(installed, "intake")
        try:
            for table in ("repairs", "repair_incidents"):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await intake.fetch(f"SELECT repair_id FROM agreements.{table}")
        finally:
            await intake.close()
        await assert_each_schema_is_its_roles_alone(installed)
        async with running(app_of("agreements", infra, installed.url("agreements"), namespace)):
            pass
    finally:
        await drop_database(infra, database_url)
        await drop_roles(admin_database_url(infra.database_url), [prefix + s for s in SCHEMAS])


async def test_an_administrator_with_createrole_alone_can_run_the_set_up(
    infra: Infrastructure,
) -> None:
    """A managed Postgres gives no superuser: a CREATEROLE role owning the database is enough."""
    superuser_url = admin_database_url(infra.database_url)
    tag = uuid4().hex[:8]
    admin_role, database, prefix = f"bwt{tag}_admin", f"bwtest_{tag}", f"bwt{tag}_"
    admin_password = secrets.token_urlsafe(24)
    superuser = await asyncpg.connect(superuser_url)
    try:
        await superuser.execute(
            f"CREATE ROLE \"{admin_role}\" LOGIN CREATEROLE PASSWORD '{admin_password}'"
        )
        await superuser.execute(f'CREATE DATABASE "{database}" OWNER "{admin_role}"')
        admin_url = database_url_as(infra.database_url_for(database), admin_role, admin_password)
        passwords = {schema: secrets.token_urlsafe(24) for schema in SCHEMAS}
        for _ in range(2):
            done = set_up_command(admin_url, prefix, passwords)
            assert done.returncode == 0, done.stderr
        installed = Installation(infra.database_url_for(database), admin_url, prefix, passwords)
        for schema in SCHEMAS:
            pool = await create_pool(installed.url(schema), schema=schema, max_size=2)
            try:
                assert await migrate(pool, schema=schema, package=PACKAGES[schema])
            finally:
                await pool.close()
        await assert_each_schema_is_its_roles_alone(installed)
    finally:
        await superuser.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await superuser.close()
        await drop_roles(superuser_url, [admin_role] + [prefix + s for s in SCHEMAS])


async def test_the_data_keys_belong_to_agreements_follow_up_adds_and_the_gateway_reads(
    installation: Installation,
) -> None:
    """The privacy schema: agreements' role owns it and made its tables at start; follow-up
    may read and add keys (it seals check-in comments), the gateway only read them; intake
    may not even look; nobody but the owner destroys one."""
    admin = await asyncpg.connect(installation.admin_url)
    try:
        owners = await admin.fetch(
            "SELECT c.relname, c.relowner::regrole::text AS owner FROM pg_class c"
            " WHERE c.relnamespace = 'privacy'::regnamespace AND c.relkind = 'r'"
        )
        rights = {
            (schema, right): await admin.fetchval(
                "SELECT has_table_privilege($1, 'privacy.data_keys', $2)",
                installation.role(schema),
                right,
            )
            for schema in SCHEMAS
            for right in ("SELECT", "INSERT", "DELETE")
        }
    finally:
        await admin.close()
    assert {row["relname"] for row in owners} == {"data_keys", "kek_canary"}
    assert {row["owner"] for row in owners} == {installation.role("agreements")}
    assert {pair for pair, held in rights.items() if held} == {
        ("agreements", "SELECT"),
        ("agreements", "INSERT"),
        ("agreements", "DELETE"),
        ("followup", "SELECT"),
        ("followup", "INSERT"),
        ("gateway", "SELECT"),
    }
