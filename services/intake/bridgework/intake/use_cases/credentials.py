"""Department credentials: API tokens (made, checked, listed, revoked) and webhook secrets."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from uuid import UUID, uuid4

from bridgework.common.clock import Clock
from bridgework.common.postgres import Pool
from bridgework.intake import repository
from bridgework.intake.domain.credentials import (
    TOKEN_PREFIX,
    Principal,
    SecretInfo,
    TokenInfo,
    token_hash,
)
from bridgework.intake.domain.mapping import Tool
from bridgework.intake.use_cases.incidents import principals_in

_TOKEN_BYTES = 32


def new_token() -> str:
    """A fresh department API token (256 random bits), shown once to the admin who made it."""
    return TOKEN_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)


def new_webhook_secret() -> str:
    """A fresh shared secret for a tool that signs its webhooks (GitHub, Jira)."""
    return secrets.token_hex(32)


async def authenticate(*, pool: Pool, tokens: Iterable[str]) -> dict[str, Principal]:
    """The principals of the active tokens among `tokens` (unknown or revoked ones are absent)."""
    async with pool.acquire() as connection:
        return await principals_in(connection, list(tokens))


async def create_token(
    *, pool: Pool, clock: Clock, department: str, label: str
) -> tuple[UUID, str]:
    """A new API token for `department`: its id, and the token itself (shown only now)."""
    token_id, token = uuid4(), new_token()
    async with pool.acquire() as connection:
        await repository.insert_token(
            connection,
            token_id=token_id,
            department=department,
            token_hash=token_hash(token),
            label=label,
            created_at=clock.now(),
        )
    return token_id, token


async def list_tokens(*, pool: Pool, department: str | None) -> list[TokenInfo]:
    """Tokens (never their values), active and revoked."""
    async with pool.acquire() as connection:
        return await repository.list_tokens(connection, department=department)


async def revoke_tokens(
    *,
    pool: Pool,
    clock: Clock,
    token_id: UUID | None = None,
    department: str | None = None,
    label: str | None = None,
) -> int:
    """Revoke a token by id, or the tokens with a label (of one department, or all); return
    how many."""
    if token_id is None and label is None:
        raise ValueError("name a token id or a label")
    async with pool.acquire() as connection:
        return await repository.revoke_tokens(
            connection, at=clock.now(), token_id=token_id, department=department, label=label
        )


async def webhook_secrets(*, pool: Pool, department: str, tool: Tool) -> list[str]:
    """The department's active signing secrets for `tool`."""
    async with pool.acquire() as connection:
        return await repository.active_secrets(connection, department=department, tool=tool.value)


async def add_webhook_secret(
    *, pool: Pool, clock: Clock, department: str, tool: Tool, secret: str, label: str
) -> UUID:
    """Add a signing secret for `tool` in `department` (old ones stay valid until revoked)."""
    secret_id = uuid4()
    async with pool.acquire() as connection:
        await repository.insert_secret(
            connection,
            secret_id=secret_id,
            department=department,
            tool=tool.value,
            secret=secret,
            label=label,
            created_at=clock.now(),
        )
    return secret_id


async def list_webhook_secrets(*, pool: Pool, department: str | None) -> list[SecretInfo]:
    """Signing secrets (never their values), active and revoked."""
    async with pool.acquire() as connection:
        return await repository.list_secrets(connection, department=department)


async def revoke_webhook_secret(*, pool: Pool, clock: Clock, secret_id: UUID) -> bool:
    """Revoke a signing secret; False when there was no such active secret."""
    async with pool.acquire() as connection:
        return await repository.revoke_secret(connection, secret_id=secret_id, at=clock.now())
