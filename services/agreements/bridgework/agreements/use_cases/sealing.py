"""Confidential texts in agreements: sealed with the key of (the person they are by or about,
the repair) before any row or event holds them, and opened again only for a reader the
use case has let see the repair (docs/architecture.md, "Confidential fields")."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from uuid import UUID

from bridgework.agreements.domain.conversation import ConversationRecord
from bridgework.agreements.domain.repair import Repair
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.postgres import Connection
from bridgework.common.privacy import (
    DataKey,
    KeyStore,
    UnreadableSealedError,
    Unsealer,
    seal,
    unseal,
)


class Sealer:
    """Seals texts of one repair in the caller's transaction (a key made there commits with them)."""

    def __init__(self, connection: Connection, keys: KeyStore, repair_id: UUID) -> None:
        self._connection = connection
        self._keys = keys
        self._repair_id = repair_id
        self._held: dict[str, DataKey] = {}

    async def seal(self, person_id: str, text: str, *, same_as: Sealed | None = None) -> Sealed:
        """`text` sealed with the person's key; `same_as` itself when it holds that very text,
        so a repeated command is still recognised as changing nothing (seals differ each time)."""
        key = await self._key(person_id)
        if same_as is not None and same_as.key_id == key.key_id:
            try:
                if unseal(key, same_as) == text:
                    return same_as
            except UnreadableSealedError:
                pass
        return seal(key, text)

    def opener(self) -> Unsealer:
        """Opens what this sealer sealed, without another query."""
        return Unsealer({key.key_id: key for key in self._held.values()})

    async def seal_optional(self, person_id: str, text: str | None) -> Sealed | None:
        return None if text is None else await self.seal(person_id, text)

    async def _key(self, person_id: str) -> DataKey:
        key = self._held.get(person_id)
        if key is None:
            key = await self._keys.key_for(
                self._connection, person_id=person_id, repair_id=self._repair_id
            )
            self._held[person_id] = key
        return key


def sealed_in_repair(repair: Repair) -> Iterator[Sealed | None]:
    """Every sealed text a repair's workflow holds, for one key lookup before showing it."""
    for check_in in repair.check_ins:
        yield check_in.comment
    for offer in repair.facilitation_offers:
        yield offer.reason
    if repair.closure is not None:
        yield repair.closure.reason
    agreement = repair.agreement
    if agreement is None:
        return
    if agreement.imposition is not None:
        yield agreement.imposition.reason
    for commitment in agreement.commitments:
        yield commitment.released_reason
        yield commitment.terms.action
        yield from (terms.action for terms in commitment.earlier_terms)
    if agreement.pending is not None:
        yield agreement.pending.reason
        yield from (terms.action for terms in agreement.pending.commitments)
        yield from (consent.reason for consent in agreement.pending.consents)


def sealed_in_conversation(records: Iterable[ConversationRecord]) -> Iterator[Sealed]:
    for record in records:
        yield from (answer.text for answer in record.answers)


async def opener(
    connection: Connection, keys: KeyStore, sealed: Iterable[Sealed | None]
) -> Unsealer:
    """Opens these texts (one query for their keys); an erased one reads as None."""
    return await Unsealer.load(connection, keys, sealed)
