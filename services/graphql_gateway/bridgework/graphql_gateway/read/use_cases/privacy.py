"""Access (GDPR Art. 15) in the read model: every row that names a person, their own sealed
texts opened (docs/privacy.md). Erasure is the projection's (projection/use_cases/privacy.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bridgework.common.contracts.sealed import Sealed
from bridgework.common.errors import DomainError, ErrorKind
from bridgework.common.postgres import Pool
from bridgework.common.privacy import DataKey, KeyStore, UnreadableSealedError, unseal
from bridgework.graphql_gateway.read.repository import privacy as privacy_rows


@dataclass(frozen=True)
class GatewayExport:
    """table -> the rows naming the person; their sealed texts opened, others' left sealed."""

    person_id: str
    tables: dict[str, list[dict[str, Any]]]


async def export_person(*, pool: Pool, keys: KeyStore, person_id: str) -> GatewayExport:
    """What the read model holds about the person; 404 `nothing_held` when nothing."""
    async with pool.acquire() as connection, connection.transaction(readonly=True):
        tables = await privacy_rows.rows_naming(connection, person_id)
        found = [s for rows in tables.values() for row in rows for s in _sealed_in(row)]
        held = await keys.keys(connection, {s.key_id for s in found})
    if not tables:
        raise DomainError(
            "nothing_held",
            "the read model holds nothing about this person",
            kind=ErrorKind.NOT_FOUND,
            field="person_id",
        )
    theirs = {key_id: key for key_id, key in held.items() if key.person_id == person_id}
    return GatewayExport(
        person_id=person_id,
        tables={table: [_opened(row, theirs) for row in rows] for table, rows in tables.items()},
    )


def _as_sealed(value: Any) -> Sealed | None:
    if isinstance(value, dict) and set(value) == {"key_id", "ciphertext"}:
        try:
            return Sealed.model_validate(value)
        except ValueError:
            return None
    return None


def _sealed_in(value: Any) -> list[Sealed]:
    sealed = _as_sealed(value)
    if sealed is not None:
        return [sealed]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _sealed_in(item)]
    if isinstance(value, list):
        return [s for item in value for s in _sealed_in(item)]
    return []


def _opened(value: Any, theirs: dict[Any, DataKey]) -> Any:
    sealed = _as_sealed(value)
    if sealed is not None:
        key = theirs.get(sealed.key_id)
        if key is None:
            return value  # someone else's text (or erased): stays sealed
        try:
            return unseal(key, sealed)
        except UnreadableSealedError:
            return None
    if isinstance(value, dict):
        return {name: _opened(item, theirs) for name, item in value.items()}
    if isinstance(value, list):
        return [_opened(item, theirs) for item in value]
    return value
