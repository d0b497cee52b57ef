"""The agreement: proposing terms, consenting or declining, and imposing an outcome.

A commitment's action is sealed with its owner's key, a decline reason with the decliner's,
an imposition's reason with the key of who decided."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID, uuid4

from bridgework.agreements.domain import consent as consent_rules
from bridgework.agreements.domain import imposition, proposals
from bridgework.agreements.domain.agreement import CommitmentDraft
from bridgework.agreements.domain.readers import Reader, acting_person
from bridgework.agreements.domain.repair import Decision, Repair
from bridgework.agreements.settings import AgreementsSettings
from bridgework.agreements.use_cases.repair_changes import (
    RepairDetails,
    change_repair,
    change_sealing,
)
from bridgework.agreements.use_cases.sealing import Sealer
from bridgework.common.clock import Clock
from bridgework.common.contracts import CommitmentTerms
from bridgework.common.contracts.sealed import Sealed
from bridgework.common.postgres import Pool
from bridgework.common.privacy import KeyStore

# A draft as the API takes it: its action still in plain text.
PlainDraft = CommitmentDraft[str]


async def propose_agreement(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    keys: KeyStore,
    repair_id: UUID,
    reader: Reader,
    drafts: Sequence[PlainDraft],
) -> RepairDetails:
    """Put terms to the participants: a new version of the agreement, consent asked again."""

    async def decide(sealer: Sealer, repair: Repair, now: datetime) -> Decision:
        pending = repair.agreement.pending if repair.agreement else None
        earlier = pending.commitments if pending else ()
        return proposals.propose_agreement(
            repair,
            actor=acting_person(reader),
            drafts=await sealed_drafts(sealer, drafts, earlier=earlier),
            now=now,
            new_id=uuid4,
        )

    change = await change_sealing(
        pool=pool,
        clock=clock,
        settings=settings,
        keys=keys,
        repair_id=repair_id,
        reader=reader,
        decide=decide,
    )
    return change.details


async def sealed_drafts(
    sealer: Sealer, drafts: Sequence[PlainDraft], *, earlier: Sequence[CommitmentTerms]
) -> list[CommitmentDraft[Sealed]]:
    """Each draft's action sealed with its owner's key; a revised commitment whose action is
    unchanged keeps its sealed text, so its terms version does not move."""
    before = {terms.commitment_id: terms for terms in earlier}
    sealed: list[CommitmentDraft[Sealed]] = []
    for draft in drafts:
        previous = before.get(draft.commitment_id) if draft.commitment_id else None
        action = await sealer.seal(
            draft.owner.person_id,
            draft.action,
            same_as=previous.action if previous and previous.owner == draft.owner else None,
        )
        sealed.append(
            CommitmentDraft(
                owner=draft.owner,
                action=action,
                due_at=draft.due_at,
                owed_to=draft.owed_to,
                owed_to_departments=draft.owed_to_departments,
                commitment_id=draft.commitment_id,
            )
        )
    return sealed


async def consent(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    keys: KeyStore,
    repair_id: UUID,
    reader: Reader,
    version: int,
) -> RepairDetails:
    """The actor consents to the current version; the last consent needed brings it into force."""
    change = await change_repair(
        pool=pool,
        clock=clock,
        settings=settings,
        keys=keys,
        repair_id=repair_id,
        reader=reader,
        decide=lambda repair, now: consent_rules.give_consent(
            repair, participant=acting_person(reader), version=version, now=now
        ),
    )
    return change.details


async def decline(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    keys: KeyStore,
    repair_id: UUID,
    reader: Reader,
    version: int,
    reason: str,
) -> RepairDetails:
    """The actor declines the current version, saying why."""

    async def decide(sealer: Sealer, repair: Repair, now: datetime) -> Decision:
        pending = repair.agreement.pending if repair.agreement else None
        earlier = pending.consent_of(reader.person_id) if pending else None
        return consent_rules.decline_consent(
            repair,
            participant=acting_person(reader),
            version=version,
            reason=await sealer.seal(
                reader.person_id, reason, same_as=earlier.reason if earlier else None
            ),
            now=now,
        )

    change = await change_sealing(
        pool=pool,
        clock=clock,
        settings=settings,
        keys=keys,
        repair_id=repair_id,
        reader=reader,
        decide=decide,
    )
    return change.details


async def impose_outcome(
    *,
    pool: Pool,
    clock: Clock,
    settings: AgreementsSettings,
    keys: KeyStore,
    repair_id: UUID,
    reader: Reader,
    reason: str,
    drafts: Sequence[PlainDraft],
) -> RepairDetails:
    """Record an outcome decided without everyone's consent, by a facilitator of the repair
    or the change team (who need not take part in it)."""

    async def decide(sealer: Sealer, repair: Repair, now: datetime) -> Decision:
        return imposition.impose_outcome(
            repair,
            decided_by=acting_person(reader),
            roles=reader.roles,
            reason=await sealer.seal(reader.person_id, reason),
            drafts=await sealed_drafts(sealer, drafts, earlier=()),
            now=now,
            new_id=uuid4,
        )

    change = await change_sealing(
        pool=pool,
        clock=clock,
        settings=settings,
        keys=keys,
        repair_id=repair_id,
        reader=reader,
        decide=decide,
    )
    return change.details
