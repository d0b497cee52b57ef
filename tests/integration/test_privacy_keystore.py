"""The key store on the real Postgres: keys per person and repair, the KEK canary, erasure."""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bridgework.common.privacy import (
    KeyStore,
    LocalKek,
    PrivacyConfigError,
    Unsealer,
    new_kek_text,
    seal,
)
from tests.database_admin import admin_database_url

pytestmark = pytest.mark.integration


async def test_one_key_per_person_and_repair_made_once(database_url: str) -> None:
    store = KeyStore(LocalKek.from_setting(new_kek_text()))
    conn = await asyncpg.connect(database_url)
    try:
        await store.prepare(conn)
        await store.prepare(conn)  # a restart: idempotent
        repair = uuid.uuid4()
        first = await store.key_for(conn, person_id="p-it-001", repair_id=repair)
        again = await store.key_for(conn, person_id="p-it-001", repair_id=repair)
        other_repair = await store.key_for(conn, person_id="p-it-001", repair_id=uuid.uuid4())
        other_person = await store.key_for(conn, person_id="p-fin-001", repair_id=repair)
        assert first == again
        assert len({first.key_id, other_repair.key_id, other_person.key_id}) == 3
        stored = b"".join(
            row["wrapped"] for row in await conn.fetch("SELECT wrapped FROM privacy.data_keys")
        )
        assert first.secret not in stored
        assert other_person.secret not in stored
    finally:
        await conn.close()


async def test_erasing_a_person_makes_only_their_texts_unreadable(database_url: str) -> None:
    store = KeyStore(LocalKek.from_setting(new_kek_text()))
    conn = await asyncpg.connect(database_url)
    try:
        await store.prepare(conn)
        repair = uuid.uuid4()
        theirs = seal(await store.key_for(conn, person_id="p-it-001", repair_id=repair), "mine")
        others = seal(await store.key_for(conn, person_id="p-fin-001", repair_id=repair), "yours")
        assert await store.repairs_of(conn, "p-it-001") == [repair]

        assert await store.destroy_person(conn, "p-it-001") == 1
        assert await store.destroy_person(conn, "p-it-001") == 0  # twice: harmless
        reader = await Unsealer.load(conn, store, [theirs, others, None])
        assert reader.text(theirs) is None
        assert reader.text(others) == "yours"
        assert reader.text(None) is None

        assert await store.destroy_repair(conn, repair) == 1
        reader = await Unsealer.load(conn, store, [others])
        assert reader.text(others) is None
    finally:
        await conn.close()


async def test_a_different_kek_is_refused_at_start(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await KeyStore(LocalKek.from_setting(new_kek_text())).prepare(conn)
        with pytest.raises(PrivacyConfigError, match="not the key-encryption key"):
            await KeyStore(LocalKek.from_setting(new_kek_text())).prepare(conn)
    finally:
        await conn.close()


async def test_a_role_that_may_not_create_the_schema_is_told_what_to_run(
    database_url: str,
) -> None:
    role = f"t_nocreate_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_database_url(database_url))
    parts = urlsplit(database_url)
    database = parts.path.lstrip("/")
    await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'a-long-test-password-x'")
    try:
        await admin.execute(f'GRANT CONNECT ON DATABASE "{database}" TO {role}')
        await admin.execute(f'REVOKE CREATE ON DATABASE "{database}" FROM PUBLIC')
        host = f"{parts.hostname}:{parts.port}"
        user_url = urlunsplit(parts._replace(netloc=f"{role}:a-long-test-password-x@{host}"))
        conn = await asyncpg.connect(user_url)
        try:
            store = KeyStore(LocalKek.from_setting(new_kek_text()))
            with pytest.raises(PrivacyConfigError, match="database_roles"):
                await store.prepare(conn, wait_for_owner=1.0)
            # The owner arrives while it waits: it goes on once the tables are there.
            waiting = asyncio.create_task(store.prepare(conn, wait_for_owner=30.0))
            await asyncio.sleep(1.0)
            assert not waiting.done()
            await store.prepare(admin)
            await admin.execute(f"GRANT USAGE ON SCHEMA privacy TO {role}")
            await admin.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA privacy TO {role}")
            await asyncio.wait_for(waiting, timeout=10)
        finally:
            await conn.close()
    finally:
        await admin.execute(f'REVOKE ALL ON DATABASE "{database}" FROM {role}')
        await admin.execute(f"DROP OWNED BY {role}")
        await admin.execute(f"DROP ROLE {role}")
        await admin.close()
