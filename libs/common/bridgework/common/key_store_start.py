"""The key store of a service that seals or reads confidential texts, made ready at start.

Agreements, follow-up and the gateway build it in their composition root (`key_store_from`)
and `install_key_store` it: the app then proves the KEK against the stored keys
(`KeyStore.prepare`) before its pool, consumers or loops start, and refuses to start when the
KEK is missing, malformed or not the one that wrapped them, with one line naming
`BRIDGEWORK_PRIVACY_KEK` (`bridgework.common.serve`). No plaintext fallback, in development
mode neither. An app is still built without one, so its OpenAPI and AsyncAPI documents can be.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from fastapi import FastAPI
from fastapi.requests import HTTPConnection

from bridgework.common.postgres import connect
from bridgework.common.privacy import KEK_SETTING, KeyStore, LocalKek, PrivacyConfigError
from bridgework.common.settings import ServiceSettings

KEK_REQUIRED = f"{KEK_SETTING}: the key-encryption key of confidential texts"


def kek_missing(settings: ServiceSettings) -> list[str]:
    """The KEK's line for `required_settings()` (production manifests are checked against it)."""
    return [] if settings.privacy_kek is not None else [KEK_REQUIRED]


def key_store_from(settings: ServiceSettings) -> KeyStore:
    """The store over the configured KEK; with none (or a malformed one), a store whose every
    use, `prepare` at start first, raises the PrivacyConfigError that says why."""
    secret = settings.privacy_kek.get_secret_value() if settings.privacy_kek else None
    try:
        return KeyStore(LocalKek.from_setting(secret))
    except PrivacyConfigError as refused:
        return KeyStore(_RefusingKek(refused))


class _RefusingKek:
    """Stands in for a KEK that is missing or malformed: nothing is wrapped or opened."""

    def __init__(self, refused: PrivacyConfigError) -> None:
        self._refused = refused

    @property
    def kek_id(self) -> str:
        raise self._refused

    def wrap(self, secret: bytes, *, key_id: UUID) -> bytes:
        raise self._refused

    def unwrap(self, wrapped: bytes, *, key_id: UUID) -> bytes:
        raise self._refused


def install_key_store(app: FastAPI, store: KeyStore) -> None:
    """Prove the KEK before the app's own lifespan starts anything; routes then find the
    store as `app.state.key_store` (`key_store_of`)."""
    settings: ServiceSettings = app.state.settings
    starting = app.router.lifespan_context
    app.state.key_store = store

    @asynccontextmanager
    async def lifespan(running: Any) -> AsyncIterator[Any]:
        connection = await connect(
            settings.database_url, schema=settings.db_schema, purpose="key-store"
        )
        try:
            await store.prepare(connection)
        finally:
            await connection.close()
        async with starting(running) as state:
            yield state

    app.router.lifespan_context = lifespan


async def key_store_of(connection: HTTPConnection) -> KeyStore:
    """The service's key store (a FastAPI dependency; a WebSocket's too)."""
    store: KeyStore = connection.app.state.key_store
    return store
